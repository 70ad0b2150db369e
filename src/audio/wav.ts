/**
 * Reading and writing RIFF/WAVE files.
 *
 * Reads PCM 8/16/24/32-bit, IEEE float 32-bit, G.711 µ-law and A-law, in plain or
 * `WAVE_FORMAT_EXTENSIBLE` fmt chunks; skips unknown chunks; tolerates streamed files whose data
 * chunk size is unknown (0xFFFFFFFF) or larger than the file. Writes PCM 16-bit, float 32-bit or
 * µ-law.
 */
import { readFile } from "node:fs/promises";
import { assertAudioChunk, downmixToMono, floatToInt16Rounded } from "./convert.js";
import { aLawDecode, muLawDecode, muLawEncode } from "./g711.js";
import type { AudioChunk, AudioSamples } from "./types.js";

/**
 * Sample encoding of a WAV file's data chunk.
 *
 * @example
 * ```ts
 * if (wav.format === "mulaw") console.log("telephone audio");
 * ```
 */
export type WavFormat = "pcm16" | "float32" | "mulaw" | "alaw" | "pcm8" | "pcm24" | "pcm32";

/**
 * A decoded WAV file.
 *
 * `samples` are interleaved when `channels > 1`. Their type depends on `format`:
 * `pcm16`, `pcm8` (scaled by 256), `mulaw`, `alaw` → `Int16Array`;
 * `float32`, `pcm24`, `pcm32` → `Float32Array` in [-1, 1] (integer formats divided by 2^23 / 2^31).
 *
 * @example
 * ```ts
 * const { sampleRate, channels, samples } = readWav(bytes);
 * const seconds = samples.length / channels / sampleRate;
 * ```
 */
export interface WavData {
  /** Sample rate in Hz. */
  sampleRate: number;
  /** Number of interleaved channels (≥ 1). */
  channels: number;
  /** Encoding of the file's samples. */
  format: WavFormat;
  /** Decoded, interleaved samples (whole frames only). */
  samples: AudioSamples;
  /** Duration: frames / sampleRate. */
  durationSeconds: number;
}

/**
 * Thrown by {@link readWav} (and the functions built on it) for input that is not a WAV file
 * it can decode: not RIFF/WAVE, truncated header, missing `fmt ` or `data` chunk, unsupported
 * format tag or bit depth.
 *
 * @example
 * ```ts
 * try { readWav(bytes); } catch (e) { if (e instanceof WavFormatError) reject(e.message); }
 * ```
 */
export class WavFormatError extends Error {
  override name = "WavFormatError";
}

const KNOWN_TAGS: Record<number, string> = {
  2: "Microsoft ADPCM",
  17: "IMA ADPCM",
  49: "GSM 6.10",
  80: "MPEG",
  85: "MPEG Layer 3",
};

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

interface FmtInfo {
  format: WavFormat;
  channels: number;
  sampleRate: number;
  bytesPerSample: number;
}

function parseFmt(view: DataView, at: number, size: number): FmtInfo {
  if (size < 16) throw new WavFormatError(`fmt chunk too short: ${size} bytes (need 16)`);
  let tag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const bits = view.getUint16(at + 14, true);
  if (tag === 0xfffe) {
    if (size < 40) {
      throw new WavFormatError(
        `WAVE_FORMAT_EXTENSIBLE fmt chunk too short: ${size} bytes (need 40)`,
      );
    }
    tag = view.getUint16(at + 24, true); // first two bytes of the sub-format GUID
  }
  if (channels === 0) throw new WavFormatError("WAV fmt chunk declares 0 channels");
  if (sampleRate === 0) throw new WavFormatError("WAV fmt chunk declares a sample rate of 0");
  const bad = (what: string) =>
    new WavFormatError(`unsupported WAV format: ${what} (format tag 0x${hex(tag)})`);
  let format: WavFormat;
  switch (tag) {
    case 1:
      if (bits === 8) format = "pcm8";
      else if (bits === 16) format = "pcm16";
      else if (bits === 24) format = "pcm24";
      else if (bits === 32) format = "pcm32";
      else throw bad(`${bits}-bit PCM`);
      break;
    case 3:
      if (bits !== 32) throw bad(`${bits}-bit IEEE float`);
      format = "float32";
      break;
    case 6:
      if (bits !== 8) throw bad(`${bits}-bit A-law`);
      format = "alaw";
      break;
    case 7:
      if (bits !== 8) throw bad(`${bits}-bit µ-law`);
      format = "mulaw";
      break;
    default:
      throw bad(KNOWN_TAGS[tag] ?? "unknown encoding");
  }
  return { format, channels, sampleRate, bytesPerSample: bits / 8 };
}

