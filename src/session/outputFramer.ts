import { downmixToMono, floatToInt16Rounded } from "../audio/convert.js";
import { Reframer } from "../audio/framer.js";
import { describeType } from "../audio/pcm.js";
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
    const stereo = layout === "stereo";
    const mono = stereo ? downmixToMono(samples, 2) : samples;
    if (!(mono instanceof Int16Array) && !(mono instanceof Float32Array)) {
      throw new TypeError(`Unsupported audio data type: ${describeType(mono)}`);
    }
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
    const rateOut = this.#frameRate;
    if (this.#resampler) {
      // Int16 or float in, int16 out: no float copy of the chunk, no float output array.
      this.#framePcm(this.#resampler.processInt16(mono), frames);
    } else if (mono instanceof Float32Array) {
      this.#frame(mono, frames);
    } else {
      // The caller's own samples at the frame rate: copied into frames (it may reuse its array);
      // a stereo downmix is ours already.
      const own = stereo ? this.#reframer.pushViews(mono) : this.#reframer.push(mono);
      for (const f of own) frames.push({ kind: "frame", samples: f, rate: rateOut });
    }
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
    this.#framePcm(floatToInt16Rounded(audio), out);
  }

  /**
   * Frames int16 audio of this framer's own: one conversion per chunk, and its whole frames are
   * views of it (one buffer per chunk, not per frame: fewer objects live in the queue for the
   * length of a reply).
   */
  #framePcm(pcm: Int16Array, out: FramedAudio[]): void {
    const rate = this.#frameRate;
    for (const f of this.#reframer.pushViews(pcm)) out.push({ kind: "frame", samples: f, rate });
  }
}
