/**
 * Re-chunking of raw byte streams (e.g. from a TTS HTTP response) into 16-bit PCM samples.
 */
import { describeType } from "./convert.js";

/** Decodes little-endian int16 from `carry` (−1 = none) followed by `bytes`. */
class Int16Decoder {
  #carry = -1;

  push(bytes: Uint8Array): Int16Array | null {
    if (!(bytes instanceof Uint8Array)) {
      throw new TypeError(`expected a Uint8Array chunk, got ${describeType(bytes)}`);
    }
    const total = bytes.length + (this.#carry >= 0 ? 1 : 0);
    const n = total >> 1;
    let i = 0;
    let out: Int16Array | null = null;
    if (n > 0) {
      out = new Int16Array(n);
      let k = 0;
      if (this.#carry >= 0) {
        out[k++] = (((bytes[0]! << 8) | this.#carry) << 16) >> 16;
        i = 1;
      }
      for (; k < n; k++, i += 2) out[k] = (((bytes[i + 1]! << 8) | bytes[i]!) << 16) >> 16;
      this.#carry = -1;
    }
    if (i < bytes.length) this.#carry = bytes[i]!; // the dangling odd byte
    return out;
  }
}

/**
 * Re-chunks a stream of raw little-endian 16-bit PCM bytes into `Int16Array`s, one per input
 * chunk that completes at least one sample. A dangling odd byte at the end of a chunk is carried
 * into the next one; chunks that complete no sample yield nothing (no empty arrays), and a final
 * unpaired byte is dropped.
 *
 * FastRTC yields numpy arrays of shape `(1, n)`; this yields flat `Int16Array`s of length `n`.
 *
 * @throws TypeError if a chunk is not a Uint8Array (a Node `Buffer` is fine).
 * @example
 * ```ts
 * for (const pcm of aggregateBytesTo16bit([Uint8Array.of(1, 0, 2), Uint8Array.of(0)])) {
 *   console.log(pcm); // Int16Array [1], then Int16Array [2]
 * }
 * ```
 */
export function* aggregateBytesTo16bit(chunks: Iterable<Uint8Array>): Generator<Int16Array> {
  const dec = new Int16Decoder();
  for (const c of chunks) {
    const out = dec.push(c);
    if (out) yield out;
  }
}

/**
 * Async version of {@link aggregateBytesTo16bit}: accepts an async or sync iterable of byte
 * chunks (e.g. a `fetch` response body reader or a Node readable stream).
 *
 * @throws TypeError if a chunk is not a Uint8Array.
 * @example
 * ```ts
 * const res = await fetch(ttsUrl);
 * for await (const pcm of asyncAggregateBytesTo16bit(res.body!)) play([24000, pcm]);
 * ```
 */
export async function* asyncAggregateBytesTo16bit(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Int16Array> {
  const dec = new Int16Decoder();
  for await (const c of chunks) {
    const out = dec.push(c);
    if (out) yield out;
  }
}
