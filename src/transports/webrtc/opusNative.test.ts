import { Decoder, Encoder } from "@evan/opus";
import { describe, expect, it } from "vitest";
import { fixturePath } from "../../audio/testing/fixtures.js";
import { readWavFile } from "../../audio/wav.js";
import { OpusFrameEncoder, OpusStreamDecoder } from "./opus.js";
import { opusNative } from "./opusNative.js";

/** 20 ms frames of a real recording at 48 kHz (speech, then silence padding). */
async function speechFrames(count: number): Promise<Int16Array[]> {
  const wav = await readWavFile(fixturePath("synthetic/48k/two_turns.wav"));
  const samples = wav.samples as Int16Array;
  return Array.from({ length: count }, (_, k) => samples.slice(k * 960, (k + 1) * 960));
}

describe("opusNative (@evan/opus's native build without its copies)", () => {
  it.skipIf(process.env.OPUS_FORCE_WASM)(
    "is found on this platform (x64/arm64 Linux ship the native build)",
    () => {
      expect(opusNative).not.toBeNull();
    },
  );

  it("encodes and decodes the same bytes and samples as the copying calls", async () => {
    const frames = await speechFrames(150);
    const plain = new Encoder({ channels: 1, sample_rate: 48000, application: "voip" });
    const fast = new OpusFrameEncoder(48000, { application: "voip" });
    const decoderPlain = new Decoder({ channels: 2, sample_rate: 48000 });
    const decoderFast = new OpusStreamDecoder();
    let reused: Int16Array | null = null;
    for (const frame of frames) {
      const expected = plain.encode(frame).slice();
      const packet = fast.encode(frame);
      expect(Buffer.compare(Buffer.from(packet), Buffer.from(expected))).toBe(0);
      const want = new Int16Array(decoderPlain.decode(expected).slice().buffer);
      const got = decoderFast.decodeReused(packet);
      expect(got).toEqual(want);
      // One array per decoder, filled again for each packet.
      if (reused !== null) expect(got).toBe(reused);
      reused = got;
    }
  });

  it("gives each packet its own bytes, though the binding's buffer is shared", () => {
    const enc = new OpusFrameEncoder();
    const a = enc.encode(new Int16Array(960).fill(1000));
    const copyOfA = Uint8Array.from(a);
    enc.encode(new Int16Array(960).fill(-3000));
    expect(Uint8Array.from(a)).toEqual(copyOfA);
  });

  it("throws on a payload that is not Opus, as the copying call does", () => {
    const decoder = new OpusStreamDecoder();
    expect(() => decoder.decodeReused(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(/Opus/);
    expect(() => decoder.decode(new Uint8Array([0xff, 0xff, 0xff]))).toThrow(/Opus/);
  });
});
