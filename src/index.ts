/**
 * fastrtc-ts: real-time voice AI apps in TypeScript.
 *
 * @packageDocumentation
 */
export * from "./audio/index.js";
export * from "./handlers/index.js";
export type { LogLevel, LogSink } from "./logger.js";
export { configureLogger } from "./logger.js";
export {
  ensureModel,
  listModels,
  ModelFetchError,
  onnxEngine,
  pullModel,
  sileroModelPath,
  UnknownModelError,
} from "./models/index.js";
export * from "./server/index.js";
export * from "./session/index.js";
export * from "./stt/index.js";
export * from "./transports/telephone/index.js";
export * from "./transports/webrtc/index.js";
export * from "./tts/index.js";
export * from "./turns/index.js";
export { AsyncQueue } from "./utils/asyncQueue.js";
export type { Clock } from "./utils/clock.js";
export { RealClock, VirtualClock } from "./utils/clock.js";
export * from "./vad/index.js";
