/**
 * Turn taking: the streaming end-of-turn policy, barge-in, the turn-detector contract and the
 * detectors shipped with the library.
 */

export { AudioStore } from "./audioStore.js";
export type { BargeInOptions, BargeInSignal } from "./bargeIn.js";
export { BargeInPolicy, DEFAULT_BARGE_IN_OPTIONS, resolveBargeInOptions } from "./bargeIn.js";
export * from "./detectors/index.js";
export { EndOfTurnPolicy, requiredSilence, resolveEndOfTurnOptions } from "./endOfTurn.js";
export type { EndOfTurnOptions, EndOfTurnSignal } from "./endOfTurnTypes.js";
export { DEFAULT_END_OF_TURN_OPTIONS } from "./endOfTurnTypes.js";
export type { TurnDetector, TurnDetectorInput } from "./turnDetectorTypes.js";
