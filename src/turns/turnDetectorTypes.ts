import type { AudioChunk } from "../audio/types.js";

/**
 * What a {@link TurnDetector} is asked about: the turn so far, at a candidate end point.
 *
 * @example
 * ```ts
 * const input: TurnDetectorInput = { audio: [16000, pcm], transcript: "so I was thinking" };
 * ```
 */
export interface TurnDetectorInput {
  /**
   * The turn's audio from its onset to the candidate point, mono (only its last
   * {@link TurnDetector.audioWindowMs} when the detector says it reads no more).
   */
  audio: AudioChunk;
  /** A transcript of `audio` when the caller already has one. */
  transcript?: string;
  /** Aborted when the answer is no longer needed (the person went on speaking). */
  signal?: AbortSignal;
}

/**
 * Says how likely it is that a person has finished their turn, at a point where they fell silent.
 * The end-of-turn policy asks it at each candidate and waits a short time when the answer is
 * high, a long time when it is low.
 *
 * @example
 * ```ts
 * const neverSure: TurnDetector = { async endOfTurnProbability() { return 0.5; } };
 * new ReplyOnPause(fn, { turnDetector: neverSure });
 * ```
 */
export interface TurnDetector {
  /** Probability in [0, 1] that the turn is over. */
  endOfTurnProbability(input: TurnDetectorInput): Promise<number>;
  /**
   * How much of the end of the turn the detector reads, ms; callers may pass only that much
   * audio (a long turn is not copied at every pause). Default: the whole turn.
   */
  readonly audioWindowMs?: number;
  /** Loads what the detector needs so the first answer is fast. Optional. */
  warmup?(): Promise<void>;
}
