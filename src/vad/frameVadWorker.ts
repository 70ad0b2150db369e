/**
 * Worker-thread entry of {@link SileroFrameVad}: owns one onnxruntime session (Silero v5 or v6)
 * and every stream's recurrent state and 64-sample context, keyed by stream id. Each message is
 * a batch: the 512-sample frames of many streams, evaluated together so that one `session.run`
 * covers one frame of every stream in the batch.
 *
 * Protocol (internal): `workerData` is {@link FrameVadWorkerData}; each message in is a
 * {@link FrameVadBatchRequest} (frames transferred) or `{ close: true }`; each message out a
 * {@link FrameVadBatchResponse} (probabilities transferred). Batches are handled one at a time,
 * in order.
 */

import { parentPort, workerData } from "node:worker_threads";
import { serveInOrder, workerError } from "../utils/worker.js";
import { FRAME_VAD_SAMPLES } from "./frameVadTypes.js";
import type { SileroVersion } from "./sileroInference.js";
import { SILERO_FRAME_INPUT, SILERO_STATE_SIZE, SileroInference } from "./sileroInference.js";

/** Samples of context in front of each frame. */
const CONTEXT = SILERO_FRAME_INPUT - FRAME_VAD_SAMPLES;
const HALF_STATE = SILERO_STATE_SIZE / 2;

/**
 * What the frame VAD worker is started with (internal).
 *
 * @example
 * ```ts
 * const data: FrameVadWorkerData = { modelPath: defaultSileroModelPath("v6"), version: "v6" };
 * ```
 * @internal
 */
export interface FrameVadWorkerData {
  modelPath: string;
  version: SileroVersion;
}

/**
 * One batch (internal). Entry `i` is `counts[i]` consecutive frames of stream `streams[i]`
 * (each stream at most once per batch); `frames` holds all of them, entry after entry, 512
 * samples each (its buffer is transferred). `free` lists streams to forget once the frames are
 * done. A stream id the worker has not seen starts with zero state and context.
 *
 * @example
 * ```ts
 * const req: FrameVadBatchRequest = { id: 1, streams: [4, 9], counts: [1, 2], frames, free: [] };
 * worker.postMessage(req, [frames.buffer]);
 * ```
 * @internal
 */
export interface FrameVadBatchRequest {
  id: number;
  streams: number[];
  counts: number[];
  frames: Float32Array;
  free: number[];
}

/**
 * The answer to a batch (internal): one probability per frame, in the order of the request's
 * frames, the time spent in the model and the number of `session.run` calls; or an error.
 *
 * @example
 * ```ts
 * worker.on("message", (res: FrameVadBatchResponse) => {
 *   if (res.ok) use(res.probabilities);
 * });
 * ```
 * @internal
 */
export type FrameVadBatchResponse =
  | { id: number; ok: true; probabilities: Float32Array; computeMs: number; runs: number }
  | { id: number; ok: false; error: { name: string; message: string } };

/** One stream's model memory. */
interface StreamState {
  /** `[2][128]`: the stream's slice of the model's `[2, B, 128]` state. */
  state: Float32Array;
  /** The last 64 samples of the previous frame (zeros before the first). */
  context: Float32Array;
}

/**
 * Evaluates one batch against `states` (updated in place on success only).
 *
 * @internal
 */
async function evaluate(
  model: SileroInference,
  states: Map<number, StreamState>,
  req: FrameVadBatchRequest,
): Promise<{ probabilities: Float32Array; runs: number }> {
  const { streams, counts, frames } = req;
  const n = streams.length;
  if (counts.length !== n) throw new Error("frame VAD batch: streams and counts differ in length");
  const offsets: number[] = [];
  let total = 0;
  let steps = 0;
  for (let i = 0; i < n; i++) {
    const c = counts[i]!;
    offsets.push(total);
    total += c;
    if (c > steps) steps = c;
  }
  if (frames.length !== total * FRAME_VAD_SAMPLES) {
    throw new Error(
      `frame VAD batch: ${total} frames need ${total * FRAME_VAD_SAMPLES} samples, got ${frames.length}`,
    );
  }
  const probabilities = new Float32Array(total);
  // The states of this batch, updated step by step and committed only when every step ran.
  const work: StreamState[] = streams.map((id) => {
    const s = states.get(id);
    return s
      ? { state: s.state.slice(), context: s.context.slice() }
      : { state: new Float32Array(SILERO_STATE_SIZE), context: new Float32Array(CONTEXT) };
  });
  // Step k evaluates frame k of every entry that has more than k frames: one session.run each.
  for (let k = 0; k < steps; k++) {
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (counts[i]! > k) rows.push(i);
    const b = rows.length;
    const input = new Float32Array(b * SILERO_FRAME_INPUT);
    const state = new Float32Array(b * SILERO_STATE_SIZE);
    for (let r = 0; r < b; r++) {
      const i = rows[r]!;
      const w = work[i]!;
      const from = (offsets[i]! + k) * FRAME_VAD_SAMPLES;
      input.set(w.context, r * SILERO_FRAME_INPUT);
      input.set(frames.subarray(from, from + FRAME_VAD_SAMPLES), r * SILERO_FRAME_INPUT + CONTEXT);
      state.set(w.state.subarray(0, HALF_STATE), r * HALF_STATE);
      state.set(w.state.subarray(HALF_STATE), (b + r) * HALF_STATE);
    }
    const out = await model.stepBatch(input, state, b);
    for (let r = 0; r < b; r++) {
      const i = rows[r]!;
      const w = work[i]!;
      probabilities[offsets[i]! + k] = out.probabilities[r]!;
      w.state.set(out.state.subarray(r * HALF_STATE, (r + 1) * HALF_STATE), 0);
      w.state.set(out.state.subarray((b + r) * HALF_STATE, (b + r + 1) * HALF_STATE), HALF_STATE);
      const end = (offsets[i]! + k + 1) * FRAME_VAD_SAMPLES;
      w.context.set(frames.subarray(end - CONTEXT, end));
    }
  }
  for (let i = 0; i < n; i++) states.set(streams[i]!, work[i]!);
  return { probabilities, runs: steps };
}

const port = parentPort;
if (port !== null) {
  const data = workerData as FrameVadWorkerData;
  const model = SileroInference.create(data.modelPath, data.version);
  // Avoid an unhandled rejection before the first batch arrives; batches see the error.
  model.catch(() => undefined);
  const states = new Map<number, StreamState>();

  const handle = async (req: FrameVadBatchRequest): Promise<void> => {
    let reply: FrameVadBatchResponse;
    try {
      const m = await model;
      const t0 = performance.now();
      const { probabilities, runs } = await evaluate(m, states, req);
      reply = { id: req.id, ok: true, probabilities, computeMs: performance.now() - t0, runs };
    } catch (err) {
      reply = { id: req.id, ok: false, error: workerError(err) };
    }
    // Frees come after the frames of the same batch (a stream's last frames, then its close).
    for (const id of req.free) states.delete(id);
    if (reply.ok) port.postMessage(reply, [reply.probabilities.buffer as ArrayBuffer]);
    else port.postMessage(reply);
  };

  serveInOrder(port, handle, () => model.then((m) => m.dispose()));
}
