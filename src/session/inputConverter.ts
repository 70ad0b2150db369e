import {
  audioToFloat32,
  deinterleave,
  downmixToMono,
  floatToInt16Rounded,
  interleave,
} from "../audio/convert.js";
import { Reframer } from "../audio/framer.js";
import { type ResampleQuality, StreamingResampler } from "../audio/resample.js";
import { noteSourceAudio } from "../audio/sourceAudio.js";
import type { AudioChunk, AudioLayout } from "../audio/types.js";

/**
 * How long the frames of an {@link InputConverter} are: `"samples"`, as many samples (per
 * channel) as the first inbound chunk; `"duration"`, as long in time as the first chunk.
 * @internal
 */
export type InputFraming = "samples" | "duration";

/**
 * Turns inbound audio of any rate and layout into the frames a handler's `receive()` gets:
 * int16 at `targetRate` in `targetLayout`, every frame as long (per channel) as the first inbound
 * chunk — FastRTC's WebRTC framing (spec §4.9): 960 samples every 20 ms at 48 kHz, every 60 ms at
 * 16 kHz. With `framing: "duration"` a frame lasts as long as the first chunk instead (its length
 * at the target rate): FastRTC's phone path, where each 20 ms µ-law message reaches `receive()`
 * resampled as a whole (160 samples at 8 kHz → 960 at 48 kHz).
 *
 * When it resamples mono audio of one wire rate, each frame it returns carries a note of the
 * wire samples it was made from (`noteSourceAudio`), so the frame VAD can go from the wire rate
 * to 16 kHz in one step.
 * @internal
 */
export class InputConverter {
  readonly #targetRate: number;
  readonly #channels: 1 | 2;
  #frameSize = 0;
  #reframer: Reframer<Int16Array> | null = null;
  #resamplers: StreamingResampler[] = [];
  #sourceRate = 0;
  /** Wire samples not yet attached to a frame (mono, float), while notes are kept. */
  #src = new Float32Array(0);
  #srcLen = 0;
  /** Absolute index (since the first chunk) of `#src[0]`. */
  #srcBase = 0;
  /** Handler samples (per channel) returned so far. */
  #outCount = 0;
  /** Whether frames get source notes: mono, resampled, and only ever one wire rate. */
  #notes: boolean | null = null;

  readonly #quality: ResampleQuality;
  readonly #framing: InputFraming;

  /**
   * `quality`: of the resampling to the handler's rate (default `"high"`); `framing`: how long a
   * frame is (default `"samples"`, see the class).
   */
  constructor(
    targetRate: number,
    targetLayout: AudioLayout,
    quality: ResampleQuality = "high",
    framing: InputFraming = "samples",
  ) {
    this.#targetRate = targetRate;
    this.#channels = targetLayout === "stereo" ? 2 : 1;
    this.#quality = quality;
    this.#framing = framing;
  }

  /** Converts one validated chunk; returns the complete frames it made (possibly none). */
  push(chunk: AudioChunk): Int16Array[] {
    const [rate, samples, layout = "mono"] = chunk;
    const inChannels = layout === "stereo" ? 2 : 1;
    const perChannel = samples.length / inChannels;
    if (!this.#reframer) {
      if (perChannel === 0) return [];
      this.#frameSize =
        this.#framing === "duration"
          ? Math.max(1, Math.round((perChannel * this.#targetRate) / rate))
          : perChannel;
      this.#reframer = new Reframer<Int16Array>(this.#frameSize * this.#channels, "int16");
    }
    const channelData = this.#split(samples, inChannels);
    let out: Int16Array;
    /** Whether `out` is a new array of this converter's own (not the caller's samples). */
    let own = true;
    const first = channelData[0];
    if (
      rate === this.#targetRate &&
      samples instanceof Int16Array &&
      this.#channels === inChannels
    ) {
      out = samples;
      own = false;
    } else if (rate === this.#targetRate && this.#channels === 1 && first instanceof Int16Array) {
      // Stereo int16 at the handler's rate (WebRTC's 48 kHz): the int16 downmix is the frame;
      // converting it to float and back would give the same samples.
      out = first;
    } else {
      if (rate !== this.#sourceRate) {
        // Notes only while the wire rate never changes (else the alignment would restart).
        this.#notes = this.#notes === null && this.#channels === 1 && rate !== this.#targetRate;
        this.#sourceRate = rate;
        this.#resamplers = channelData.map(
          () => new StreamingResampler(rate, this.#targetRate, { quality: this.#quality }),
        );
        if (this.#notes) {
          // The frames lag the wire by the resampler's delay: so do the notes (leading zeros),
          // so a consumer of the notes sees the audio on the handler's timeline.
          const delay = (this.#resamplers[0] as StreamingResampler).delaySamples;
          this.#keepSource(new Float32Array(Math.round((delay * rate) / this.#targetRate)));
        }
      }
      if (channelData.length === 1) {
        // Mono, the phone path: no per-channel arrays.
        const float = audioToFloat32(first as Int16Array | Float32Array);
        if (this.#notes) this.#keepSource(float);
        const resampler = this.#resamplers[0] as StreamingResampler;
        out =
          rate === this.#targetRate ? floatToInt16Rounded(float) : resampler.processInt16(float);
      } else {
        const floats = channelData.map((c) => audioToFloat32(c));
        const resampled = floats.map((c, i) =>
          rate === this.#targetRate ? c : (this.#resamplers[i] as StreamingResampler).process(c),
        );
        out = floatToInt16Rounded(interleave(resampled));
      }
    }
    if (this.#notes === null) this.#notes = false;
    const reframer = this.#reframer as Reframer<Int16Array>;
    // A whole frame of our own with nothing buffered is the frame itself (no copy).
    const frames =
      own && reframer.buffered === 0 && out.length === this.#frameSize * this.#channels
        ? [out]
        : reframer.push(out);
    if (this.#notes) for (const f of frames) this.#note(f);
    return frames;
  }

  #keepSource(mono: Float32Array): void {
    const need = this.#srcLen + mono.length;
    if (need > this.#src.length) {
      const next = new Float32Array(Math.max(need, 2 * this.#src.length, 1024));
      next.set(this.#src.subarray(0, this.#srcLen));
      this.#src = next;
    }
    this.#src.set(mono, this.#srcLen);
    this.#srcLen = need;
  }

  /**
   * Notes the wire samples frame `f` was made from: with the wire preceded by the resampler's
   * delay in zeros, handler sample `n` is wire sample `n · wireRate / targetRate`, so the frame
   * ending at `E` takes the wire samples up to `floor(E · wireRate / targetRate)` not given to an
   * earlier frame.
   */
  #note(f: Int16Array): void {
    this.#outCount += this.#frameSize;
    const end = Math.floor((this.#outCount * this.#sourceRate) / this.#targetRate);
    const take = Math.max(0, Math.min(end - this.#srcBase, this.#srcLen));
    noteSourceAudio(f, this.#sourceRate, this.#src.slice(0, take));
    this.#src.copyWithin(0, take, this.#srcLen);
    this.#srcLen -= take;
    this.#srcBase += take;
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
