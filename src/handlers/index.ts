export type { Context, MessageChannel, TelephoneCallInfo } from "./context.js";
export { getCurrentContext } from "./context.js";
export type { EmitType, SplitEmit } from "./emit.js";
export { splitEmitValue } from "./emit.js";
export { Warning, WebRTCError, warning } from "./errors.js";
export type { AudioGenerator, GeneratorHandlerOptions } from "./GeneratorHandler.js";
export { GeneratorHandler } from "./GeneratorHandler.js";
export { AdditionalOutputs, CloseStream, WebRTCData } from "./outputs.js";
export { ReplyOnPause, ReplyOnPauseState } from "./ReplyOnPause.js";
export {
  ReplyOnStopWords,
  type ReplyOnStopWordsOptions,
  ReplyOnStopWordsState,
  stopWordPattern,
} from "./ReplyOnStopWords.js";
export type {
  AlgoOptions,
  ReplyFnType,
  ReplyIterable,
  ReplyOnPauseOptions,
  ReplyOnPauseTextOptions,
  StartupFnType,
  TextReplyFnType,
} from "./replyOnPauseTypes.js";
export { DEFAULT_ALGO_OPTIONS } from "./replyOnPauseTypes.js";
export type { PlaybackState } from "./StreamHandler.js";
export { AsyncStreamHandler, StreamHandler, StreamHandlerBase } from "./StreamHandler.js";
export type { StreamHandlerOptions } from "./streamHandlerTypes.js";
export { waitForItem } from "./waitForItem.js";
