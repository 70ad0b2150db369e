import { audioToFloat32, downmixToMono, floatToInt16Rounded } from "../audio/convert.js";
import { Reframer } from "../audio/framer.js";
import { type ResampleQuality, StreamingResampler } from "../audio/resample.js";
import type { AudioChunk } from "../audio/types.js";

/** One framed 20 ms piece of output and its rate (queued by the session as it is). @internal */
export interface FramedAudio {
  kind: "frame";
  samples: Int16Array;
  rate: number;
}

/**
 * Where the output framer resamples to (see `SessionOptions.output`). @internal
 */
export interface OutputFramerOptions {
  /** Rates framed as they are (no resampling), e.g. the rates an Opus encoder takes. */
  nativeRates?: readonly number[];
  /** Resampler quality for other rates (default `"high"`). */
  quality?: ResampleQuality;
}

/**
 * Turns emitted audio of any rate, layout and sample type into mono int16 frames of 20 ms at
 * `outputRate` (or at the chunk's own rate when that is one of `nativeRates`). Consecutive chunks
 * of one rate are resampled as one continuous signal; a chunk at another rate starts a new
 * resampler after flushing the old one (and, when the framing rate changes, the partial frame,
 * zero-padded).
 * @internal
 */
export class OutputFramer {
  readonly #outputRate: number;
  readonly #native: readonly number[];
  readonly #quality: ResampleQuality;
  #reframer: Reframer<Int16Array>;
  /** Rate of the frames the reframer cuts. */
  #frameRate: number;
  #resampler: StreamingResampler | null = null;
  #rate = 0;
  #pending = false;

  constructor(outputRate: number, options: OutputFramerOptions = {}) {
    this.#outputRate = outputRate;
    this.#native = options.nativeRates ?? [];
    this.#quality = options.quality ?? "high";
    this.#frameRate = outputRate;
    this.#reframer = new Reframer<Int16Array>(outputRate / 50, "int16");
  }

  /** Frames made from one validated chunk (possibly none: audio waits for a full frame). */
  push(chunk: AudioChunk): FramedAudio[] {
    const [rate, samples, layout = "mono"] = chunk;
    const mono = audioToFloat32(layout === "stereo" ? downmixToMono(samples, 2) : samples);
    const frames: FramedAudio[] = [];
    if (rate !== this.#rate) {
      if (this.#resampler) this.#frame(this.#resampler.flush(), frames);
      this.#rate = rate;
      const frameRate = rate % 50 === 0 && this.#native.includes(rate) ? rate : this.#outputRate;
      if (frameRate !== this.#frameRate) {
        const tail = this.#reframer.flush(true);
        if (tail) frames.push({ kind: "frame", samples: tail, rate: this.#frameRate });
        this.#frameRate = frameRate;
        this.#reframer = new Reframer<Int16Array>(frameRate / 50, "int16");
      }
      this.#resampler =
        rate === frameRate
          ? null
          : new StreamingResampler(rate, frameRate, { quality: this.#quality });
    }
    this.#frame(this.#resampler ? this.#resampler.process(mono) : mono, frames);
    this.#pending = this.#reframer.buffered > 0 || this.#resampler !== null;
    return frames;
  }

  /**
   * Everything still buffered (resampler tail and a partial frame), zero-padded to whole frames.
   * Called when playback would otherwise run dry, so the end of a reply is never held back.
   */
  flush(): FramedAudio[] {
    const frames: FramedAudio[] = [];
    if (this.#resampler) {
      this.#frame(this.#resampler.flush(), frames);
      this.#resampler.reset();
    }
    const tail = this.#reframer.flush(true);
    if (tail) frames.push({ kind: "frame", samples: tail, rate: this.#frameRate });
    this.#pending = false;
    return frames;
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

  #frame(audio: Float32Array, out: FramedAudio[]): void {
    const rate = this.#frameRate;
    // One conversion per chunk; its whole frames are views of it (one buffer per chunk, not
    // per frame: fewer objects live in the queue for the length of a reply).
    for (const f of this.#reframer.pushViews(floatToInt16Rounded(audio))) {
      out.push({ kind: "frame", samples: f, rate });
    }
  }
}