function hex(n: number): string {
  return n.toString(16).padStart(4, "0");
}

/**
 * Decodes a WAV file held in memory.
 *
 * Handles fmt chunks of 16, 18 and 40 bytes (for `WAVE_FORMAT_EXTENSIBLE` the sub-format
 * decides the encoding), skips unknown chunks (`LIST`, `fact`, ...) including the pad byte after
 * odd-sized chunks, and reads to the end of the file when the data chunk's size is 0xFFFFFFFF or
 * runs past the end (streamed or truncated files). A trailing partial frame is dropped.
 *
 * @throws WavFormatError for anything it cannot decode (see {@link WavFormatError}).
 * @throws TypeError if `bytes` is not a Uint8Array (a Node `Buffer` is fine).
 * @example
 * ```ts
 * const wav = readWav(new Uint8Array(await readFile("speech.wav")));
 * console.log(wav.sampleRate, wav.channels, wav.format, wav.durationSeconds);
 * ```
 */
export function readWav(bytes: Uint8Array): WavData {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("readWav expects a Uint8Array");
  if (bytes.length < 12) {
    throw new WavFormatError(`truncated WAV header: ${bytes.length} bytes (need at least 12)`);
  }
  const riff = fourcc(bytes, 0);
  if (riff !== "RIFF") {
    if (riff === "RIFX" || riff === "RF64") {
      throw new WavFormatError(`unsupported WAV container "${riff}" (only RIFF is supported)`);
    }
    throw new WavFormatError("not a WAV file: missing RIFF header");
  }
  if (fourcc(bytes, 8) !== "WAVE")
    throw new WavFormatError("not a WAV file: RIFF type is not WAVE");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: FmtInfo | undefined;
  let dataStart = -1;
  let dataEnd = -1;
  let pos = 12;
  while (pos + 8 <= bytes.length) {
    const id = fourcc(bytes, pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === "fmt ") {
      if (body + size > bytes.length) {
        throw new WavFormatError("truncated WAV header: fmt chunk runs past the end of the file");
      }
      fmt = parseFmt(view, body, size);
    } else if (id === "data") {
      dataStart = body;
      if (size === 0xffffffff || body + size > bytes.length) {
        dataEnd = bytes.length;
        break;
      }
      dataEnd = body + size;
    }
    pos = body + size + (size & 1);
  }
  if (!fmt) throw new WavFormatError("not a valid WAV file: missing fmt chunk");
  if (dataStart < 0) throw new WavFormatError("not a valid WAV file: missing data chunk");
  const { format, channels, sampleRate, bytesPerSample } = fmt;
  const frameBytes = channels * bytesPerSample;
  const frames = Math.floor((dataEnd - dataStart) / frameBytes);
  const n = frames * channels;
  const samples = decode(bytes, view, dataStart, n, format);
  return { sampleRate, channels, format, samples, durationSeconds: frames / sampleRate };
}

function decode(
  bytes: Uint8Array,
  view: DataView,
  at: number,
  n: number,
  format: WavFormat,
): AudioSamples {
  switch (format) {
    case "pcm16": {
      const out = new Int16Array(n);
      for (let i = 0, p = at; i < n; i++, p += 2) out[i] = view.getInt16(p, true);
      return out;
    }
    case "pcm8": {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = (bytes[at + i]! - 128) << 8;
      return out;
    }
    case "mulaw":
      return muLawDecode(bytes.subarray(at, at + n));
    case "alaw":
      return aLawDecode(bytes.subarray(at, at + n));
    case "pcm24": {
      const out = new Float32Array(n);
      for (let i = 0, p = at; i < n; i++, p += 3) {
        const v = (bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16)) << 8; // sign-extend
        out[i] = v / 2147483648;
      }
      return out;
    }
    case "pcm32": {
      const out = new Float32Array(n);
      for (let i = 0, p = at; i < n; i++, p += 4) out[i] = view.getInt32(p, true) / 2147483648;
      return out;
    }
    case "float32": {
      const out = new Float32Array(n);
      for (let i = 0, p = at; i < n; i++, p += 4) out[i] = view.getFloat32(p, true);
      return out;
    }
  }
}

/**
 * Reads and decodes a WAV file from disk. See {@link readWav}.
 *
 * @throws WavFormatError for undecodable files; the usual `fs` errors (ENOENT, ...).
 * @example
 * ```ts
 * const { sampleRate, samples } = await readWavFile("speech.wav");
 * ```
 */
