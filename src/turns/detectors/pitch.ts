/**
 * A small pitch (F0) and energy tracker for the prosody turn detector: YIN on 8 kHz audio
 * (de Cheveigné & Kawahara's difference function, cumulative mean normalisation, absolute
 * threshold, parabolic interpolation), written for this project. No model, no dependency.
 */
import type { AudioChunk } from "../../audio/types.js";

/**
 * One analysis frame of {@link trackPitch}.
 *
 * @example
 * ```ts
 * const { timeS, f0, db }: PitchFrame = trackPitch([16000, samples])[0];
 * ```
 */
export interface PitchFrame {
  /** Centre of the frame, in seconds from the start of the audio. */
  timeS: number;
  /** Fundamental frequency in Hz, or `null` when the frame is not voiced. */
  f0: number | null;
  /** RMS level of the frame in dBFS (full scale = 0 dB). */
  db: number;
}

/**
 * Options of {@link trackPitch}.
 *
 * @example
 * ```ts
 * const opts: PitchOptions = { minF0: 50, threshold: 0.3, hopS: 0.02 };
 * ```
 */
export interface PitchOptions {
  /** Lowest F0 searched, Hz. Default `70`. */
  minF0?: number;
  /** Highest F0 searched, Hz. Default `400`. */
  maxF0?: number;
  /** Hop between frames, seconds. Default `0.01`. */
  hopS?: number;
  /** Analysis window, seconds. Default `0.04`. */
  windowS?: number;
  /** YIN threshold on the normalised difference: lower is stricter. Default `0.2`. */
  threshold?: number;
  /** Frames quieter than this (dBFS) are not voiced. Default `-50`. */
  minDb?: number;
}

/**
 * The rate the tracker works at (speech F0 is far below 4 kHz).
 *
 * @example
 * ```ts
 * const seconds = toPitchRate(chunk).length / PITCH_RATE;
 * ```
 */
export const PITCH_RATE = 8000;

/**
 * Converts a mono chunk to float samples at {@link PITCH_RATE} Hz (scaled to [-1, 1]): an
 * averaging low-pass and linear interpolation, enough for F0 and level tracking.
 *
 * @example
 * ```ts
 * const x = toPitchRate([16000, int16Samples]); // Float32Array at 8 kHz
 * ```
 */
export function toPitchRate(audio: AudioChunk): Float32Array {
  const [rate, samples, layout] = audio;
  const scale = samples instanceof Int16Array ? 1 / 32768 : 1;
  const channels = layout === "stereo" ? 2 : 1;
  const frames = Math.floor(samples.length / channels);
  let mono: ArrayLike<number>;
  /** Factor applied when reading `mono` (int16 mono is read in place, scaled: exact). */
  let monoScale = 1;
  if (channels === 1 && rate !== PITCH_RATE) {
    mono = samples;
    monoScale = scale;
  } else {
    const m = new Float32Array(frames);
    for (let i = 0; i < frames; i++) {
      let s = 0;
      for (let c = 0; c < channels; c++) s += samples[i * channels + c] ?? 0;
      m[i] = (s / channels) * scale;
    }
    if (rate === PITCH_RATE) return m;
    mono = m;
  }
  const step = rate / PITCH_RATE;
  const n = Math.floor(frames / step);
  const out = new Float32Array(n);
  // Box low-pass of about one output period, then sample: enough below 1 kHz.
  const half = Math.max(0, Math.floor(step / 2));
  for (let j = 0; j < n; j++) {
    const centre = j * step;
    const i0 = Math.floor(centre);
    let s = 0;
    let k = 0;
    for (let i = i0 - half; i <= i0 + half; i++) {
      if (i < 0 || i >= frames) continue;
      s += (mono[i] ?? 0) * monoScale;
      k++;
    }
    out[j] = k > 0 ? s / k : 0;
  }
  return out;
}

/**
 * Tracks F0 and level over `audio` (any rate, int16 or float32, mono or stereo) with YIN.
 * About 2 ms of CPU per second of audio.
 *
 * @example
 * ```ts
 * const frames = trackPitch([16000, samples]);
 * const voiced = frames.filter((f) => f.f0 !== null);
 * ```
 */
