export type { ClusterOptions, SlotClaim } from "../cluster/coordinatorTypes.js";
export { ClusterUnavailableError } from "../cluster/coordinatorTypes.js";
export type {
  AppRequest,
  AppSocket,
  AppSocketEvents,
  DomSocket,
  EventEmitterSocket,
  WsContextLike,
} from "./appSockets.js";
export type { AppTwimlOptions } from "./appTwiml.js";
export type { TransportKind } from "./connectionEntry.js";
export type { FastifyLike } from "./http/fastify.js";
export type { HonoLike } from "./http/hono.js";
export type { ExpressLike, MountTarget } from "./http/mount.js";
export { createNodeListener } from "./http/node.js";
export {
  type SelfSignedCertificate,
  type SelfSignedOptions,
  selfSignedCertificate,
} from "./http/selfSigned.js";
export { createUpgradeListener, type UpgradeListener } from "./http/upgrade.js";
export type { ValidationIssue } from "./offerBody.js";
export { Stream, UnsupportedTrackError } from "./Stream.js";
export type { InterruptionEvent, StreamEvents, TurnEvent } from "./streamEvents.js";
export type {
  AuthDecision,
  AuthHook,
  AuthRequest,
  LaunchedServer,
  LaunchOptions,
  Modality,
  MountOptions,
  RouteResponse,
  RtcConfigurationSource,
  StreamMode,
  StreamOptions,
  TelephoneOptions,
  UIArgs,
} from "./streamTypes.js";
