import { describe, expect, it } from "vitest";
import * as audio from "./index.js";

describe("audio public API", () => {
  it("re-exports the folder's functions, classes and constants", () => {
    for (const name of [
      "aggregateBytesTo16bit",
      "asyncAggregateBytesTo16bit",
      "assertAudioChunk",
      "assertSampleRate",
      "audioToFloat32",
      "audioToInt16",
      "deinterleave",
      "downmixToMono",
      "floatToInt16Rounded",
      "interleave",
      "Reframer",
      "aLawDecode",
      "aLawEncode",
      "muLawDecode",
      "muLawEncode",
      "resample",
      "resampleInt16",
      "StreamingResampler",
      "readWav",
      "readWavAsChunk",
      "readWavFile",
      "WavFormatError",
      "writeWav",
    ]) {
      expect(typeof (audio as Record<string, unknown>)[name], name).toBe("function");
    }
    expect(audio.MAX_SAMPLE_RATE).toBe(384000);
  });

  it("composes: WAV → float → 16 kHz → µ-law → back", () => {
    const pcm = Int16Array.from({ length: 4800 }, (_, i) =>
      Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 48000)),
    );
    const wav = audio.readWav(audio.writeWav([48000, pcm]));
    const at16k = audio.resample(audio.audioToFloat32(wav.samples), wav.sampleRate, 16000);
    const mu = audio.muLawEncode(audio.audioToInt16(at16k));
    expect(audio.muLawDecode(mu).length).toBe(1600);
  });
});
