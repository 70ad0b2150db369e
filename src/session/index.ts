export { Session } from "./Session.js";
export type {
  ClearInfo,
  OutputFrame,
  SessionEndReason,
  SessionMode,
  SessionOptions,
  SessionOutputOptions,
} from "./sessionTypes.js";
export { TurnTracker } from "./turnTracker.js";
export type {
  HandlerTurnEventType,
  SessionTurnEvent,
  TurnEventType,
  TurnLatencies,
} from "./turnTypes.js";
