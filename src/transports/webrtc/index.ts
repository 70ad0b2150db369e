export type { IceCandidateInit } from "./candidate.js";
export * from "./turn/index.js";
export type { IceServer, RtcConfiguration } from "./webrtcTypes.js";