export async function readWavFile(path: string | URL): Promise<WavData> {
  const buf = await readFile(path);
  return readWav(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}

/**
 * Reads a WAV file as an {@link AudioChunk} of 16-bit samples, ready to hand to a handler:
 * mono files give `[rate, Int16Array]`, stereo files `[rate, Int16Array, "stereo"]`
 * (interleaved), and files with more channels are averaged down to mono. Float, 24- and 32-bit
 * files are converted by scaling by 32768 with rounding and saturation.
 *
 * @throws WavFormatError for undecodable files; the usual `fs` errors.
 * @example
 * ```ts
 * const chunk = await readWavAsChunk("speech.wav"); // [16000, Int16Array(93680)]
 * ```
 */
export async function readWavAsChunk(path: string | URL): Promise<AudioChunk> {
  const wav = await readWavFile(path);
  let samples = wav.samples;
  let channels = wav.channels;
  if (channels > 2) {
    samples = downmixToMono(samples, channels);
    channels = 1;
  }
  const pcm = samples instanceof Int16Array ? samples : floatToInt16Rounded(samples);
  return channels === 2 ? [wav.sampleRate, pcm, "stereo"] : [wav.sampleRate, pcm];
}

/**
 * Options of {@link writeWav}.
 *
 * @example
 * ```ts
 * writeWav(chunk, { format: "float32" });
 * ```
 */
export interface WriteWavOptions {
  /**
   * Encoding to write (default `"pcm16"`). Float samples are converted to 16-bit by scaling by
   * 32768 with rounding and saturation; 16-bit samples to float by dividing by 32768.
   */
  format?: "pcm16" | "float32" | "mulaw";
}

/**
 * Encodes an {@link AudioChunk} as a WAV file. A `"stereo"` chunk becomes a 2-channel file.
 * PCM files get a 16-byte fmt chunk; float and µ-law files an 18-byte fmt chunk and a `fact`
 * chunk, as the format requires.
 *
 * @throws TypeError / RangeError for an invalid chunk (see `assertAudioChunk`) or format.
 * @example
 * ```ts
 * await writeFile("out.wav", writeWav([16000, pcm]));
 * const telephone = writeWav([8000, pcm8k], { format: "mulaw" });
 * ```
 */
export function writeWav(chunk: AudioChunk, options: WriteWavOptions = {}): Uint8Array {
  assertAudioChunk(chunk, "writeWav chunk");
  const format = options.format ?? "pcm16";
  const [sampleRate, samples, layout] = chunk;
  const channels = layout === "stereo" ? 2 : 1;
  let tag: number;
  let bytesPerSample: number;
  let payload: Uint8Array;
  switch (format) {
    case "pcm16": {
      const pcm = samples instanceof Int16Array ? samples : floatToInt16Rounded(samples);
      payload = new Uint8Array(pcm.length * 2);
      const dv = new DataView(payload.buffer);
      for (let i = 0; i < pcm.length; i++) dv.setInt16(i * 2, pcm[i]!, true);
      tag = 1;
      bytesPerSample = 2;
      break;
    }
    case "float32": {
      payload = new Uint8Array(samples.length * 4);
      const dv = new DataView(payload.buffer);
      const scale = samples instanceof Int16Array ? 1 / 32768 : 1;
      for (let i = 0; i < samples.length; i++) dv.setFloat32(i * 4, samples[i]! * scale, true);
      tag = 3;
      bytesPerSample = 4;
      break;
    }
    case "mulaw": {
      payload = muLawEncode(samples instanceof Int16Array ? samples : floatToInt16Rounded(samples));
      tag = 7;
      bytesPerSample = 1;
      break;
    }
    default:
      throw new TypeError(
        `writeWav format must be "pcm16", "float32" or "mulaw", got ${String(format)}`,
      );
  }
  const extended = tag !== 1;
  const fmtSize = extended ? 18 : 16;
  const factSize = extended ? 12 : 0;
  const pad = payload.length & 1;
  const total = 12 + 8 + fmtSize + factSize + 8 + payload.length + pad;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const put = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  put(0, "RIFF");
  dv.setUint32(4, total - 8, true);
  put(8, "WAVE");
  put(12, "fmt ");
  dv.setUint32(16, fmtSize, true);
  dv.setUint16(20, tag, true);
  dv.setUint16(22, channels, true);
  dv.setUint32(24, sampleRate, true);
  dv.setUint32(28, sampleRate * channels * bytesPerSample, true);
  dv.setUint16(32, channels * bytesPerSample, true);
  dv.setUint16(34, bytesPerSample * 8, true);
  let p = 36;
  if (extended) {
    dv.setUint16(36, 0, true); // cbSize
    p = 38;
    put(p, "fact");
    dv.setUint32(p + 4, 4, true);
    dv.setUint32(p + 8, samples.length / channels, true);
    p += 12;
  }
  put(p, "data");
  dv.setUint32(p + 4, payload.length, true);
  out.set(payload, p + 8);
  return out;
}
