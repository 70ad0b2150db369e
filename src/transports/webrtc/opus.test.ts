import { describe, expect, it } from "vitest";
import { fixturePath } from "../../audio/testing/fixtures.js";
import { readWavFile } from "../../audio/wav.js";
import {
  assertOpusApplication,
  assertOpusBitrate,
  assertOpusComplexity,
  OPUS_FRAME,
  OpusFrameEncoder,
  OpusStreamDecoder,
} from "./opus.js";
import { OpusPacketizer } from "./opusPacketizer.js";

function tone(n: number, rate: number, hz: number, amp = 8000, offset = 0): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++)
    out[i] = Math.round(amp * Math.sin((2 * Math.PI * hz * (i + offset)) / rate));
  return out;
}

function rms(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}

describe("Opus codec", () => {
  it("round-trips a tone: 960 mono samples in, 1920 interleaved stereo values out", () => {
    const enc = new OpusFrameEncoder();
    const dec = new OpusStreamDecoder();
    let last: Int16Array = new Int16Array(0);
    for (let f = 0; f < 10; f++)
      last = dec.decode(enc.encode(tone(OPUS_FRAME, 48000, 440, 8000, f * OPUS_FRAME)));
    expect(last.length).toBe(OPUS_FRAME * 2);
    expect(rms(last)).toBeGreaterThan((8000 / Math.SQRT2) * 0.7);
  });

  it("complexity: libopus's 9 by default, 0–10 settable (a tone still round-trips at 0 and 5), others refused", () => {
    expect(new OpusFrameEncoder().complexity).toBe(9);
    for (const c of [0, 5, 10]) {
      const enc = new OpusFrameEncoder(24000, { complexity: c });
      expect(enc.complexity).toBe(c);
      const dec = new OpusStreamDecoder();
      let last: Int16Array = new Int16Array(0);
      for (let f = 0; f < 10; f++)
        last = dec.decode(enc.encode(tone(480, 24000, 440, 8000, f * 480)));
      expect(rms(last)).toBeGreaterThan((8000 / Math.SQRT2) * 0.7);
    }
    for (const bad of [-1, 11, 2.5, Number.NaN, "5", null]) {
      expect(() => assertOpusComplexity(bad)).toThrow(
        /opusComplexity must be an integer from 0 to 10/,
      );
    }
    expect(() => new OpusFrameEncoder(48000, { complexity: 12 })).toThrow(RangeError);
    const packetizer = new OpusPacketizer({ complexity: 3 });
    expect(packetizer.push(tone(480, 24000, 440), 24000, true)).toHaveLength(1);
  });

  it('application: "voip" by default (SILK or hybrid on speech), "restricted_lowdelay" sends CELT only, others refused', async () => {
    const wav = await readWavFile(fixturePath("synthetic/48k/two_turns.wav"));
    const speech = wav.samples as Int16Array;
    /** Opus TOC configurations 0–15 are SILK or hybrid, 16–31 CELT (RFC 6716, 3.1). */
    const configs = (enc: OpusFrameEncoder): number[] => {
      const out: number[] = [];
      for (let f = 0; f + 1 < speech.length / OPUS_FRAME && f < 150; f++) {
        const packet = enc.encode(speech.subarray(f * OPUS_FRAME, (f + 1) * OPUS_FRAME));
        out.push((packet[0] ?? 0) >> 3);
      }
      return out;
    };
    const voip = new OpusFrameEncoder();
    expect(voip.application).toBe("voip");
    expect(configs(voip).some((c) => c < 16)).toBe(true);
    const low = new OpusFrameEncoder(48000, {
      application: "restricted_lowdelay",
      bitrate: 32_000,
    });
    expect(low.application).toBe("restricted_lowdelay");
    expect(configs(low).every((c) => c >= 16)).toBe(true);
    // Decodable by the same decoder as every other packet.
    const dec = new OpusStreamDecoder();
    let last: Int16Array = new Int16Array(0);
    for (let f = 0; f < 10; f++)
      last = dec.decode(low.encode(tone(OPUS_FRAME, 48000, 440, 8000, f * OPUS_FRAME)));
    expect(rms(last)).toBeGreaterThan((8000 / Math.SQRT2) * 0.7);
    for (const bad of ["music", "VOIP", 1, null]) {
      expect(() => assertOpusApplication(bad)).toThrow(
        /opusApplication must be one of "voip", "audio", "restricted_lowdelay"/,
      );
    }
    expect(() => new OpusFrameEncoder(48000, { application: "x" as "voip" })).toThrow(RangeError);
  });

  it("bitrate: the packets follow the target; out of 6000..510000 or not an integer refused", () => {
    const sizeAt = (bitrate: number): number => {
      const enc = new OpusFrameEncoder(48000, { application: "restricted_lowdelay", bitrate });
      expect(enc.bitrate).toBe(bitrate);
      let bytes = 0;
      for (let f = 0; f < 100; f++) {
        const frame = tone(OPUS_FRAME, 48000, 440, 8000, f * OPUS_FRAME);
        for (let i = 0; i < frame.length; i += 7)
          frame[i] = (frame[i] ?? 0) + ((i * 7919) % 4001) - 2000;
        bytes += enc.encode(frame).length;
      }
      return bytes / 100;
    };
    const low = sizeAt(16_000);
    const high = sizeAt(64_000);
    // 16 kb/s is 40 bytes per 20 ms, 64 kb/s 160 (variable bitrate: within a factor of 1.5).
    expect(low).toBeGreaterThan(40 / 1.5);
    expect(low).toBeLessThan(40 * 1.5);
    expect(high).toBeGreaterThan(160 / 1.5);
    expect(high).toBeLessThan(160 * 1.5);
    for (const bad of [5999, 510_001, 32_000.5, Number.NaN, "32000"]) {
      expect(() => assertOpusBitrate(bad)).toThrow(
        /opusBitrate must be an integer from 6000 to 510000/,
      );
    }
  });

  it("conceals a lost packet with 20 ms of plausible audio", () => {
    const enc = new OpusFrameEncoder();
    const dec = new OpusStreamDecoder();
    for (let f = 0; f < 10; f++)
      dec.decode(enc.encode(tone(OPUS_FRAME, 48000, 440, 8000, f * OPUS_FRAME)));
    const plc = dec.conceal();
    expect(plc.length).toBe(OPUS_FRAME * 2);
    expect(rms(plc)).toBeGreaterThan(100);
  });

  it("rejects frames of the wrong size and garbage packets", () => {
    expect(() => new OpusFrameEncoder().encode(new Int16Array(100))).toThrow(/960/);
    expect(() => new OpusStreamDecoder().decode(new Uint8Array([0xff, 0xff, 0xff]))).toThrow();
  });
});

