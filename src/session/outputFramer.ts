import { audioToFloat32, downmixToMono, floatToInt16Rounded } from "../audio/convert.js";
import { Reframer } from "../audio/framer.js";
import { StreamingResampler } from "../audio/resample.js";
import type { AudioChunk } from "../audio/types.js";

/**
 * Turns emitted audio of any rate, layout and sample type into mono int16 frames of
 * `outputRate / 50` samples (20 ms). Consecutive chunks of one rate are resampled as one
 * continuous signal; a chunk at another rate starts a new resampler after flushing the old one.
 * @internal
 */
export class OutputFramer {
  readonly #outputRate: number;
  readonly #reframer: Reframer<Float32Array>;
  #resampler: StreamingResampler | null = null;
  #rate = 0;
  #pending = false;

  constructor(outputRate: number) {
    this.#outputRate = outputRate;
    this.#reframer = new Reframer<Float32Array>(outputRate / 50, "float32");
  }

  /** Frames made from one validated chunk (possibly none: audio waits for a full frame). */
  push(chunk: AudioChunk): Int16Array[] {
    const [rate, samples, layout = "mono"] = chunk;
    const mono = audioToFloat32(layout === "stereo" ? downmixToMono(samples, 2) : samples);
    const frames: Float32Array[] = [];
    if (rate !== this.#rate) {
      if (this.#resampler) frames.push(...this.#reframer.push(this.#resampler.flush()));
      this.#rate = rate;
      this.#resampler =
        rate === this.#outputRate ? null : new StreamingResampler(rate, this.#outputRate);
    }
    const resampled = this.#resampler ? this.#resampler.process(mono) : mono;
    frames.push(...this.#reframer.push(resampled));
    this.#pending = this.#reframer.buffered > 0 || this.#resampler !== null;
    return frames.map((f) => floatToInt16Rounded(f));
  }

  /**
   * Everything still buffered (resampler tail and a partial frame), zero-padded to whole frames.
   * Called when playback would otherwise run dry, so the end of a reply is never held back.
   */
  flush(): Int16Array[] {
    const frames: Float32Array[] = [];
    if (this.#resampler) {
      frames.push(...this.#reframer.push(this.#resampler.flush()));
      this.#resampler.reset();
    }
    const tail = this.#reframer.flush(true);
    if (tail) frames.push(tail);
    this.#pending = false;
    return frames.map((f) => floatToInt16Rounded(f));
  }

  /** True when audio is buffered below a whole frame (or in the resampler). */
  get hasPending(): boolean {
    return this.#pending;
  }

  /** Drops everything buffered. */
  clear(): void {
    this.#reframer.clear();
    this.#resampler?.reset();
    this.#pending = false;
  }
}
