import { describe, expect, it } from "vitest";
import { assertOpusComplexity, OPUS_FRAME, OpusFrameEncoder, OpusStreamDecoder } from "./opus.js";
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
      const enc = new OpusFrameEncoder(24000, c);
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
    expect(() => new OpusFrameEncoder(48000, 12)).toThrow(RangeError);
    const packetizer = new OpusPacketizer({ complexity: 3 });
    expect(packetizer.push(tone(480, 24000, 440), 24000, true)).toHaveLength(1);
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
