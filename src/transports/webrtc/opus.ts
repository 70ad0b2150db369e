import { Decoder, Encoder } from "@evan/opus";
import { opusNative } from "./opusNative.js";

/** Opus always runs at 48 kHz on WebRTC (RFC 7587); 20 ms is 960 samples per channel. */
export const OPUS_RATE = 48_000;
/** Samples per channel in one 20 ms Opus frame at 48 kHz. */
export const OPUS_FRAME = 960;

/** An Opus encoder complexity. */
type OpusComplexity = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;

/** Input rates the Opus encoder takes directly (the RTP clock stays 48 kHz). */
export type OpusInputRate = 8000 | 12000 | 16000 | 24000 | 48000;

/** The rates of {@link OpusInputRate}. */
export const OPUS_INPUT_RATES: readonly number[] = [8000, 12000, 16000, 24000, 48000];

/**
 * What the Opus encoder is tuned for (libopus's `OPUS_APPLICATION_*`):
 *
 * - `"voip"`: speech first. For speech below about 64 kb/s libopus picks its SILK or hybrid
 *   modes, the best quality per bit, and the costliest to encode (about 150 µs per 20 ms at
 *   48 kHz, complexity 9, in docs/benchmarks.md). What browsers send.
 * - `"audio"`: music and mixed content first (CELT more often).
 * - `"restricted_lowdelay"`: CELT only, 4 ms less algorithmic delay and about a quarter of
 *   `"voip"`'s encoding time; at the same bitrate speech sounds a little less good than in
 *   `"voip"`, so give it 32 kb/s or more ({@link OpusEncoderSettings.bitrate}).
 *
 * Every Opus decoder plays all three: the choice is the sender's alone.
 */
export type OpusApplication = "voip" | "audio" | "restricted_lowdelay";

/** The values of {@link OpusApplication}. */
export const OPUS_APPLICATIONS: readonly OpusApplication[] = [
  "voip",
  "audio",
  "restricted_lowdelay",
];

/**
 * How the Opus encoder of the audio a peer sends is set up. Every field is optional.
 *
 * @example
 * ```ts
 * // Least CPU per session: CELT only, at 32 kb/s.
 * const settings: OpusEncoderSettings = { application: "restricted_lowdelay", bitrate: 32_000 };
 * ```
 */
export interface OpusEncoderSettings {
  /** Complexity 0 (cheapest) to 10. Default: libopus's own (9). */
  complexity?: number;
  /** What the encoder is tuned for (see {@link OpusApplication}). Default `"voip"`. */
  application?: OpusApplication;
  /**
   * Target bitrate in bits per second, 6,000 to 510,000 (variable bitrate around it). Default:
   * libopus's automatic choice for the rate and mode.
   */
  bitrate?: number;
}

/**
 * Checks an Opus encoder complexity: an integer 0 (cheapest) to 10 (best quality per bit).
 *
 * @example
 * ```ts
 * assertOpusComplexity(5); // ok
 * assertOpusComplexity(12); // RangeError
 * ```
 * @internal
 */
export function assertOpusComplexity(value: unknown, name = "opusComplexity"): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 10) {
    throw new RangeError(`${name} must be an integer from 0 to 10, got ${String(value)}`);
  }
  return value;
}

/**
 * Checks an {@link OpusApplication}.
 *
 * @example
 * ```ts
 * assertOpusApplication("restricted_lowdelay"); // ok
 * assertOpusApplication("music"); // RangeError
 * ```
 * @internal
 */
export function assertOpusApplication(value: unknown, name = "opusApplication"): OpusApplication {
  if (!OPUS_APPLICATIONS.includes(value as OpusApplication)) {
    throw new RangeError(
      `${name} must be one of ${OPUS_APPLICATIONS.map((a) => `"${a}"`).join(", ")}, got ${describe(value)}`,
    );
  }
  return value as OpusApplication;
}

/**
 * Checks an Opus target bitrate: an integer from 6,000 to 510,000 bits per second.
 *
 * @example
 * ```ts
 * assertOpusBitrate(32_000); // ok
 * assertOpusBitrate(1_000_000); // RangeError
 * ```
 * @internal
 */
export function assertOpusBitrate(value: unknown, name = "opusBitrate"): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 6000 || value > 510_000) {
    throw new RangeError(
      `${name} must be an integer from 6000 to 510000 (bits per second), got ${describe(value)}`,
    );
  }
  return value;
}

/**
 * Checks every field of {@link OpusEncoderSettings} (errors name the `Stream` options) and
 * returns a copy without the unset ones.
 *
 * @example
 * ```ts
 * assertOpusSettings({ complexity: 5, bitrate: 32_000 }); // { complexity: 5, bitrate: 32000 }
 * ```
 * @internal
 */
export function assertOpusSettings(settings: OpusEncoderSettings): OpusEncoderSettings {
  const out: OpusEncoderSettings = {};
  if (settings.complexity !== undefined) out.complexity = assertOpusComplexity(settings.complexity);
  if (settings.application !== undefined)
    out.application = assertOpusApplication(settings.application);
  if (settings.bitrate !== undefined) out.bitrate = assertOpusBitrate(settings.bitrate);
  return out;
}

function describe(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : String(value);
}

