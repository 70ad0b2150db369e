/**
 * On-device text-to-speech: {@link getTtsModel} with `"espeak"` (offline, eSpeak-NG) or
 * `"kokoro"` (Kokoro-82M from the Hugging Face hub), both running in worker threads, and the
 * FastRTC sentence streaming they share.
 */

export { ESPEAK_SAMPLE_RATE, EspeakTts } from "./espeak.js";
export { getTtsModel, TTS_MODEL_NAMES } from "./getTtsModel.js";
export { isKokoroModelCached, KOKORO_SAMPLE_RATE, KokoroTts } from "./kokoro.js";
export {
  DEFAULT_ESPEAK_MODULE,
  DEFAULT_KOKORO_MODEL_ID,
  ESPEAK_DEFAULT_OPTIONS,
  KOKORO_DEFAULT_OPTIONS,
} from "./options.js";
export {
  MAX_TTS_TEXT_LENGTH,
  SentenceTtsModel,
  type SentenceTtsModelConfig,
} from "./sentenceModel.js";
export { sentenceSilenceSamples, splitSentences, splitTextBatches } from "./sentences.js";
export type {
  EspeakModelOptions,
  EspeakTTSOptions,
  KokoroDtype,
  KokoroModelOptions,
  KokoroTTSOptions,
  KokoroVoice,
  TtsEngine,
  TtsModel,
  TtsModelName,
} from "./ttsTypes.js";
