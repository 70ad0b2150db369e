/**
 * Turn detectors for the end-of-turn policy (`ReplyOnPause`'s `turnDetector` option): each
 * answers, at a candidate end of turn, how likely it is that the person has finished. English
 * only for the transcript rules. Figures: docs/benchmarks.md, "B2d turn detectors".
 *
 * @example
 * ```ts
 * import { ProsodyTurnDetector, TranscriptTurnDetector } from "./turns/detectors/index.js";
 * new ReplyOnPause(fn, { turnDetector: new TranscriptTurnDetector() });
 * ```
 */

export type { PitchFrame, PitchOptions } from "./pitch.js";
export { PITCH_RATE, toPitchRate, trackPitch, trackPitchAt8k } from "./pitch.js";
export type { ProsodyFeatures, ProsodyOptions } from "./prosodyDetector.js";
export { ProsodyTurnDetector, prosodyEndProbability, prosodyFeatures } from "./prosodyDetector.js";
export type {
  TranscriptProbabilities,
  TranscriptRule,
  TranscriptTurnDetectorOptions,
} from "./transcriptDetector.js";
export {
  classifyTranscript,
  DEFAULT_TRANSCRIPT_PROBABILITIES,
  TranscriptTurnDetector,
  transcriptEndProbability,
} from "./transcriptDetector.js";