/**
 * A one-byte Opus packet (TOC only, SILK 20 ms, one frame of length 0). libopus treats a frame of
 * length 0 as lost and runs its packet-loss concealment for the decoder's current mode.
 */
const PLC_PACKET = new Uint8Array([0x08]);

/**
 * Decodes one inbound Opus stream to 48 kHz stereo int16 (interleaved), with packet-loss
 * concealment for packets that never arrived.
 *
 * @example
 * ```ts
 * const decoder = new OpusStreamDecoder();
 * const pcm = decoder.decode(rtp.payload); // Int16Array, 1920 values for 20 ms
 * const filler = decoder.conceal();        // 20 ms estimated by the decoder
 * ```
 */
export class OpusStreamDecoder {
  readonly #decoder = new Decoder({ channels: 2, sample_rate: OPUS_RATE });
  /** The array {@link decodeReused} fills (one per decoder; a new one when a packet is longer). */
  #reused: Int16Array = new Int16Array(0);

  /**
   * Decodes one packet payload into a new array.
   *
   * @throws Error when the payload is not valid Opus (the caller drops the packet).
   */
  decode(payload: Uint8Array): Int16Array {
    return toInt16(this.#decoder.decode(payload));
  }

  /**
   * As {@link decode}, into an array this decoder reuses: valid until its next
   * `decodeReused`, so read or copy it before then. Allocates nothing per packet where
   * `@evan/opus` runs natively; its WebAssembly build still makes a new array.
   *
   * @throws Error when the payload is not valid Opus (the caller drops the packet).
   */
  decodeReused(payload: Uint8Array): Int16Array {
    if (opusNative === null) return this.decode(payload);
    const pcm = opusNative.decode(this.#decoder, payload);
    if (this.#reused.length !== pcm.length) this.#reused = new Int16Array(pcm.length);
    this.#reused.set(pcm);
    return this.#reused;
  }

  /** 20 ms of concealment audio for one lost packet (stereo, 48 kHz, interleaved). */
  conceal(): Int16Array {
    try {
      return toInt16(this.#decoder.decode(PLC_PACKET));
    } catch {
      return new Int16Array(OPUS_FRAME * 2);
    }
  }
}

/**
 * Encodes 20 ms frames of mono int16 audio to Opus packets (voice tuned), at 48 kHz or any
 * rate Opus takes directly (8, 12, 16, 24 kHz), so 24 kHz replies need no resampling.
 *
 * @example
 * ```ts
 * const encoder = new OpusFrameEncoder();
 * const payload = encoder.encode(new Int16Array(960));
 * ```
 */
export class OpusFrameEncoder {
  readonly #encoder: Encoder;
  /** The checked settings it was made with (to make the same encoder at another rate). */
  readonly settings: Readonly<OpusEncoderSettings>;
  /** Input rate in Hz. */
  readonly sampleRate: OpusInputRate;
  /** Samples in one 20 ms frame at {@link sampleRate}. */
  readonly frameSize: number;

  /**
   * @param sampleRate the input rate: one of Opus's 8, 12, 16, 24 or 48 kHz. Default 48 kHz.
   * @param settings complexity, application and bitrate (see {@link OpusEncoderSettings});
   *   default: libopus's complexity 9, `"voip"`, automatic bitrate.
   * @throws RangeError for another rate or a setting out of range.
   */
  constructor(sampleRate: OpusInputRate = OPUS_RATE, settings: OpusEncoderSettings = {}) {
    if (!OPUS_INPUT_RATES.includes(sampleRate)) {
      throw new RangeError(`Opus encodes 8, 12, 16, 24 or 48 kHz input, not ${sampleRate} Hz`);
    }
    this.settings = assertOpusSettings(settings);
    this.sampleRate = sampleRate;
    this.frameSize = sampleRate / 50;
    const { complexity, application = "voip", bitrate } = this.settings;
    this.#encoder = new Encoder({ channels: 1, sample_rate: sampleRate, application });
    if (complexity !== undefined) this.#encoder.complexity = complexity as OpusComplexity;
    if (bitrate !== undefined) this.#encoder.bitrate = bitrate;
  }

  /** The encoder's complexity (0–10). */
  get complexity(): number {
    return this.#encoder.complexity;
  }

  /** What the encoder is tuned for. */
  get application(): OpusApplication {
    return this.#encoder.application;
  }

  /** The target bitrate in bits per second (libopus's choice unless set). */
  get bitrate(): number {
    return this.#encoder.bitrate;
  }

  /** Encodes exactly {@link frameSize} mono samples (20 ms). */
  encode(frame: Int16Array): Uint8Array {
    if (frame.length !== this.frameSize) {
      throw new RangeError(`Opus frames must be ${this.frameSize} samples, got ${frame.length}`);
    }
    if (opusNative === null) return this.#encoder.encode(frame);
    // Copied out of the binding's shared buffer into Node's buffer pool: no ArrayBuffer of its own.
    return Buffer.from(opusNative.encode(this.#encoder, frame));
  }
}

function toInt16(bytes: Uint8Array): Int16Array {
  if (bytes.byteOffset % 2 === 0) {
    return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
  }
  return new Int16Array(bytes.slice().buffer);
}
