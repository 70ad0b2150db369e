import type { AudioChunk } from "../../audio/types.js";
import { macrotask } from "../../utils/macrotask.js";
import type { TurnDetector, TurnDetectorInput } from "../turnDetectorTypes.js";
import { type PitchFrame, type PitchOptions, toPitchRate, trackPitchAt8k } from "./pitch.js";

/**
 * Prosodic cues at the end of a turn's audio, from {@link prosodyFeatures}. `null` fields mean
 * the audio had too little voiced speech near its end to say.
 *
 * @example
 * ```ts
 * const f = prosodyFeatures([16000, samples]);
 * if (f.slopeStPerS !== null && f.slopeStPerS < -10) console.log("falling");
 * ```
 */
export interface ProsodyFeatures {
  /** Where the last speech ends, seconds from the start of the audio (`null`: no speech). */
  speechEndS: number | null;
  /** Voiced frames found in the tail window. */
  voicedFrames: number;
  /** Slope of F0 over the tail window, semitones per second (negative: falling). */
  slopeStPerS: number | null;
  /** F0 at the end of the tail relative to the turn's median F0, semitones. */
  finalRelSt: number | null;
  /** Level of the last 100 ms of speech relative to the turn's median speech level, dB. */
  finalRelDb: number | null;
}

/**
 * Options of {@link prosodyFeatures} and {@link ProsodyTurnDetector}.
 *
 * @example
 * ```ts
 * new ProsodyTurnDetector({ tailMs: 300, pitch: { maxF0: 300 } });
 * ```
 */
export interface ProsodyOptions {
  /** Length of voiced audio read before the end of speech, ms. Default `400`. */
  tailMs?: number;
  /** Voiced frames (20 ms hops) needed in the tail to answer at all. Default `5`. */
  minVoicedFrames?: number;
  /**
   * Only the last `analysisMs` of the audio is analysed (the reference pitch and level come
   * from it too), which bounds the cost on long turns. Default `1500`.
   */
  analysisMs?: number;
  /**
   * Pitch tracker settings. Default `{ minF0: 50, threshold: 0.3, hopS: 0.02 }` (low final
   * pitch and creaky voice still count as voiced).
   */
  pitch?: PitchOptions;
}

const DEFAULT_PITCH: PitchOptions = { minF0: 50, threshold: 0.3, hopS: 0.02 };

/** Default {@link ProsodyOptions.analysisMs}. */
const ANALYSIS_MS = 1500;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const semitones = (f: number, ref: number) => 12 * Math.log2(f / ref);

/**
 * Measures the final-lowering cues of a turn: the F0 slope over the last `tailMs` of speech,
 * the final F0 against the turn's median and the final level against the turn's median level.
 *
 * @example
 * ```ts
 * const { slopeStPerS, finalRelSt, finalRelDb } = prosodyFeatures([16000, samples]);
 * ```
 */
export function prosodyFeatures(audio: AudioChunk, options: ProsodyOptions = {}): ProsodyFeatures {
  const frames = trackPitchAt8k(toPitchRate(analysed(audio, options)), pitchOptions(options));
  return featuresOf(frames, options);
}

/** Analysis hops tracked per event-loop turn by {@link ProsodyTurnDetector} (≈ 0.3 ms). */
const HOPS_PER_TURN = 16;

/**
 * {@link prosodyFeatures} a few pitch hops at a time, yielding to the event loop between them,
 * so the ~2 ms of a 1.5 s analysis never holds other connections' audio up. Same result.
 */
async function prosodyFeaturesSliced(
  audio: AudioChunk,
  options: ProsodyOptions,
  signal?: AbortSignal,
): Promise<ProsodyFeatures> {
  const x = toPitchRate(analysed(audio, options));
  const pitch = pitchOptions(options);
  const frames: PitchFrame[] = [];
  for (let from = 0; ; from += HOPS_PER_TURN) {
    const part = trackPitchAt8k(x, pitch, { from, to: from + HOPS_PER_TURN });
    for (const f of part) frames.push(f);
    if (part.length < HOPS_PER_TURN) break;
    await macrotask();
    signal?.throwIfAborted();
  }
  return featuresOf(frames, options);
}

const pitchOptions = (options: ProsodyOptions): PitchOptions => ({
  ...DEFAULT_PITCH,
  ...options.pitch,
});

