import { RtpHeader, RtpPacket } from "werift";
import { audioToFloat32, floatToInt16Rounded } from "../../audio/convert.js";
import { Reframer } from "../../audio/framer.js";
import { StreamingResampler } from "../../audio/resample.js";
import {
  OPUS_FRAME,
  OPUS_INPUT_RATES,
  OPUS_RATE,
  type OpusEncoderSettings,
  OpusFrameEncoder,
  type OpusInputRate,
} from "./opus.js";

/** One outbound RTP payload with the header fields that matter for Opus audio. */
export interface OpusRtpPayload {
  /** 16-bit sequence number, +1 per packet. */
  sequenceNumber: number;
  /** 32-bit RTP timestamp on the 48 kHz clock. */
  timestamp: number;
  /** Set on the first packet after silence (RFC 3551 talkspurt start). */
  marker: boolean;
  /** The Opus packet. */
  payload: Uint8Array;
}

/**
 * Options of an {@link OpusPacketizer}: its clock, its first sequence number and timestamp, and
 * the encoder's settings (`complexity`, `application`, `bitrate`; see {@link OpusEncoderSettings}).
 *
 * @example
 * ```ts
 * new OpusPacketizer({ now: () => performance.now(), application: "restricted_lowdelay", bitrate: 32_000 });
 * ```
 */
export interface OpusPacketizerOptions extends OpusEncoderSettings {
  /** Milliseconds now, used to advance timestamps over silences. Default `performance.now`. */
  now?: () => number;
  /** First sequence number. Default: random (RFC 3550). */
  initialSequenceNumber?: number;
  /** First timestamp. Default: random (RFC 3550). */
  initialTimestamp?: number;
}

/**
 * Turns mono int16 audio at any rate into 20 ms Opus RTP payloads (RTP clock 48 kHz): re-framing
 * to 20 ms, encoding (8/12/16/24/48 kHz directly, other rates resampled to 48 kHz), sequence
 * numbers and timestamps. A frame marked as a
 * discontinuity (a new reply after silence) sets the marker bit, and its timestamp jumps by
 * the time that passed, so the receiver's jitter buffer sees the pause as a pause.
 *
 * @example
 * ```ts
 * const packetizer = new OpusPacketizer();
 * for (const p of packetizer.push(samples24k, 24000, false)) sender.sendRtp(toRtp(p));
 * ```
 */
export class OpusPacketizer {
  #encoder: OpusFrameEncoder;
  #framer = new Reframer<Int16Array>(OPUS_FRAME, "int16");
  readonly #now: () => number;
  #resampler: StreamingResampler | null = null;
  #rate = OPUS_RATE;
  #seq: number;
  #ts: number;
  #lastSentAt: number | null = null;
  #pendingMarker = true;
  /** Packets produced so far. */
  packets = 0;

  constructor(options: OpusPacketizerOptions = {}) {
    // The encoder keeps only its own settings (complexity, application, bitrate) of the options.
    this.#encoder = new OpusFrameEncoder(OPUS_RATE, options);
    this.#now = options.now ?? (() => performance.now());
    this.#seq = (options.initialSequenceNumber ?? Math.floor(Math.random() * 0x10000)) & 0xffff;
    this.#ts = (options.initialTimestamp ?? Math.floor(Math.random() * 0x1_0000_0000)) >>> 0;
  }

  /**
   * Adds mono audio and returns the packets it completes (zero or more).
   *
   * @param discontinuity true when this audio starts after a gap (marker bit, timestamp jump).
   */
  push(samples: Int16Array, sampleRate: number, discontinuity: boolean): OpusRtpPayload[] {
    if (discontinuity) this.#pendingMarker = true;
    if (sampleRate !== this.#rate) this.#switchRate(sampleRate);
    const input = this.#resampler
      ? floatToInt16Rounded(this.#resampler.process(audioToFloat32(samples)))
      : samples;
    const out: OpusRtpPayload[] = [];
    // Views: each frame is encoded here and now, and nothing keeps it.
    for (const frame of this.#framer.pushViews(input)) out.push(this.#packet(frame));
    return out;
  }

  /**
   * Rates Opus takes directly are encoded as they are; others are resampled to 48 kHz. The RTP
   * clock is 48 kHz either way.
   */
  #switchRate(sampleRate: number): void {
    this.#rate = sampleRate;
    const native = OPUS_INPUT_RATES.includes(sampleRate);
    const encodeRate = (native ? sampleRate : OPUS_RATE) as OpusInputRate;
    this.#resampler = native ? null : new StreamingResampler(sampleRate, OPUS_RATE);
    if (this.#encoder.sampleRate !== encodeRate) {
      this.#encoder = new OpusFrameEncoder(encodeRate, this.#encoder.settings);
      this.#framer = new Reframer<Int16Array>(this.#encoder.frameSize, "int16");
    }
  }

  #packet(frame: Int16Array): OpusRtpPayload {
    const now = this.#now();
    const marker = this.#pendingMarker;
    if (this.#lastSentAt !== null) {
      let step = OPUS_FRAME;
      if (marker)
        step = Math.max(OPUS_FRAME, Math.round(((now - this.#lastSentAt) * OPUS_RATE) / 1000));
      this.#ts = (this.#ts + step) >>> 0;
      this.#seq = (this.#seq + 1) & 0xffff;
    }
    this.#lastSentAt = now;
    this.#pendingMarker = false;
    this.packets++;
    return {
      sequenceNumber: this.#seq,
      timestamp: this.#ts,
      marker,
      payload: this.#encoder.encode(frame),
    };
  }
}

/**
 * A werift RTP packet for a payload, without copying the Opus bytes.
 *
 * @example
 * ```ts
 * for (const p of packetizer.push(samples, 24000, false)) track.writeRtp(toRtpPacket(p, 111));
 * ```
 */
export function toRtpPacket(p: OpusRtpPayload, payloadType: number): RtpPacket {
  const header = new RtpHeader({
    sequenceNumber: p.sequenceNumber,
    timestamp: p.timestamp,
    marker: p.marker,
    payloadType,
  });
  return new RtpPacket(
    header,
    Buffer.from(p.payload.buffer, p.payload.byteOffset, p.payload.byteLength),
  );
}
