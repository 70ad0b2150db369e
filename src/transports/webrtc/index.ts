export type { IceCandidateInit } from "./candidate.js";
export type { IceServer, RtcConfiguration } from "./webrtcTypes.js";
