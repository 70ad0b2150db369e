/**
 * Worker-thread entry of `MoonshineStt`: owns the Moonshine onnxruntime sessions and the token
 * decoder, and answers requests one at a time (conversion to float32, resampling to 16 kHz,
 * encoder, greedy decoding, detokenization), so none of it runs on the application's event loop.
 *
 * Protocol (internal): `workerData` is {@link SttWorkerData}; each message in is an
 * {@link SttWorkerRequest} (audio transferred), each message out an {@link SttWorkerResponse}.
 */

import { parentPort, workerData } from "node:worker_threads";
import { audioToFloat32 } from "../audio/convert.js";
import { resample } from "../audio/resample.js";
import { serveInOrder, workerError } from "../utils/worker.js";
import { DEFAULT_TOKENS_PER_SECOND } from "./constants.js";
import { MoonshineInference } from "./moonshineInference.js";
import { loadTokenDecoder } from "./tokenizer.js";

/**
 * What the worker is started with (internal).
 *
 * @example
 * ```ts
 * const data: SttWorkerData = { encoder: "/c/encoder_model.onnx", decoder: "/c/decoder_model_merged.onnx", threads: 1, tokensPerSecond: 6 };
 * ```
 */
export interface SttWorkerData {
  encoder: string;
  decoder: string;
  tokenizer?: string;
  threads: number;
  tokensPerSecond: number;
}

/**
 * One request (internal): `load` resolves once the sessions are ready; `stt` carries mono audio
 * at its own rate (the buffer is transferred, so it belongs to the worker).
 *
 * @example
 * ```ts
 * const req: SttWorkerRequest = { id: 1, kind: "stt", samples, sampleRate: 48000 };
 * worker.postMessage(req, [samples.buffer]);
 * ```
 */
export type SttWorkerRequest =
  | { id: number; kind: "load" }
  | { id: number; kind: "stt"; samples: Int16Array | Float32Array; sampleRate: number };

/**
 * One answer (internal).
 *
 * @example
 * ```ts
 * worker.on("message", (res: SttWorkerResponse) => { if (res.ok) use(res.text); });
 * ```
 */
export type SttWorkerResponse =
  | {
      id: number;
      ok: true;
      text: string;
      tokens: number[];
      stoppedOnEos: boolean;
      audioSeconds: number;
      prepareMs: number;
      encodeMs: number;
      decodeMs: number;
    }
  | { id: number; ok: false; error: { name: string; message: string } };

const port = parentPort;
if (port !== null) {
  const data = workerData as SttWorkerData;
  const ready = Promise.all([
    MoonshineInference.create(data.encoder, data.decoder, { threads: data.threads }),
    loadTokenDecoder(data.tokenizer),
  ]);
  // Avoid an unhandled rejection before the first request arrives; requests see the error.
  ready.catch(() => undefined);
  const tps = data.tokensPerSecond > 0 ? data.tokensPerSecond : DEFAULT_TOKENS_PER_SECOND;

  const handle = async (req: SttWorkerRequest): Promise<void> => {
    let reply: SttWorkerResponse;
    try {
      const [model, decoder] = await ready;
      if (req.kind === "load") {
        reply = {
          id: req.id,
          ok: true,
          text: "",
          tokens: [],
          stoppedOnEos: false,
          audioSeconds: 0,
          prepareMs: 0,
          encodeMs: 0,
          decodeMs: 0,
        };
      } else {
        const t0 = performance.now();
        let audio = audioToFloat32(req.samples);
        if (req.sampleRate !== 16000) audio = resample(audio, req.sampleRate, 16000);
        const prepareMs = performance.now() - t0;
        const seconds = audio.length / 16000;
        const r = await model.generate(audio, Math.ceil(seconds * tps));
        reply = {
          id: req.id,
          ok: true,
          text: decoder.decode(r.tokens),
          tokens: r.tokens,
          stoppedOnEos: r.stoppedOnEos,
          audioSeconds: seconds,
          prepareMs,
          encodeMs: r.encodeMs,
          decodeMs: r.decodeMs,
        };
      }
    } catch (err) {
      reply = { id: req.id, ok: false, error: workerError(err) };
    }
    port.postMessage(reply);
  };

  serveInOrder(port, handle, () => ready.then(([m]) => m.dispose()));
}