export function trackPitch(audio: AudioChunk, options: PitchOptions = {}): PitchFrame[] {
  return trackPitchAt8k(toPitchRate(audio), options);
}

/**
 * A range of analysis hops, `[from, to)`, so long audio can be tracked a part at a time (the
 * frames of consecutive ranges join up to those of the whole). @internal
 */
export interface PitchHops {
  from: number;
  to: number;
}

/**
 * {@link trackPitch} on samples already at {@link PITCH_RATE} Hz in [-1, 1]; with `hops`, only
 * the frames of those analysis hops.
 *
 * @example
 * ```ts
 * const frames = trackPitchAt8k(toPitchRate(chunk), { maxF0: 300 });
 * ```
 */
export function trackPitchAt8k(
  x: Float32Array,
  options: PitchOptions = {},
  hops?: PitchHops,
): PitchFrame[] {
  const minF0 = options.minF0 ?? 70;
  const maxF0 = options.maxF0 ?? 400;
  const hop = Math.max(1, Math.round((options.hopS ?? 0.01) * PITCH_RATE));
  const win = Math.max(8, Math.round((options.windowS ?? 0.04) * PITCH_RATE));
  const threshold = options.threshold ?? 0.2;
  const minDb = options.minDb ?? -50;
  const minLag = Math.max(2, Math.floor(PITCH_RATE / maxF0));
  const maxLag = Math.ceil(PITCH_RATE / minF0);
  const span = win + maxLag;
  const d = new Float64Array(maxLag + 2);
  const out: PitchFrame[] = [];
  const lastStart = hops ? Math.min(x.length - span, (hops.to - 1) * hop) : x.length - span;
  for (let start = hops ? Math.max(0, hops.from) * hop : 0; start <= lastStart; start += hop) {
    let energy = 0;
    for (let i = 0; i < win; i++) {
      const v = x[start + i] ?? 0;
      energy += v * v;
    }
    const db = 10 * Math.log10(energy / win + 1e-12);
    const timeS = (start + win / 2) / PITCH_RATE;
    if (db < minDb) {
      out.push({ timeS, f0: null, db });
      continue;
    }
    // Difference function and its cumulative mean normalisation (YIN steps 2–3), one lag at a
    // time and only as far as the search needs: the first dip below the threshold, the bottom
    // of that dip and one lag past it for the interpolation (voiced frames stop about halfway).
    // `top`: the last lag whose shifted window lies inside `x` (maxLag + 1 except on the last
    // hop of the audio).
    const top = Math.min(maxLag + 1, x.length - start - win);
    let acc = 0;
    let lag = -1;
    let dipping = false;
    for (let t = 1; t <= top; t++) {
      const s = squaredDifference(x, start, win, t);
      acc += s;
      const dt = acc > 0 ? (s * t) / acc : 1;
      d[t] = dt;
      if (dipping) {
        if (t <= maxLag && dt < d[t - 1]!) continue;
        lag = t - 1;
        break;
      }
      if (t >= minLag && t <= maxLag && dt < threshold) dipping = true;
    }
    if (dipping && lag < 0) lag = top; // the audio ended inside the dip
    if (lag < 0) {
      out.push({ timeS, f0: null, db });
      continue;
    }
    const a = d[lag - 1]!;
    const b = d[lag]!;
    const c = lag + 1 <= top ? d[lag + 1]! : 1;
    const denom = a - 2 * b + c;
    const shift = denom !== 0 ? (0.5 * (a - c)) / denom : 0;
    const refined = lag + Math.max(-1, Math.min(1, shift));
    out.push({ timeS, f0: PITCH_RATE / refined, db });
  }
  return out;
}

/** `Σ (x[i] − x[i + t])²` over the window of `win` samples at `start` (YIN step 2). */
function squaredDifference(x: Float32Array, start: number, win: number, t: number): number {
  let s = 0;
  const end = start + win;
  for (let i = start; i < end; i++) {
    const diff = x[i]! - x[i + t]!;
    s += diff * diff;
  }
  return s;
}
