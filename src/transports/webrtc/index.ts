export type { IceCandidateInit } from "./candidate.js";
export type { OpusApplication } from "./opus.js";
export * from "./turn/index.js";
export type { IceServer, RtcConfiguration } from "./webrtcTypes.js";
