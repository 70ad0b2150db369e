/**
 * Audio payloads of the FastRTC WebSocket protocol: mono G.711 µ-law, base64, one message per
 * 20 ms. Browser-safe: the µ-law codec, the PCM conversions and the resampler it shares with the
 * server (`src/audio/g711.ts`, `pcm.ts`, `resample.ts`) import nothing from Node.
 *
 * @module
 */

import { muLawDecode, muLawEncode } from "../audio/g711.js";
import { floatToInt16Rounded, int16ToFloat } from "../audio/pcm.js";
import { StreamingResampler } from "../audio/resample.js";
import { base64Decode, base64Encode } from "./base64.js";

/**
 * Messages per second of the WebSocket protocol (one per 20 ms of audio).
 *
 * @example
 * ```ts
 * const samplesPerMessage = 48000 / FRAMES_PER_SECOND; // 960
 * ```
 */
export const FRAMES_PER_SECOND = 50;

/**
 * Decodes a `media.payload` (base64 µ-law) to 16-bit PCM.
 *
 * @throws TypeError if `payload` is not valid base64.
 * @example
 * ```ts
 * decodeMuLawPayload("/w=="); // Int16Array [0]
 * ```
 */
export function decodeMuLawPayload(payload: string): Int16Array {
  return muLawDecode(base64Decode(payload));
}

/**
 * Encodes 16-bit PCM as a `media.payload` (µ-law, base64).
 *
 * @example
 * ```ts
 * encodeMuLawPayload(new Int16Array([0])); // "/w=="
 * ```
 */
export function encodeMuLawPayload(pcm: Int16Array): string {
  return base64Encode(muLawEncode(pcm));
}

/**
 * Turns audio at any rate into the payloads of 20 ms `media` messages at `targetRate`:
 * resampling (streaming, so chunk boundaries leave no trace; the filter's delay is removed, so
 * the output is time-aligned and `ceil(N · targetRate / rate)` samples long), conversion to
 * 16-bit PCM (× 32768, rounded, saturated),
 * framing, µ-law and base64. Frame `k` holds samples `round(k·rate/50) ..< round((k+1)·rate/50)`,
 * so rates not divisible by 50 still average exactly 20 ms per frame.
 *
 * @example
 * ```ts
 * const enc = new MuLawFrameEncoder(48000);
 * for (const payload of enc.push(micChunk, 16000)) socket.send(mediaMessage(payload));
 * for (const payload of enc.flush()) socket.send(mediaMessage(payload)); // the short tail
 * ```
 */
export class MuLawFrameEncoder {
  /** The rate of the encoded audio, in Hz. */
  readonly targetRate: number;
  #resampler: StreamingResampler | null = null;
  /** Leading resampler output still to drop (its filter delay). */
  #skip = 0;
  #pending = new Int16Array(0);
  #pendingLen = 0;
  /** Frames produced since the last flush (positions the frame boundaries). */
  #frames = 0;

  /**
   * @param targetRate the handler's input rate, in Hz (positive integer).
   * @throws RangeError for an invalid rate.
   */
  constructor(targetRate: number) {
    if (!Number.isInteger(targetRate) || targetRate <= 0 || targetRate > 384_000) {
      throw new RangeError(
        `target sample rate must be an integer in 1..=384000, got ${targetRate}`,
      );
    }
    this.targetRate = targetRate;
  }

  /** Samples (at `targetRate`) waiting for a full frame. */
  get pendingSamples(): number {
    return this.#pendingLen;
  }

  /**
   * Adds mono audio and returns the payloads of every complete 20 ms frame.
   *
   * @param samples int16 PCM, or float32 in [-1, 1] (scaled by 32768, rounded, saturated).
   * @param sampleRate their rate in Hz; resampled when it differs from `targetRate`. Changing
   *   it between calls first flushes the previous resampler's tail into the frame buffer.
   * @throws RangeError for an invalid rate.
   */
  push(samples: Int16Array | Float32Array, sampleRate: number): string[] {
    if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 384_000) {
      throw new RangeError(`sample rate must be an integer in 1..=384000, got ${sampleRate}`);
    }
    let rs = this.#resampler;
    if (rs !== null && rs.inputRate !== sampleRate) {
      this.#flushResampler();
      rs = null;
    }
    if (sampleRate === this.targetRate) {
      this.#append(samples instanceof Int16Array ? samples : floatToInt16Rounded(samples));
    } else {
      if (rs === null) {
        rs = new StreamingResampler(sampleRate, this.targetRate);
        this.#resampler = rs;
        this.#skip = rs.delaySamples;
      }
      const f = samples instanceof Float32Array ? samples : int16ToFloat(samples);
      this.#appendResampled(rs.process(f));
    }
    return this.#drain(false);
  }

  /**
   * Returns the payloads of everything still buffered (the resampler's tail included): the
   * complete frames, then one shorter frame for the remainder, if any. The next `push` starts a
   * fresh stream.
   */
  flush(): string[] {
    this.#flushResampler();
    const out = this.#drain(true);
    this.#frames = 0;
    return out;
  }

  /** Drops everything buffered without encoding it. */
  reset(): void {
    this.#resampler = null;
    this.#pendingLen = 0;
    this.#frames = 0;
  }

  /** Appends the resampler's tail and drops it (the next rate gets a fresh one). */
  #flushResampler(): void {
    const rs = this.#resampler;
    if (rs !== null) this.#appendResampled(rs.flush());
    this.#resampler = null;
  }

  /** Appends resampled audio minus the filter delay still owed. */
  #appendResampled(f: Float32Array): void {
    const drop = Math.min(this.#skip, f.length);
    this.#skip -= drop;
    this.#append(floatToInt16Rounded(drop === 0 ? f : f.subarray(drop)));
  }

  #frameLength(k: number): number {
    const r = this.targetRate;
    return Math.round(((k + 1) * r) / FRAMES_PER_SECOND) - Math.round((k * r) / FRAMES_PER_SECOND);
  }

  #drain(all: boolean): string[] {
    const out: string[] = [];
    let at = 0;
    for (;;) {
      const size = this.#frameLength(this.#frames);
      const left = this.#pendingLen - at;
      if (left <= 0) break;
      if (left < size && !all) break;
      const n = Math.min(size, left);
      out.push(encodeMuLawPayload(this.#pending.subarray(at, at + n)));
      at += n;
      this.#frames++;
    }
    this.#pending.copyWithin(0, at, this.#pendingLen);
    this.#pendingLen -= at;
    return out;
  }

  #append(pcm: Int16Array): void {
    const need = this.#pendingLen + pcm.length;
    if (need > this.#pending.length) {
      const grown = new Int16Array(Math.max(need, this.#pending.length * 2, 1024));
      grown.set(this.#pending.subarray(0, this.#pendingLen));
      this.#pending = grown;
    }
    this.#pending.set(pcm, this.#pendingLen);
    this.#pendingLen = need;
  }
}
