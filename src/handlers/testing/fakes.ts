/**
 * Test doubles for handler tests: a deterministic energy "VAD" and signal generators.
 * (Fixture tests use the real Silero model; these make the algorithm's edges exact.)
 */
import type { AudioChunk } from "../../audio/types.js";
import type { PauseDetectionModel, VadResult } from "../../vad/types.js";

/** A sine tone: `seconds` long at `rate`, amplitude `amp` (int16). */
export function tone(seconds: number, rate: number, freq = 440, amp = 8000): Int16Array {
  const n = Math.round(seconds * rate);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * freq * i) / rate));
  return out;
}

/** Silence of `seconds` at `rate`. */
export function silence(seconds: number, rate: number): Int16Array {
  return new Int16Array(Math.round(seconds * rate));
}

/** Concatenates int16 arrays. */
export function cat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A VAD that calls every 10 ms block whose peak exceeds `level` speech. Records each call.
 */
export class EnergyVad implements PauseDetectionModel<{ level?: number }> {
  calls: Array<{ rate: number; length: number; options: unknown }> = [];
  warmups = 0;
  constructor(private readonly level = 500) {}
  async vad(audio: AudioChunk, options?: { level?: number }): Promise<VadResult> {
    const [rate, samples] = audio;
    this.calls.push({ rate, length: samples.length, options });
    const level = options?.level ?? this.level;
    const block = Math.round(rate / 100);
    let speech = 0;
    for (let i = 0; i < samples.length; i += block) {
      let peak = 0;
      const end = Math.min(samples.length, i + block);
      for (let j = i; j < end; j++) peak = Math.max(peak, Math.abs(samples[j] as number));
      if (peak > level) speech += end - i;
    }
    return [speech / rate, []];
  }
  async warmup(): Promise<void> {
    this.warmups++;
  }
}

/** A VAD that always fails. */
export const failingVad: PauseDetectionModel = {
  async vad() {
    throw new Error("model exploded");
  },
  async warmup() {},
};
