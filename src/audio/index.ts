/**
 * Audio utilities: sample conversion, resampling, G.711, WAV I/O, re-framing and byte-stream
 * aggregation.
 *
 * @example
 * ```ts
 * import { readWavAsChunk, resample, audioToFloat32 } from "./audio/index.js";
 * const [rate, pcm] = await readWavAsChunk("speech.wav");
 * const at16k = resample(audioToFloat32(pcm), rate, 16000);
 * ```
 */
export { aggregateBytesTo16bit, asyncAggregateBytesTo16bit } from "./aggregate.js";
export {
  assertAudioChunk,
  assertSampleRate,
  audioToFloat32,
  audioToInt16,
  deinterleave,
  downmixToMono,
  floatToInt16Rounded,
  interleave,
  type LegacyAudioTuple,
} from "./convert.js";
export { Reframer, type ReframerKind } from "./framer.js";
export { aLawDecode, aLawEncode, muLawDecode, muLawEncode } from "./g711.js";
export { levelDb } from "./level.js";
export {
  type ResampleQuality,
  resample,
  resampleInt16,
  StreamingResampler,
  type StreamingResamplerOptions,
} from "./resample.js";
export * from "./types.js";
export {
  readWav,
  readWavAsChunk,
  readWavFile,
  type WavData,
  type WavFormat,
  WavFormatError,
  type WriteWavOptions,
  writeWav,
} from "./wav.js";
