/**
 * Speech-to-text: Moonshine (tiny from npm, base from the Hugging Face hub) running in a worker
 * thread, behind FastRTC's `get_stt_model()` / `stt()` interface.
 */

export {
  DEFAULT_TOKENS_PER_SECOND,
  MIN_STT_SAMPLES,
  MOONSHINE_EOS_TOKEN,
  MOONSHINE_SAMPLE_RATE,
  MOONSHINE_START_TOKEN,
} from "./constants.js";
export {
  closeSttModels,
  DEFAULT_STT_MODEL,
  getSttModel,
  MoonshineStt,
  sttForChunks,
} from "./moonshine.js";
export type { GenerateResult, MoonshineInferenceOptions } from "./moonshineInference.js";
export { MoonshineInference } from "./moonshineInference.js";
export type { SttModel, SttModelName, SttModelOptions, SttResult } from "./sttTypes.js";
export type { TokenDecoder } from "./tokenizer.js";
export { llamaTokenDecoder, loadTokenDecoder, tokenizerJsonDecoder } from "./tokenizer.js";
