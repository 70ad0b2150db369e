/**
 * G.711 companding (ITU-T Rec. G.711): µ-law (North America, Japan; Twilio media streams) and
 * A-law (Europe), between 16-bit linear PCM and 8-bit codes.
 *
 * Code layout (before the final bit inversion): sign bit, 3-bit segment (exponent), 4-bit step
 * (mantissa). µ-law codes are transmitted with all bits inverted; A-law codes with the even bits
 * inverted (XOR 0x55). Decoding returns the middle of each quantisation interval.
 *
 * Inputs are reduced to the standard's 14-bit (µ-law) / 13-bit (A-law) two's complement
 * samples by an arithmetic right shift, so the codes are byte-identical to those of the
 * widespread reference encoders (e.g. what Python's `audioop.lin2ulaw` produces).
 */

const MULAW_BIAS = 0x84; // 132
const MULAW_CLIP = 32635;

function assertInt16(x: unknown, fn: string): asserts x is Int16Array {
  if (!(x instanceof Int16Array)) throw new TypeError(`${fn} expects an Int16Array`);
}

function assertUint8(x: unknown, fn: string): asserts x is Uint8Array {
  if (!(x instanceof Uint8Array)) throw new TypeError(`${fn} expects a Uint8Array`);
}

/** Encodes one 16-bit sample to a µ-law code. */
function muLawEncodeSample(sample: number): number {
  let sign = 0;
  let mag = sample;
  if (mag < 0) {
    // The standard's input is 14-bit two's complement (sample >> 2): negative values round
    // toward -∞, so their magnitude rounds up to a multiple of 4.
    sign = 0x80;
    mag = (-mag + 3) & ~3;
  }
  if (mag > MULAW_CLIP) mag = MULAW_CLIP;
  mag += MULAW_BIAS; // 132 ..= 32767: the leading one sits at bit 7 + segment
  const segment = 31 - Math.clz32(mag) - 7;
  const step = (mag >> (segment + 3)) & 0x0f;
  return ~(sign | (segment << 4) | step) & 0xff;
}

/** Decodes one µ-law code to a 16-bit sample. */
function muLawDecodeSample(code: number): number {
  const c = ~code & 0xff;
  const segment = (c >> 4) & 0x07;
  const step = c & 0x0f;
  const mag = (((step << 3) + MULAW_BIAS) << segment) - MULAW_BIAS;
  return c & 0x80 ? -mag : mag;
}

/** Encodes one 16-bit sample to an A-law code. */
function aLawEncodeSample(sample: number): number {
  let sign = 0x80; // set for positive values in A-law
  // 12-bit magnitude of the standard's 13-bit two's complement input (sample >> 3); for a
  // negative input v the magnitude is -v - 1 (one's complement), i.e. (|sample| - 1) >> 3.
  let mag: number;
  if (sample < 0) {
    sign = 0;
    mag = (-sample - 1) >> 3;
  } else {
    mag = sample >> 3;
  }
  let code: number;
  if (mag < 32) {
    code = mag >> 1; // segment 0: linear, steps of 2
  } else {
    const segment = 31 - Math.clz32(mag) - 4; // 1 ..= 7
    code = (segment << 4) | ((mag >> segment) & 0x0f);
  }
  return (sign | code) ^ 0x55;
}

/** Decodes one A-law code to a 16-bit sample. */
function aLawDecodeSample(code: number): number {
  const c = (code ^ 0x55) & 0xff;
  const segment = (c >> 4) & 0x07;
  const step = c & 0x0f;
  const mag = segment === 0 ? (step << 4) + 8 : ((step << 4) + 0x108) << (segment - 1);
  return c & 0x80 ? mag : -mag;
}

const MULAW_TABLE = new Int16Array(256);
const ALAW_TABLE = new Int16Array(256);
for (let i = 0; i < 256; i++) {
  MULAW_TABLE[i] = muLawDecodeSample(i);
  ALAW_TABLE[i] = aLawDecodeSample(i);
}

/**
 * Encodes 16-bit linear PCM to G.711 µ-law (one byte per sample). Magnitudes above 32635 are
 * clipped; 0 encodes to 0xFF.
 *
 * @throws TypeError if `pcm` is not an Int16Array.
 * @example
 * ```ts
 * muLawEncode(new Int16Array([0, 1000, -1000])); // Uint8Array [0xff, 0xce, 0x4e]
 * ```
 */
export function muLawEncode(pcm: Int16Array): Uint8Array {
  assertInt16(pcm, "muLawEncode");
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = muLawEncodeSample(pcm[i]!);
  return out;
}

/**
 * Decodes G.711 µ-law bytes to 16-bit linear PCM (range ±32124; 0xFF and 0x7F decode to 0).
 *
 * @throws TypeError if `codes` is not a Uint8Array (a Node `Buffer` is fine).
 * @example
 * ```ts
 * muLawDecode(new Uint8Array([0xff, 0x00, 0x80])); // Int16Array [0, -32124, 32124]
 * ```
 */
export function muLawDecode(codes: Uint8Array): Int16Array {
  assertUint8(codes, "muLawDecode");
  const out = new Int16Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = MULAW_TABLE[codes[i]!]!;
  return out;
}

/**
 * Encodes 16-bit linear PCM to G.711 A-law (one byte per sample); 0 encodes to 0xD5.
 *
 * @throws TypeError if `pcm` is not an Int16Array.
 * @example
 * ```ts
 * aLawEncode(new Int16Array([0, 1000, -1000])); // Uint8Array [0xd5, 0xfa, 0x7a]
 * ```
 */
export function aLawEncode(pcm: Int16Array): Uint8Array {
  assertInt16(pcm, "aLawEncode");
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = aLawEncodeSample(pcm[i]!);
  return out;
}

/**
 * Decodes G.711 A-law bytes to 16-bit linear PCM (range ±32256).
 *
 * @throws TypeError if `codes` is not a Uint8Array.
 * @example
 * ```ts
 * aLawDecode(new Uint8Array([0xd5, 0x55, 0xaa])); // Int16Array [8, -8, 32256]
 * ```
 */
export function aLawDecode(codes: Uint8Array): Int16Array {
  assertUint8(codes, "aLawDecode");
  const out = new Int16Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = ALAW_TABLE[codes[i]!]!;
  return out;
}
