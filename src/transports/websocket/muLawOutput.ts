import { floatToInt16Rounded } from "../../audio/convert.js";
import { Reframer } from "../../audio/framer.js";
import { muLawEncode } from "../../audio/g711.js";
import { StreamingResampler } from "../../audio/resample.js";

/**
 * Turns the session's 20 ms output frames into 20 ms G.711 µ-law payloads at the wire rate:
 * as they are when the rates match (`/websocket/offer` sends at the handler's
 * `outputSampleRate`), resampled with a streaming filter and re-framed when they do not (the
 * telephone's 8 kHz).
 *
 * @example
 * ```ts
 * const out = new MuLawOutput(24000, 8000);
 * for (const payload of out.encode(frame.samples)) socket.send(mediaMessage(payload, sid));
 * ```
 */
export class MuLawOutput {
  readonly #resampler: StreamingResampler | null;
  readonly #framer: Reframer<Int16Array> | null;

  /**
   * @param inputRate rate of the frames given to {@link MuLawOutput.encode}.
   * @param wireRate rate of the payloads (8000 for Twilio).
   */
  constructor(inputRate: number, wireRate: number) {
    if (inputRate === wireRate) {
      this.#resampler = null;
      this.#framer = null;
    } else {
      this.#resampler = new StreamingResampler(inputRate, wireRate);
      this.#framer = Reframer.int16(Math.round(wireRate / 50));
    }
  }

  /** Encodes one frame; returns zero or more whole 20 ms payloads. */
  encode(samples: Int16Array): Uint8Array[] {
    if (!this.#resampler || !this.#framer) return [muLawEncode(samples)];
    const f = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) f[i] = (samples[i] as number) / 32768;
    const resampled = floatToInt16Rounded(this.#resampler.process(f));
    return this.#framer.push(resampled).map((frame) => muLawEncode(frame));
  }

  /** Forgets buffered audio (after an interruption). */
  reset(): void {
    this.#resampler?.reset();
    this.#framer?.clear();
  }
}
