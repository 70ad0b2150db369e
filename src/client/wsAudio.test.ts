import { describe, expect, it } from "vitest";
import { muLawEncode } from "../audio/g711.js";
import { decodeMuLawPayload, encodeMuLawPayload, MuLawFrameEncoder } from "./wsAudio.js";

function tone(rate: number, hz: number, seconds: number, amplitude = 0.3): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * hz * i) / rate));
  }
  return out;
}

describe("µ-law payloads", () => {
  it("encode as base64 of G.711 µ-law and decode back within the quantisation error", () => {
    const pcm = tone(8000, 440, 0.1, 0.8);
    const payload = encodeMuLawPayload(pcm);
    expect(payload).toBe(Buffer.from(muLawEncode(pcm)).toString("base64"));
    const back = decodeMuLawPayload(payload);
    expect(back.length).toBe(pcm.length);
    for (let i = 0; i < pcm.length; i++) {
      // µ-law step is 1/16 of the segment: the error stays within ~3.2 % of the magnitude
      expect(Math.abs(back[i]! - pcm[i]!)).toBeLessThanOrEqual(Math.abs(pcm[i]!) * 0.033 + 8);
    }
    expect(decodeMuLawPayload("/w==")).toEqual(new Int16Array([0]));
    expect(() => decodeMuLawPayload("not base64!")).toThrow(TypeError);
  });
});

describe("MuLawFrameEncoder", () => {
  it("cuts audio at the target rate into 20 ms frames and keeps the remainder", () => {
    const enc = new MuLawFrameEncoder(48000);
    const first = enc.push(new Int16Array(1000), 48000);
    expect(first.map((p) => decodeMuLawPayload(p).length)).toEqual([960]);
    expect(enc.pendingSamples).toBe(40);
    const second = enc.push(new Int16Array(2000), 48000);
    expect(second.map((p) => decodeMuLawPayload(p).length)).toEqual([960, 960]);
    expect(enc.pendingSamples).toBe(120);
    expect(enc.flush().map((p) => decodeMuLawPayload(p).length)).toEqual([120]);
    expect(enc.flush()).toEqual([]);
  });

  it("averages exactly 20 ms for rates not divisible by 50", () => {
    const enc = new MuLawFrameEncoder(11025);
    const sizes = enc.push(new Int16Array(11025), 11025).map((p) => decodeMuLawPayload(p).length);
    expect(sizes).toHaveLength(50);
    expect(new Set(sizes)).toEqual(new Set([220, 221]));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(11025);
  });

  it("resamples 16 kHz and float32 input to the target rate, continuous across calls", () => {
    const enc = new MuLawFrameEncoder(48000);
    const src = tone(16000, 500, 0.5);
    const payloads: string[] = [];
    for (let i = 0; i < src.length; i += 160)
      payloads.push(...enc.push(src.subarray(i, i + 160), 16000));
    payloads.push(...enc.flush());
    const sizes = payloads.map((p) => decodeMuLawPayload(p).length);
    expect(sizes.slice(0, -1).every((n) => n === 960)).toBe(true);
    const out = new Int16Array(sizes.reduce((a, b) => a + b, 0));
    let at = 0;
    for (const p of payloads) {
      const d = decodeMuLawPayload(p);
      out.set(d, at);
      at += d.length;
    }
    expect(out.length).toBe(24000);
    const ideal = tone(48000, 500, 0.5);
    let err = 0;
    for (let i = 2400; i < 21600; i++) err = Math.max(err, Math.abs(out[i]! - ideal[i]!));
    expect(err).toBeLessThan(400); // µ-law quantisation of a 0.3 FS tone, plus resampling

    const f = new MuLawFrameEncoder(16000);
    const fsrc = new Float32Array(960).fill(0.25);
    const fp = [...f.push(fsrc, 48000), ...f.flush()];
    const decoded = fp.flatMap((p) => [...decodeMuLawPayload(p)]);
    expect(decoded.length).toBe(320);
    expect(decoded[160]).toBeGreaterThan(7800);
    expect(decoded[160]).toBeLessThan(8600);
  });

  it("flushes the previous resampler when the input rate changes", () => {
    const enc = new MuLawFrameEncoder(48000);
    enc.push(new Int16Array(160), 16000);
    enc.push(new Int16Array(441), 44100);
    const total = enc.flush().reduce((n, p) => n + decodeMuLawPayload(p).length, 0);
    expect(total).toBe(480 + 480);
  });

  it("rejects invalid rates", () => {
    expect(() => new MuLawFrameEncoder(0)).toThrow(RangeError);
    expect(() => new MuLawFrameEncoder(16000).push(new Int16Array(1), 1.5)).toThrow(RangeError);
  });
});
