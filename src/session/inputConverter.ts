import { audioToFloat32, downmixToMono, floatToInt16Rounded } from "../audio/convert.js";
import { Reframer } from "../audio/framer.js";
import { StreamingResampler } from "../audio/resample.js";
import type { AudioChunk, AudioLayout } from "../audio/types.js";

/**
 * Turns inbound audio of any rate and layout into the frames a handler's `receive()` gets:
 * int16 at `targetRate` in `targetLayout`, every frame as long (per channel) as the first inbound
 * chunk — FastRTC's framing (spec §4.9): 960 samples every 20 ms at 48 kHz, every 60 ms at 16 kHz.
 * @internal
 */
export class InputConverter {
  readonly #targetRate: number;
  readonly #channels: 1 | 2;
  #frameSize = 0;
  #reframer: Reframer<Int16Array> | null = null;
  #resamplers: StreamingResampler[] = [];
  #sourceRate = 0;

  constructor(targetRate: number, targetLayout: AudioLayout) {
    this.#targetRate = targetRate;
    this.#channels = targetLayout === "stereo" ? 2 : 1;
  }

  /** Converts one validated chunk; returns the complete frames it made (possibly none). */
  push(chunk: AudioChunk): Int16Array[] {
    const [rate, samples, layout = "mono"] = chunk;
    const inChannels = layout === "stereo" ? 2 : 1;
    const perChannel = samples.length / inChannels;
    if (!this.#reframer) {
      if (perChannel === 0) return [];
      this.#frameSize = perChannel;
      this.#reframer = new Reframer<Int16Array>(perChannel * this.#channels, "int16");
    }
    const channelData = this.#split(samples, inChannels);
    let out: Int16Array;
    if (
      rate === this.#targetRate &&
      samples instanceof Int16Array &&
      this.#channels === inChannels
    ) {
      out = samples;
    } else {
      if (rate !== this.#sourceRate) {
        this.#sourceRate = rate;
        this.#resamplers = channelData.map(() => new StreamingResampler(rate, this.#targetRate));
      }
      const resampled = channelData.map((c, i) =>
        rate === this.#targetRate
          ? audioToFloat32(c)
          : (this.#resamplers[i] as StreamingResampler).process(audioToFloat32(c)),
      );
      out = floatToInt16Rounded(interleave(resampled));
    }
    return (this.#reframer as Reframer<Int16Array>).push(out);
  }

  /** Samples per channel in each frame (0 before the first chunk). */
  get frameSize(): number {
    return this.#frameSize;
  }

  #split(samples: Int16Array | Float32Array, inChannels: number): Array<Int16Array | Float32Array> {
    if (this.#channels === 1) {
      return [inChannels === 2 ? downmixToMono(samples, 2) : samples];
    }
    if (inChannels === 1) return [samples, samples];
    const n = samples.length / 2;
    const left = samples instanceof Int16Array ? new Int16Array(n) : new Float32Array(n);
    const right = samples instanceof Int16Array ? new Int16Array(n) : new Float32Array(n);
    for (let i = 0; i < n; i++) {
      left[i] = samples[2 * i] as number;
      right[i] = samples[2 * i + 1] as number;
    }
    return [left, right];
  }
}

function interleave(channels: Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0] as Float32Array;
  const [l, r] = channels as [Float32Array, Float32Array];
  const n = Math.min(l.length, r.length);
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    out[2 * i] = l[i] as number;
    out[2 * i + 1] = r[i] as number;
  }
  return out;
}
