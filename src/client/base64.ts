/**
 * Standard base64 (RFC 4648 §4, with `=` padding) for bytes, without `Buffer`, `btoa` or
 * `atob`, so it runs unchanged in browsers and Node.
 *
 * @module
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** Character code → 6-bit value, 255 for characters outside the alphabet. */
const LOOKUP = new Uint8Array(128).fill(255);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;
/** Encode in slices so `String.fromCharCode` never gets too many arguments. */
const SLICE = 3 * 4096;

/**
 * Encodes bytes as base64 with padding.
 *
 * @example
 * ```ts
 * base64Encode(new Uint8Array([0xff, 0x00])); // "/wA="
 * ```
 */
export function base64Encode(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (let start = 0; start < bytes.length; start += SLICE) {
    const end = Math.min(bytes.length, start + SLICE);
    const codes: number[] = [];
    let i = start;
    for (; i + 2 < end; i += 3) {
      const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
      codes.push(
        ALPHABET.charCodeAt(n >> 18),
        ALPHABET.charCodeAt((n >> 12) & 63),
        ALPHABET.charCodeAt((n >> 6) & 63),
        ALPHABET.charCodeAt(n & 63),
      );
    }
    const rest = end - i;
    if (rest > 0) {
      const n = (bytes[i]! << 16) | (rest === 2 ? bytes[i + 1]! << 8 : 0);
      codes.push(ALPHABET.charCodeAt(n >> 18), ALPHABET.charCodeAt((n >> 12) & 63));
      codes.push(rest === 2 ? ALPHABET.charCodeAt((n >> 6) & 63) : 61, 61); // 61 = "="
    }
    parts.push(String.fromCharCode(...codes));
  }
  return parts.join("");
}

/**
 * Decodes base64 (standard alphabet). Padding is optional; ASCII whitespace is ignored.
 *
 * @throws TypeError for a character outside the alphabet, misplaced padding, or a length that
 *   leaves a single dangling character.
 * @example
 * ```ts
 * base64Decode("/wA="); // Uint8Array [0xff, 0x00]
 * ```
 */
export function base64Decode(text: string): Uint8Array {
  let s = text;
  if (/\s/.test(s)) s = s.replace(/\s+/g, "");
  let end = s.length;
  if (end > 0 && s.charCodeAt(end - 1) === 61) end--;
  if (end > 0 && s.charCodeAt(end - 1) === 61) end--;
  if (end !== s.length && s.length % 4 !== 0) throw new TypeError("Invalid base64 padding");
  if (end % 4 === 1) throw new TypeError("Invalid base64 length");
  const out = new Uint8Array(Math.floor((end * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? LOOKUP[c]! : 255;
    if (v === 255) throw new TypeError(`Invalid base64 character at ${i}`);
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
