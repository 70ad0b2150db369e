import type { WebSocket } from "ws";
import type { AdditionalOutputs } from "../../handlers/outputs.js";
import type { StreamHandlerBase } from "../../handlers/StreamHandler.js";
import type { RtcConfiguration } from "../../transports/webrtc/webrtcTypes.js";
import type { InputComponent, OutputComponent } from "../../ui/componentTypes.js";
import type { AuthRequest, Modality, RouteResponse, StreamMode, UIArgs } from "../streamTypes.js";
import type { TelephoneConfig } from "../telephone.js";
import type { HeaderMap } from "./request.js";

/**
 * What the HTTP layer (routes, adapters, upgrades, `launch`) needs of a stream: the routes
 * depend on this, not on the `Stream` class, so the server core and its HTTP adapters do not
 * import each other. `Stream` implements it.
 *
 * @internal
 */
export interface StreamHost {
  readonly handler: StreamHandlerBase;
  readonly mode: StreamMode;
  readonly modality: Modality;
  readonly uiArgs: UIArgs;
  readonly trackConstraints: Record<string, unknown> | null;
  readonly maxBodyBytes: number;
  readonly maxMessageBytes: number;
  readonly additionalInputs: readonly InputComponent[];
  readonly additionalOutputs: readonly OutputComponent[];
  readonly ioRoutes: boolean;
  readonly textTurns: boolean;
  readonly telephone: TelephoneConfig | null;
  readonly draining: boolean;
  readonly nodeId: string;
  /** Connections holding a slot in this process. */
  readonly liveConnections: number;
  resolveRtcConfiguration(): Promise<RtcConfiguration>;
  authorize(
    transport: AuthRequest["transport"],
    pathAndQuery: string,
    headers: HeaderMap,
    secure: boolean,
  ): Promise<{ status: number; detail: string } | null>;
  offer(input: string | { parsed: unknown }): Promise<RouteResponse>;
  inputHook(id: string, values: unknown[], token: string | null): Promise<{ status: number }>;
  openOutputs(
    id: string,
    token: unknown,
  ): Promise<{ status: 200; current: unknown[] | null } | { status: 403 | 404 | 503 }>;
  outputStream(id: string): AsyncGenerator<AdditionalOutputs, void, undefined>;
  outputValues(id: string): unknown[] | null;
  health(): Promise<RouteResponse>;
  acceptWebSocket(
    socket: WebSocket,
    transport: "websocket" | "telephone",
    contextSocket?: unknown,
  ): void;
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
  startCluster(): Promise<void>;
}
