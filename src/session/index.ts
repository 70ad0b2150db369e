export { Session } from "./Session.js";
export type {
  OutputFrame,
  SessionEndReason,
  SessionMode,
  SessionOptions,
} from "./sessionTypes.js";
