import {
  audioToFloat32,
  deinterleave,
  downmixToMono,
  floatToInt16Rounded,
  interleave,
} from "../audio/convert.js";
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
    if (this.#channels === 1) return [inChannels === 2 ? downmixToMono(samples, 2) : samples];
    return inChannels === 1 ? [samples, samples] : deinterleave(samples, 2);
  }
}
