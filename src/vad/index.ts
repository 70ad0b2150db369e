/**
 * Voice-activity detection: the Silero model (in a worker thread), the speech segmentation it
 * uses, and the `PauseDetectionModel` interface for custom models.
 */

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
