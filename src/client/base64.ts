/**
 * Standard base64 (RFC 4648 §4, with `=` padding) for bytes, on the platform's `btoa`/`atob`
 * (browsers, and Node ≥ 16 as globals), so it runs unchanged in both without `Buffer`.
 *
 * @module
 */

/** Bytes per `String.fromCharCode` call, well under engines' argument limits. */
const SLICE = 0x8000;

/**
 * Encodes bytes as base64 with padding.
 *
 * @example
 * ```ts
 * base64Encode(new Uint8Array([0xff, 0x00])); // "/wA="
 * ```
 */
export function base64Encode(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += SLICE) {
    binary += String.fromCharCode(...bytes.subarray(i, i + SLICE));
  }
  return btoa(binary);
}

/**
 * Decodes base64 (standard alphabet) with the "forgiving" rules of `atob`: padding is optional,
 * ASCII whitespace is ignored.
 *
 * @throws TypeError for a character outside the alphabet, misplaced padding, or a length that
 *   leaves a single dangling character.
 * @example
 * ```ts
 * base64Decode("/wA="); // Uint8Array [0xff, 0x00]
 * ```
 */
export function base64Decode(text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    // a DOMException ("InvalidCharacterError") in browsers and Node alike
    throw new TypeError("Invalid base64 text");
  }
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
