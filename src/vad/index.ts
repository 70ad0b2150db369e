/**
 * Voice-activity detection: the Silero model (in a worker thread), the speech segmentation it
 * uses, the `PauseDetectionModel` interface for custom models, and the frame VAD (one speech
 * probability per 32 ms frame for many streams, batched in a worker thread).
 */

export type { FrameVadStats, FrameVadVersion, SileroFrameVadOptions } from "./frameVad.js";
export { getFrameVad, SileroFrameVad } from "./frameVad.js";
export type { FrameVad, FrameVadStream } from "./frameVadTypes.js";
export { FRAME_VAD_MS, FRAME_VAD_RATE, FRAME_VAD_SAMPLES } from "./frameVadTypes.js";
export type { SileroProbabilityStats, SileroVadModelOptions } from "./silero.js";
export { getSileroModel, SileroVad } from "./silero.js";
export type { SileroVersion } from "./sileroInference.js";
export { defaultSileroModelPath, MIN_WINDOW_SAMPLES } from "./sileroInference.js";
export {
  resolveSileroOptions,
  segmentSpeech,
  speechDuration,
  VAD_SAMPLE_RATE,
} from "./speechTimestamps.js";
export type { PauseDetectionModel, SileroVadOptions, SpeechChunk, VadResult } from "./types.js";
export { DEFAULT_SILERO_VAD_OPTIONS } from "./types.js";
