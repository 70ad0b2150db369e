/**
 * Worker-thread entry of {@link SileroVad}: owns one onnxruntime session and answers requests
 * one at a time (conversion to float32, resampling to 16 kHz, then the model), so neither
 * resampling nor inference runs on the application's event loop.
 *
 * Protocol (internal): `workerData` is {@link SileroWorkerData}; each message in is a
 * {@link SileroWorkerRequest} (audio transferred), each message out a
 * {@link SileroWorkerResponse} (probabilities transferred).
 */

import { parentPort, workerData } from "node:worker_threads";
import { audioToFloat32 } from "../audio/convert.js";
import { resample } from "../audio/resample.js";
import { serveInOrder, workerError } from "../utils/worker.js";
import type { SileroVersion } from "./sileroInference.js";
import { SileroInference } from "./sileroInference.js";

/**
 * What the worker is started with (internal).
 *
 * @example
 * ```ts
 * const data: SileroWorkerData = { modelPath: defaultSileroModelPath("v4"), version: "v4" };
 * ```
 */
export interface SileroWorkerData {
  modelPath: string;
  version: SileroVersion;
}

/**
 * One request (internal): the mono audio of one call at its own rate (the buffer is
 * transferred, so it belongs to the worker) and the window size.
 *
 * @example
 * ```ts
 * const req: SileroWorkerRequest = { id: 1, samples, sampleRate: 48000, windowSize: 1024 };
 * worker.postMessage(req, [samples.buffer]);
 * ```
 */
export interface SileroWorkerRequest {
  id: number;
  samples: Int16Array | Float32Array;
  sampleRate: number;
  windowSize: number;
}

/**
 * One answer (internal): probabilities, the 16 kHz length and the time spent, or an error.
 *
 * @example
 * ```ts
 * worker.on("message", (res: SileroWorkerResponse) => {
 *   if (res.ok) use(res.probabilities);
 * });
 * ```
 */
export type SileroWorkerResponse =
  | {
      id: number;
      ok: true;
      probabilities: Float32Array;
      /** Samples of the 16 kHz audio the probabilities describe. */
      length16k: number;
      /** Milliseconds spent converting and resampling. */
      prepareMs: number;
      /** Milliseconds spent in the model. */
      computeMs: number;
    }
  | { id: number; ok: false; error: { name: string; message: string } };

const port = parentPort;
if (port !== null) {
  const data = workerData as SileroWorkerData;
  const model = SileroInference.create(data.modelPath, data.version);
  // Avoid an unhandled rejection before the first request arrives; requests see the error.
  model.catch(() => undefined);

  const handle = async (req: SileroWorkerRequest): Promise<void> => {
    let reply: SileroWorkerResponse;
    try {
      const m = await model;
      const t0 = performance.now();
      let audio = audioToFloat32(req.samples);
      if (req.sampleRate !== 16000) audio = resample(audio, req.sampleRate, 16000);
      const t1 = performance.now();
      const probabilities = await m.probabilities(audio, req.windowSize);
      reply = {
        id: req.id,
        ok: true,
        probabilities,
        length16k: audio.length,
        prepareMs: t1 - t0,
        computeMs: performance.now() - t1,
      };
    } catch (err) {
      reply = { id: req.id, ok: false, error: workerError(err) };
    }
    if (reply.ok) port.postMessage(reply, [reply.probabilities.buffer as ArrayBuffer]);
    else port.postMessage(reply);
  };

  serveInOrder(port, handle, () => model.then((m) => m.dispose()));
}
