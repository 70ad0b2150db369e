/**
 * Messages between a {@link WorkerTtsEngine} and its worker thread (`ttsWorker.ts`), internal.
 *
 * Requests go through the worker's ordinary message port and are handled one at a time, in
 * order. Replies of asynchronous requests come back on the same port. Replies of a synchronous
 * request (`sync: true`) are posted on a dedicated `MessagePort` instead, and after each one the
 * worker increments `ctrl[CTRL_SEQ]` and notifies it, so the blocked caller wakes up
 * (`Atomics.wait`) and reads the reply with `receiveMessageOnPort`.
 */
import type { MessagePort } from "node:worker_threads";
import type { KokoroLoadConfig, ResolvedEspeakOptions, ResolvedKokoroOptions } from "./options.js";

/**
 * Index in `ctrl` of the counter bumped after every synchronous reply (and on exit).
 *
 * @example
 * ```ts
 * Atomics.wait(ctrl, CTRL_SEQ, seen, timeoutMs);
 * ```
 */
export const CTRL_SEQ = 0;
/**
 * Index in `ctrl` holding the id of the request to cancel (0: none).
 *
 * @example
 * ```ts
 * Atomics.store(ctrl, CTRL_CANCEL, id);
 * ```
 */
export const CTRL_CANCEL = 1;
/**
 * Index in `ctrl` set to 1 when the worker thread exits.
 *
 * @example
 * ```ts
 * if (Atomics.load(ctrl, CTRL_DEAD) === 1) throw new Error("worker gone");
 * ```
 */
export const CTRL_DEAD = 2;
/**
 * Number of Int32 slots in `ctrl`.
 *
 * @example
 * ```ts
 * const ctrl = new Int32Array(new SharedArrayBuffer(CTRL_SLOTS * 4));
 * ```
 */
export const CTRL_SLOTS = 4;

/**
 * Which engine a worker hosts, with its load configuration (internal).
 *
 * @example
 * ```ts
 * const e: TtsWorkerEngineConfig = { kind: "espeak", moduleSpecifier: "@echogarden/espeak-ng-emscripten" };
 * ```
 */
export type TtsWorkerEngineConfig =
  | { kind: "espeak"; moduleSpecifier: string }
  | ({ kind: "kokoro"; moduleSpecifier: string } & KokoroLoadConfig);

/**
 * What the worker is started with (internal).
 *
 * @example
 * ```ts
 * const data: TtsWorkerData = { engine, ctrl, syncPort: port2 };
 * ```
 */
export interface TtsWorkerData {
  engine: TtsWorkerEngineConfig;
  /** Shared control block (`CTRL_*` indices) on a SharedArrayBuffer. */
  ctrl: Int32Array;
  /** Where replies of synchronous requests go. */
  syncPort: MessagePort;
}

/**
 * A request to the worker (internal).
 *
 * @example
 * ```ts
 * const req: TtsWorkerRequest = { type: "synth", id: 3, text: "Hi.", options, flushSamples: 4410, sync: false };
 * ```
 */
export type TtsWorkerRequest =
  | { type: "load"; id: number; sync: boolean }
  | {
      type: "synth";
      id: number;
      text: string;
      options: ResolvedEspeakOptions | ResolvedKokoroOptions;
      /** Send a chunk once this many samples are ready (`Infinity`: one chunk at the end). */
      flushSamples: number;
      sync: boolean;
    }
  | { type: "cancel"; id: number }
  | { type: "close" };

/**
 * A serialized error: name (so TypeError / RangeError survive the thread boundary) and message.
 *
 * @example
 * ```ts
 * const e: TtsWorkerError = { name: "RangeError", message: "Unknown voice" };
 * ```
 */
export interface TtsWorkerError {
  name: string;
  message: string;
  cause?: string;
}

/**
 * A reply from the worker (internal). `chunk` samples are transferred.
 *
 * @example
 * ```ts
 * worker.on("message", (m: TtsWorkerReply) => { if (m.type === "chunk") use(m.samples); });
 * ```
 */
export type TtsWorkerReply =
  | { type: "loaded"; id: number; sampleRate: number }
  | { type: "chunk"; id: number; samples: Float32Array }
  | { type: "end"; id: number }
  | { type: "error"; id: number; error: TtsWorkerError }
  | {
      type: "log";
      level: "debug" | "info" | "warn" | "error";
      message: string;
      fields?: Record<string, unknown>;
    };
