import { Decoder, Encoder } from "@evan/opus";

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

  /**
   * Decodes one packet payload.
   *
   * @throws Error when the payload is not valid Opus (the caller drops the packet).
   */
  decode(payload: Uint8Array): Int16Array {
    return toInt16(this.#decoder.decode(payload));
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
  /** Input rate in Hz. */
  readonly sampleRate: OpusInputRate;
  /** Samples in one 20 ms frame at {@link sampleRate}. */
  readonly frameSize: number;

  /**
   * @param sampleRate the input rate: one of Opus's 8, 12, 16, 24 or 48 kHz. Default 48 kHz.
   * @param complexity the encoder's complexity, 0–10 (see {@link assertOpusComplexity}).
   *   Default: libopus's own (9 in this build).
   */
  constructor(sampleRate: OpusInputRate = OPUS_RATE, complexity?: number) {
    if (!OPUS_INPUT_RATES.includes(sampleRate)) {
      throw new RangeError(`Opus encodes 8, 12, 16, 24 or 48 kHz input, not ${sampleRate} Hz`);
    }
    this.sampleRate = sampleRate;
    this.frameSize = sampleRate / 50;
    this.#encoder = new Encoder({ channels: 1, sample_rate: sampleRate, application: "voip" });
    if (complexity !== undefined)
      this.#encoder.complexity = assertOpusComplexity(complexity) as OpusComplexity;
  }

  /** The encoder's complexity (0–10). */
  get complexity(): number {
    return this.#encoder.complexity;
  }

  /** Encodes exactly {@link frameSize} mono samples (20 ms). */
  encode(frame: Int16Array): Uint8Array {
    if (frame.length !== this.frameSize) {
      throw new RangeError(`Opus frames must be ${this.frameSize} samples, got ${frame.length}`);
    }
    return this.#encoder.encode(frame);
  }
}

function toInt16(bytes: Uint8Array): Int16Array {
  if (bytes.byteOffset % 2 === 0) {
    return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
  }
  return new Int16Array(bytes.slice().buffer);
}