/** The last `analysisMs` of `audio` (all of it when shorter). */
function analysed(audio: AudioChunk, options: ProsodyOptions): AudioChunk {
  const [rate, samples, layout] = audio;
  const channels = layout === "stereo" ? 2 : 1;
  const keep = Math.round(((options.analysisMs ?? ANALYSIS_MS) / 1000) * rate) * channels;
  return samples.length <= keep
    ? audio
    : [rate, samples.subarray(samples.length - keep), layout ?? "mono"];
}

/** The cues from the pitch frames of the analysed audio. */
function featuresOf(frames: PitchFrame[], options: ProsodyOptions): ProsodyFeatures {
  const tailS = (options.tailMs ?? 400) / 1000;
  const minVoiced = options.minVoicedFrames ?? 5;
  const none: ProsodyFeatures = {
    speechEndS: null,
    voicedFrames: 0,
    slopeStPerS: null,
    finalRelSt: null,
    finalRelDb: null,
  };
  if (frames.length === 0) return none;
  let maxDb = Number.NEGATIVE_INFINITY;
  for (const f of frames) maxDb = Math.max(maxDb, f.db);
  const speechDb = Math.max(-50, maxDb - 35);
  const speech = frames.filter((f) => f.db >= speechDb);
  const last = speech.at(-1);
  if (last === undefined) return none;
  const endS = last.timeS;
  const voiced = speech.filter((f): f is PitchFrame & { f0: number } => f.f0 !== null);
  const tail = voiced.filter((f) => f.timeS > endS - tailS);
  const result: ProsodyFeatures = { ...none, speechEndS: endS, voicedFrames: tail.length };
  const levels = speech.map((f) => f.db);
  const lastLevels = speech.filter((f) => f.timeS > endS - 0.1).map((f) => f.db);
  result.finalRelDb =
    lastLevels.reduce((a, b) => a + b, 0) / Math.max(1, lastLevels.length) - median(levels);
  if (tail.length < minVoiced) return result;
  const ref = median(voiced.map((f) => f.f0));
  const xs = tail.map((f) => f.timeS);
  const ys = tail.map((f) => semitones(f.f0, ref));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    sxx += ((xs[i] as number) - mx) ** 2;
  }
  result.slopeStPerS = sxx > 0 ? sxy / sxx : 0;
  result.finalRelSt = median(ys.slice(-5));
  return result;
}

/**
 * Maps {@link ProsodyFeatures} to an end-of-turn probability: the lower the final F0 sits under
 * the turn's median (final lowering), the higher; a final F0 at or above the median (level or
 * rising: a continuation, or a yes/no question) gives a mildly low answer. 0.5 when there is
 * too little voiced speech to say.
 *
 * @example
 * ```ts
 * prosodyEndProbability({ speechEndS: 2, voicedFrames: 30, slopeStPerS: -12, finalRelSt: -5, finalRelDb: -6 }); // 0.9
 * ```
 */
export function prosodyEndProbability(f: ProsodyFeatures): number {
  if (f.finalRelSt === null) return 0.5;
  const score = Math.max(-1, Math.min(1, -(f.finalRelSt + 1.5) / 2));
  return Math.max(0.3, 0.5 + 0.4 * score);
}

/**
 * A turn detector that listens to the intonation at the end of the turn (no model, no
 * transcript; about 1–3 ms per call): pitch (F0, YIN) over the last ~400 ms of voiced speech
 * before the candidate point, compared with the turn's median pitch. A clear final fall answers
 * high; a level or rising end (the "more to come" of a comma, or a yes/no question) answers
 * mildly low; too little voiced speech answers 0.5.
 *
 * @example
 * ```ts
 * new ReplyOnPause(fn, { turnDetector: new ProsodyTurnDetector() });
 * const p = await new ProsodyTurnDetector().endOfTurnProbability({ audio: [16000, samples] });
 * ```
 */
export class ProsodyTurnDetector implements TurnDetector {
  readonly #options: ProsodyOptions;
  /** Only the end of the turn is read: its last {@link ProsodyOptions.analysisMs}. */
  readonly audioWindowMs: number;

  constructor(options: ProsodyOptions = {}) {
    this.#options = { ...options };
    this.audioWindowMs = options.analysisMs ?? ANALYSIS_MS;
  }

  /**
   * Probability that the turn is over; rejects with the signal's reason when aborted. The pitch
   * is tracked a few hops per event-loop turn (the answer comes after a few turns).
   */
  async endOfTurnProbability(input: TurnDetectorInput): Promise<number> {
    input.signal?.throwIfAborted();
    const features = await prosodyFeaturesSliced(input.audio, this.#options, input.signal);
    return prosodyEndProbability(features);
  }
}
