export {
  builtinResponder,
  type OpenAiResponderOptions,
  openAiResponder,
  type Responder,
} from "./responder.js";
export { createVoiceApp, type VoiceAppOptions } from "./voiceApp.js";
