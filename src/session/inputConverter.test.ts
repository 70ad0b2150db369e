import { describe, expect, it } from "vitest";
import { StreamingResampler } from "../audio/resample.js";
import { sourceAudioOf } from "../audio/sourceAudio.js";
import { InputConverter } from "./inputConverter.js";

function tone(n: number, rate: number, hz = 440): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

describe("InputConverter wire notes", () => {
  it("8 kHz → 48 kHz: each frame notes the wire samples it was made from, in order, aligned", () => {
    const conv = new InputConverter(48000, "mono");
    const wire = tone(160 * 50, 8000);
    const frames: Int16Array[] = [];
    for (let i = 0; i < wire.length; i += 160)
      frames.push(...conv.push([8000, wire.subarray(i, i + 160)]));
    // FastRTC framing: as long as the first chunk (160 samples), at 48 kHz.
    expect(frames.length).toBeGreaterThan(250);
    for (const f of frames) expect(f.length).toBe(160);
    // The notes lag the wire as the frames do: by the resampler's delay, in leading zeros.
    const lead = new StreamingResampler(8000, 48000).delaySamples / 6;
    expect(lead).toBeGreaterThan(0);
    const padded = new Float32Array(lead + wire.length);
    for (let i = 0; i < wire.length; i++) padded[lead + i] = wire[i]! / 32768;
    let taken = 0;
    let out = 0;
    for (const f of frames) {
      const note = sourceAudioOf(f);
      expect(note?.[0]).toBe(8000);
      const src = note?.[1] as Float32Array;
      out += f.length;
      // Handler sample n is (delayed) wire sample n / 6: the notes cover exactly that, no gaps.
      expect(taken + src.length).toBe(Math.floor(out / 6));
      for (let i = 0; i < src.length; i++) expect(src[i]).toBe(padded[taken + i]);
      taken += src.length;
    }
  });

  it('framing "duration": each 20 ms 8 kHz chunk becomes one 960-sample 48 kHz frame, notes aligned', () => {
    const conv = new InputConverter(48000, "mono", "fast", "duration");
    const wire = tone(160 * 50, 8000);
    const frames: Int16Array[] = [];
    for (let i = 0; i < wire.length; i += 160) {
      const made = conv.push([8000, wire.subarray(i, i + 160)]);
      // The resampler's delay holds back less than a frame: never more than one per chunk.
      expect(made.length).toBeLessThanOrEqual(1);
      frames.push(...made);
    }
    expect(conv.frameSize).toBe(960);
    expect(frames.length).toBeGreaterThanOrEqual(49);
    let out = 0;
    let taken = 0;
    for (const f of frames) {
      expect(f.length).toBe(960);
      out += f.length;
      const src = sourceAudioOf(f)?.[1] as Float32Array;
      taken += src.length;
      expect(taken).toBe(Math.floor(out / 6));
    }
  });

  it("no notes when nothing is resampled, for stereo handlers, or once the wire rate changed", () => {
    const same = new InputConverter(16000, "mono");
    for (const f of same.push([16000, tone(320, 16000)])) expect(sourceAudioOf(f)).toBeUndefined();
    const stereo = new InputConverter(48000, "stereo");
    for (const f of stereo.push([8000, tone(800, 8000)])) expect(sourceAudioOf(f)).toBeUndefined();
    const changing = new InputConverter(48000, "mono");
    expect(changing.push([8000, tone(160, 8000)]).every((f) => sourceAudioOf(f))).toBe(true);
    for (const f of changing.push([16000, tone(3200, 16000)])) {
      expect(sourceAudioOf(f)).toBeUndefined();
    }
  });
});