describe("OpusPacketizer", () => {
  it("numbers packets and steps timestamps by 960; marks the start", () => {
    let now = 0;
    const p = new OpusPacketizer({
      now: () => now,
      initialSequenceNumber: 65534,
      initialTimestamp: 1000,
    });
    const out = [];
    for (let i = 0; i < 3; i++) {
      out.push(...p.push(tone(480, 24000, 300, 8000, i * 480), 24000, i === 0));
      now += 20;
    }
    expect(out.map((o) => o.sequenceNumber)).toEqual([65534, 65535, 0].slice(0, out.length));
    expect(out.length).toBeGreaterThanOrEqual(2);
    expect(out[0]?.marker).toBe(true);
    expect(out[1]?.marker).toBe(false);
    expect(out[1]?.timestamp).toBe(1960);
  });

  it("after a silence, jumps the timestamp by the elapsed time and sets the marker", () => {
    let now = 0;
    const p = new OpusPacketizer({ now: () => now, initialSequenceNumber: 1, initialTimestamp: 0 });
    p.push(new Int16Array(960), 48000, true);
    now = 1000; // one second later
    const [next] = p.push(new Int16Array(960), 48000, true);
    expect(next?.sequenceNumber).toBe(2);
    expect(next?.marker).toBe(true);
    expect(next?.timestamp).toBe(48000);
  });

  it("keeps the audio: 24 kHz in, decodable 48 kHz out with the same energy", () => {
    const p = new OpusPacketizer();
    const dec = new OpusStreamDecoder();
    const outs: Int16Array[] = [];
    for (let i = 0; i < 25; i++) {
      for (const pkt of p.push(tone(480, 24000, 500, 8000, i * 480), 24000, false))
        outs.push(dec.decode(pkt.payload));
    }
    expect(outs.length).toBeGreaterThanOrEqual(24);
    expect(rms(outs.at(-1) ?? new Int16Array())).toBeGreaterThan((8000 / Math.SQRT2) * 0.7);
  });

  it("resamples rates Opus does not take (22050 Hz) and keeps 960-step timestamps", () => {
    let now = 0;
    const p = new OpusPacketizer({ now: () => now, initialSequenceNumber: 0, initialTimestamp: 0 });
    const dec = new OpusStreamDecoder();
    const outs: Int16Array[] = [];
    const stamps: number[] = [];
    for (let i = 0; i < 25; i++) {
      for (const pkt of p.push(tone(441, 22050, 500, 8000, i * 441), 22050, false)) {
        outs.push(dec.decode(pkt.payload));
        stamps.push(pkt.timestamp);
      }
      now += 20;
    }
    expect(outs.length).toBeGreaterThanOrEqual(23);
    expect(stamps[1]).toBe(960);
    expect(rms(outs.at(-1) ?? new Int16Array())).toBeGreaterThan((8000 / Math.SQRT2) * 0.7);
  });

  it("the encoder refuses rates Opus does not support", () => {
    expect(() => new OpusFrameEncoder(44100 as never)).toThrow(/8, 12, 16, 24 or 48 kHz/);
    expect(new OpusFrameEncoder(24000).frameSize).toBe(480);
  });
});
