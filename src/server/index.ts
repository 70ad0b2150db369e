export type { FastifyLike } from "./http/fastify.js";
export type { HonoLike } from "./http/hono.js";
export type { ExpressLike, MountTarget } from "./http/mount.js";
export { createNodeListener } from "./http/node.js";
export type { ValidationIssue } from "./offerBody.js";
export { Stream, UnsupportedTrackError } from "./Stream.js";
export type {
  LaunchedServer,
  LaunchOptions,
  Modality,
  MountOptions,
  RouteResponse,
  RtcConfigurationSource,
  StreamMode,
  StreamOptions,
  UIArgs,
} from "./streamTypes.js";
