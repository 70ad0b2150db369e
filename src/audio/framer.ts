/**
 * Re-framing: turns audio arriving in pieces of any size into frames of a fixed size.
 */
import { describeType } from "./convert.js";

/**
 * Sample type selector of a {@link Reframer}.
 *
 * @example
 * ```ts
 * new Reframer<Float32Array>(512, "float32");
 * ```
 */
export type ReframerKind = "int16" | "float32";

/**
 * Collects samples and hands them out in frames of exactly `frameSize` samples (e.g. 20 ms
 * frames for an outbound track, or the 512-sample windows a VAD wants). Work is linear in the
 * number of samples: input is copied once into each frame, never re-concatenated.
 *
 * Every returned frame is a fresh array owned by the caller; later pushes never modify it.
 * For interleaved stereo use a frame size counted in samples (2 × frames).
 *
 * @example
 * ```ts
 * const framer = Reframer.int16(960);        // or new Reframer<Int16Array>(960, "int16")
 * for (const frame of framer.push(pcm)) send(frame); // each frame has 960 samples
 * const last = framer.flush(true);             // remaining samples padded with zeros, or null
 * ```
 */
export class Reframer<T extends Int16Array | Float32Array> {
  /** Samples per frame. */
  readonly frameSize: number;
  /** Sample type this reframer accepts and produces. */
  readonly kind: ReframerKind;
  #partial: T;
  #fill = 0;

  /**
   * @param frameSize samples per frame (positive integer).
   * @param kind `"int16"` (T = Int16Array) or `"float32"` (T = Float32Array).
   * @throws RangeError for a bad frame size; TypeError for an unknown kind.
   */
  constructor(frameSize: number, kind: ReframerKind) {
    if (!Number.isInteger(frameSize) || frameSize < 1) {
      throw new RangeError(`frameSize must be a positive integer, got ${String(frameSize)}`);
    }
    if (kind !== "int16" && kind !== "float32") {
      throw new TypeError(`kind must be "int16" or "float32", got ${String(kind)}`);
    }
    this.frameSize = frameSize;
    this.kind = kind;
    this.#partial = this.#alloc();
  }

  /** A reframer for Int16Array audio. @example `Reframer.int16(960)` */
  static int16(frameSize: number): Reframer<Int16Array> {
    return new Reframer<Int16Array>(frameSize, "int16");
  }

  /** A reframer for Float32Array audio. @example `Reframer.float32(512)` */
  static float32(frameSize: number): Reframer<Float32Array> {
    return new Reframer<Float32Array>(frameSize, "float32");
  }

  /** Samples waiting for the next frame (always less than `frameSize`). */
  get buffered(): number {
    return this.#fill;
  }

  /**
   * Adds samples and returns every frame completed by them (possibly none), oldest first.
   *
   * @throws TypeError if `samples` is not of this reframer's kind.
   */
  push(samples: T): T[] {
    return this.#push(samples, false);
  }

  /**
   * As {@link push}, but the frames that lie wholly inside `samples` are views of it (no copy):
   * for arrays nobody changes afterwards. A frame that joins buffered samples is still its own.
   *
   * @example
   * ```ts
   * const framer = Reframer.int16(160);
   * const frames = framer.pushViews(reply); // frames share reply's memory
   * ```
   * @throws TypeError if `samples` is not of this reframer's kind.
   */
  pushViews(samples: T): T[] {
    return this.#push(samples, true);
  }

  #push(samples: T, views: boolean): T[] {
    const ok =
      this.kind === "int16" ? samples instanceof Int16Array : samples instanceof Float32Array;
    if (!ok) {
      throw new TypeError(
        `Reframer(${this.kind}) cannot take ${describeType(samples)}; expected ${
          this.kind === "int16" ? "Int16Array" : "Float32Array"
        }`,
      );
    }
    const size = this.frameSize;
    const frames: T[] = [];
    let pos = 0;
    const n = samples.length;
    if (this.#fill > 0) {
      const take = Math.min(size - this.#fill, n);
      this.#partial.set(samples.subarray(0, take), this.#fill);
      this.#fill += take;
      pos = take;
      if (this.#fill < size) return frames;
      frames.push(this.#partial);
      this.#partial = this.#alloc();
      this.#fill = 0;
    }
    while (n - pos >= size) {
      frames.push(
        (views ? samples.subarray(pos, pos + size) : samples.slice(pos, pos + size)) as T,
      );
      pos += size;
    }
    if (pos < n) {
      this.#partial.set(samples.subarray(pos), 0);
      this.#fill = n - pos;
    }
    return frames;
  }

  /**
   * Returns the buffered remainder and empties the reframer, or `null` if nothing is buffered.
   *
   * @param padWithZeros if true (default false) the result is padded with zeros to a full
   *   frame; otherwise it has exactly {@link buffered} samples.
   */
  flush(padWithZeros = false): T | null {
    if (this.#fill === 0) return null;
    const fill = this.#fill;
    const part = this.#partial;
    this.#partial = this.#alloc();
    this.#fill = 0;
    if (padWithZeros) {
      part.fill(0, fill);
      return part;
    }
    return part.slice(0, fill) as T;
  }

  /** Drops any buffered samples. */
  clear(): void {
    this.#fill = 0;
  }

  #alloc(): T {
    return (
      this.kind === "int16" ? new Int16Array(this.frameSize) : new Float32Array(this.frameSize)
    ) as T;
  }
}
