/**
 * Worker-thread entry of the TTS engines (internal): hosts one engine (eSpeak-NG or Kokoro) and
 * answers requests one at a time, so synthesis never runs on the application's event loop.
 * Protocol: `ttsWorkerProtocol.ts`.
 */
import { parentPort, workerData } from "node:worker_threads";
import { EspeakSynth } from "./espeakSynth.js";
import { KokoroSynth } from "./kokoroSynth.js";
import type { ResolvedEspeakOptions, ResolvedKokoroOptions } from "./options.js";
import {
  CTRL_CANCEL,
  CTRL_DEAD,
  CTRL_SEQ,
  type TtsWorkerData,
  type TtsWorkerError,
  type TtsWorkerReply,
  type TtsWorkerRequest,
} from "./ttsWorkerProtocol.js";
import type { WorkerLog, WorkerSynth } from "./workerSynth.js";

function toError(err: unknown): TtsWorkerError {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? err.cause.message : undefined;
    return cause === undefined
      ? { name: err.name, message: err.message }
      : { name: err.name, message: err.message, cause };
  }
  return { name: "Error", message: String(err) };
}

const port = parentPort;
if (port !== null) {
  const data = workerData as TtsWorkerData;
  const { ctrl, syncPort } = data;

  const wakeCaller = () => {
    Atomics.add(ctrl, CTRL_SEQ, 1);
    Atomics.notify(ctrl, CTRL_SEQ);
  };
  process.on("exit", () => {
    Atomics.store(ctrl, CTRL_DEAD, 1);
    wakeCaller();
  });

  const log: WorkerLog = (level, message, fields) => {
    const msg: TtsWorkerReply =
      fields === undefined
        ? { type: "log", level, message }
        : { type: "log", level, message, fields };
    port.postMessage(msg);
  };

  const config = data.engine;
  const engine: Promise<WorkerSynth<ResolvedEspeakOptions> | WorkerSynth<ResolvedKokoroOptions>> =
    config.kind === "espeak"
      ? EspeakSynth.load(config.moduleSpecifier, log)
      : KokoroSynth.load(config, config.moduleSpecifier, log);
  // Requests see a load failure; avoid an unhandled rejection before the first one.
  engine.catch(() => undefined);

  const cancelled = new Set<number>();
  // Requests are handled in id order, so a cancel for an id up to this one arrived too late.
  let lastDone = 0;
  let chain: Promise<void> = Promise.resolve();

  const handle = async (req: Extract<TtsWorkerRequest, { sync: boolean }>): Promise<void> => {
    const sync = req.sync;
    const send = (reply: TtsWorkerReply, transfer: ArrayBuffer[] = []) => {
      if (sync) {
        syncPort.postMessage(reply, transfer);
        wakeCaller();
      } else {
        port.postMessage(reply, transfer);
      }
    };
    const isCancelled = () => cancelled.has(req.id) || Atomics.load(ctrl, CTRL_CANCEL) === req.id;
    try {
      const synth = await engine;
      if (req.type === "load") {
        send({ type: "loaded", id: req.id, sampleRate: synth.sampleRate });
        return;
      }
      if (req.type !== "synth") return;
      if (!isCancelled()) {
        await (synth as WorkerSynth<typeof req.options>).synthesize(
          req.text,
          req.options,
          (samples) => {
            if (isCancelled()) return;
            send({ type: "chunk", id: req.id, samples }, [samples.buffer as ArrayBuffer]);
          },
          req.flushSamples,
          isCancelled,
        );
      }
      send({ type: "end", id: req.id });
    } catch (err) {
      send({ type: "error", id: req.id, error: toError(err) });
    } finally {
      cancelled.delete(req.id);
      lastDone = Math.max(lastDone, req.id);
    }
  };

  port.on("message", (req: TtsWorkerRequest) => {
    switch (req.type) {
      case "cancel":
        if (req.id > lastDone) cancelled.add(req.id);
        return;
      case "close":
        // Finish the requests already queued, free the engine, then let the thread end.
        chain = chain.then(async () => {
          await engine.then((e) => e.dispose()).catch(() => undefined);
          syncPort.close();
          port.close();
        });
        return;
      default:
        chain = chain.then(() => handle(req));
    }
  });
}
