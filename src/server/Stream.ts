import { networkInterfaces } from "node:os";
import type { WebSocket } from "ws";
import {
  ClusterUnavailableError,
  type Coordinator,
  createCoordinator,
  type OutputMessage,
  type RoutedCall,
  resolveCluster,
  type SlotClaim,
  workerSocketCount,
} from "../cluster/index.js";
import { GeneratorHandler } from "../handlers/GeneratorHandler.js";
import { AdditionalOutputs } from "../handlers/outputs.js";
import { StreamHandlerBase } from "../handlers/StreamHandler.js";
import { getLogger } from "../logger.js";
import type { TwilioParams } from "../transports/telephone/twilioSignature.js";
import { checkTrickledCandidate } from "../transports/webrtc/candidate.js";
import {
  assertMediaThreads,
  MediaThreadPool,
} from "../transports/webrtc/mediaThread/MediaThreadPool.js";
import { assertOpusSettings, type OpusEncoderSettings } from "../transports/webrtc/opus.js";
import { InvalidSdpError } from "../transports/webrtc/WebRtcConnection.js";
import type { RtcConfiguration } from "../transports/webrtc/webrtcTypes.js";
import type { InputComponent, OutputComponent } from "../ui/componentTypes.js";
import { type Clock, RealClock, realClock } from "../utils/clock.js";
import {
  type AppRequest,
  type AppSocket,
  type AppSocketEvents,
  appRequestSignedByTwilio,
  appSocketEvents,
  serveAppSocket,
} from "./appSockets.js";
import { type AppTwimlOptions, appTwiml } from "./appTwiml.js";
import { initialOutputValues, resolveInputs, resolveOutputs } from "./components.js";
import type { ConnectionEntry } from "./connectionEntry.js";
import { ConnectionTokens } from "./connectionTokens.js";
import { launchStream } from "./http/launch.js";
import { type MountTarget, mountStream } from "./http/mount.js";
import { type HeaderMap, requestOrigin } from "./http/request.js";
import { type OfferBody, parseOfferBody } from "./offerBody.js";
import { OutputsBus } from "./outputsBus.js";
import type { StreamEvents } from "./streamEvents.js";
import type {
  AuthRequest,
  LaunchedServer,
  LaunchOptions,
  Modality,
  MountOptions,
  RouteResponse,
  StreamMode,
  StreamOptions,
  UIArgs,
} from "./streamTypes.js";
import { resolveTelephone, type TelephoneConfig } from "./telephone.js";
import { WebRtcEntry } from "./webrtcEntry.js";
import { type RegisterResult, WebSocketEntry } from "./websocketEntry.js";

const log = getLogger("server");

const MODES: readonly StreamMode[] = ["send-receive", "send", "receive"];

/** Output released ahead of play time on WebSocket and telephone connections (jitter cover). */
const WEBSOCKET_SEND_AHEAD_MS = 100;

/**
 * An offered track of a kind the stream does not take (HTTP 500, as FastRTC).
 *
 * @example
 * ```ts
 * throw new UnsupportedTrackError("Unsupported track kind 'video' for modality 'audio'");
 * ```
 */
export class UnsupportedTrackError extends Error {
  override name = "UnsupportedTrackError";
}

/** A slot refusal as a WebSocket `start` answer. */
function socketRefusal(refused: RouteResponse): RegisterResult {
  const meta = (refused.body as { meta?: { error?: string } & Record<string, unknown> }).meta;
  const { error = "failed", ...extra } = meta ?? {};
  return { ok: false, error, extra };
}

/**
 * Loopback is offered as a host candidate only when the machine has no other IPv4 address
 * (werift skips loopback interfaces), so a server and browser on an offline machine still meet.
 */
function defaultHostAddresses(): string[] {
  const external = Object.values(networkInterfaces())
    .flat()
    .some((i) => i !== undefined && !i.internal && i.family === "IPv4");
  return external ? [] : ["127.0.0.1"];
}

function failed(error: string, extra: Record<string, unknown> = {}): RouteResponse {
  return { status: 200, body: { status: "failed", meta: { error, ...extra } } };
}

/** A refusal that a load balancer should retry elsewhere (draining, shared state unreachable). */
function unavailable(error: "server_draining" | "cluster_unavailable"): RouteResponse {
  const detail =
    error === "server_draining"
      ? "This server is shutting down; try again"
      : "The service's shared state (Redis) is unreachable; try again";
  return { status: 503, body: { status: "failed", meta: { error }, detail } };
}

function portRange(value: [number, number] | null | undefined): [number, number] | null {
  if (value === null || value === undefined) return null;
  const ok =
    Array.isArray(value) &&
    value.length === 2 &&
    value.every((p) => Number.isInteger(p) && p >= 1 && p <= 65535) &&
    value[0] <= value[1];
  if (!ok) {
    throw new RangeError(
      `udpPortRange must be [min, max] with integer ports 1..65535 and min <= max, got ${JSON.stringify(value)}`,
    );
  }
  return [value[0], value[1]];
}

/** How often a mirrored connection's owner is checked, so readers end if it died. */
const MIRROR_CHECK_MS = 5000;

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function positiveOrNull(value: number | null | undefined, name: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "number" || Number.isNaN(value) || value <= 0) {
    throw new RangeError(
      `${name} must be a positive number of seconds or null, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * A voice app: one handler served to many clients over WebRTC (and, later, WebSocket and the
 * telephone), with the built-in page. FastRTC's `Stream`, in TypeScript idiom.
 *
 * @example
 * ```ts
 * import { ReplyOnPause, Stream, type AudioChunk } from "fastrtc-ts";
 *
 * async function* echo(audio: AudioChunk) {
 *   yield audio;
 * }
 *
 * const stream = new Stream({ handler: new ReplyOnPause(echo), modality: "audio", mode: "send-receive" });
 * const server = await stream.launch({ port: 7860 });
 * console.log(`open ${server.url}`);
 * ```
 */
export class Stream {
  /** The handler given to the constructor (each connection gets a copy). */
  readonly handler: StreamHandlerBase;
  readonly mode: StreamMode;
  readonly modality: Modality;
  /** Most simultaneous connections (`Infinity` for none). */
  readonly concurrencyLimit: number;
  /** Seconds a connection may stay connected, or `null`. */
  readonly timeLimit: number | null;
  readonly allowExtraTracks: boolean;
  readonly uiArgs: UIArgs;
  readonly trackConstraints: Record<string, unknown> | null;
  /** Largest accepted request body, in bytes. */
  readonly maxBodyBytes: number;
  /** Largest accepted WebSocket message, in bytes. */
  readonly maxMessageBytes: number;
  /** The extra inputs, validated, with every name and value filled in. */
  readonly additionalInputs: readonly InputComponent[];
  /** The extra outputs, validated, with every name filled in. */
  readonly additionalOutputs: readonly OutputComponent[];
  /** True when `/input_hook` and `/outputs` are served. */
  readonly ioRoutes: boolean;
  /**
   * The telephone routes' settings (defaults applied), or `null` when they are off.
   *
   * @internal
   */
  readonly telephone: TelephoneConfig | null;
  readonly #options: StreamOptions;
  readonly #clock: Clock;
  readonly #connectTimeoutMs: number;
  readonly #inactivityTimeoutMs: number | null;
  readonly #tokens: ConnectionTokens;
  readonly #udpPortRange: [number, number] | null;
  readonly #opus: OpusEncoderSettings;
  readonly #mediaThreadCount: number;
  #mediaThreads: MediaThreadPool | null = null;
  readonly #entries = new Map<string, ConnectionEntry>();
  /** Sockets that have not sent `start` yet (they hold no slot). */
  readonly #sockets = new Set<WebSocketEntry>();
  readonly #listeners = new Map<keyof StreamEvents, Set<(event: never) => void>>();
  readonly #pending = new Set<Promise<unknown>>();
  readonly #outputs = new OutputsBus({
    beforePush: (id, outputs) => {
      if (this.#mirroring) return;
      this.#mergeOutputs(id, outputs);
      if (this.#cluster.kind !== "local") {
        this.#cluster.publish(id, {
          kind: "output",
          args: outputs.args,
          values: this.additionalOutputs.length > 0 ? (this.#outputValues.get(id) ?? null) : null,
        });
      }
    },
    onEnd: (id) => {
      this.#outputValues.delete(id);
      this.#remoteValues.delete(id);
      this.#mirrors.get(id)?.();
      // Entries are forgotten just before their outputs end: a recently closed id was ours.
      const ours = this.#entries.has(id) || this.#recentlyClosed.has(id);
      if (!this.#mirroring && this.#cluster.kind !== "local" && ours) {
        this.#cluster.publish(id, { kind: "end" });
      }
    },
  });
  /** Shared state: slots, routed calls, output fan-out (in-process unless clustered). */
  readonly #cluster: Coordinator;
  /** Outputs of connections owned elsewhere that readers here follow: id → stop following. */
  readonly #mirrors = new Map<string, () => void>();
  /** Current output values of connections owned elsewhere, as their owner published them. */
  readonly #remoteValues = new Map<string, unknown[]>();
  /** True while outputs received from another process are handed to local readers. */
  #mirroring = false;
  #draining: Promise<void> | null = null;
  /** Current values of the declared outputs, per connection. */
  readonly #outputValues = new Map<string, unknown[]>();
  readonly #closers = new Set<() => Promise<void>>();
  /** Ids of connections that ended recently (bounded), for `connection_closed` answers. */
  readonly #recentlyClosed = new Set<string>();
  #closed = false;

  /**
   * FastRTC's `stream.ui`: `stream.ui.launch(options)` is {@link Stream.launch}.
   */
  readonly ui: { launch: (options?: LaunchOptions) => Promise<LaunchedServer> };

  constructor(options: StreamOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError("new Stream(options) needs an options object with a handler");
    }
    const mode = options.mode ?? "send-receive";
    if (!MODES.includes(mode)) {
      throw new RangeError(`mode must be one of ${MODES.join(", ")}; got ${String(mode)}`);
    }
    const modality = options.modality ?? "audio";
    if (modality !== "audio") {
      throw new RangeError(
        `modality ${JSON.stringify(modality)} is not supported yet: fastrtc-ts streams audio only (use modality: "audio")`,
      );
    }
    this.mode = mode;
    this.modality = modality;
    this.handler = Stream.#resolveHandler(options.handler, mode);
    const limit = options.concurrencyLimit === undefined ? 10 : options.concurrencyLimit;
    if (limit !== null && (typeof limit !== "number" || Number.isNaN(limit) || limit < 1)) {
      throw new RangeError(
        `concurrencyLimit must be a number >= 1, Infinity or null; got ${String(limit)}`,
      );
    }
    this.concurrencyLimit = limit === null ? Number.POSITIVE_INFINITY : Math.floor(limit);
    this.timeLimit = positiveOrNull(options.timeLimit, "timeLimit");
    this.#connectTimeoutMs =
      (positiveOrNull(options.connectTimeout ?? 30, "connectTimeout") ?? 30) * 1000;
    const inactivity =
      options.inactivityTimeout === undefined
        ? 5
        : positiveOrNull(options.inactivityTimeout, "inactivityTimeout");
    this.#inactivityTimeoutMs = inactivity === null ? null : inactivity * 1000;
    this.#tokens = new ConnectionTokens(options.connectionTokens === true);
    this.#udpPortRange = portRange(options.udpPortRange);
    this.#opus = assertOpusSettings({
      ...(options.opusComplexity == null ? {} : { complexity: options.opusComplexity }),
      ...(options.opusApplication == null ? {} : { application: options.opusApplication }),
      ...(options.opusBitrate == null ? {} : { bitrate: options.opusBitrate }),
    });
    this.#mediaThreadCount =
      options.webrtcMediaThreads === undefined ? 0 : assertMediaThreads(options.webrtcMediaThreads);
    this.allowExtraTracks = options.allowExtraTracks ?? false;
    this.uiArgs = { ...(options.uiArgs ?? {}) };
    this.trackConstraints = options.trackConstraints ?? null;
    this.maxBodyBytes = positiveInteger(options.maxBodyBytes, 65_536, "maxBodyBytes");
    this.maxMessageBytes = positiveInteger(options.maxMessageBytes, 1 << 20, "maxMessageBytes");
    if (options.auth !== undefined && options.auth !== null && typeof options.auth !== "function") {
      throw new TypeError("auth must be a function (request) => boolean | {status, detail}");
    }
    this.telephone = resolveTelephone(options.telephone);
    this.additionalInputs = Object.freeze(resolveInputs(options.additionalInputs));
    this.additionalOutputs = Object.freeze(resolveOutputs(options.additionalOutputs));
    const merge = options.additionalOutputsHandler;
    if (merge !== undefined && merge !== null && typeof merge !== "function") {
      throw new TypeError(
        "additionalOutputsHandler must be a function (current, ...args) => values",
      );
    }
    this.ioRoutes =
      options.ioRoutes ?? (this.additionalInputs.length > 0 || this.additionalOutputs.length > 0);
    this.#clock = options.clock ?? realClock;
    if (this.#mediaThreadCount > 0 && !(this.#clock instanceof RealClock)) {
      throw new RangeError(
        "webrtcMediaThreads needs the real clock: media threads pace reply audio in real time (leave clock unset, or use webrtcMediaThreads: 0)",
      );
    }
    this.#options = options;
    this.#cluster = createCoordinator(resolveCluster(options.cluster));
    this.#cluster.serve((call) => this.#serveRouted(call));
    this.#cluster.onResync(() => [...this.#entries.keys()]);
    this.ui = { launch: (o) => this.launch(o) };
  }

  static #resolveHandler(handler: StreamOptions["handler"], mode: StreamMode): StreamHandlerBase {
    if (handler instanceof StreamHandlerBase) return handler;
    if (typeof handler === "function") {
      if (mode !== "receive") {
        throw new TypeError(
          `In the ${mode} mode for audio, the handler must be a StreamHandler, AsyncStreamHandler or ReplyOnPause instance; plain functions are for mode "receive"`,
        );
      }
      return new GeneratorHandler(handler);
    }
    throw new TypeError(
      "handler must be a StreamHandlerBase instance or, in receive mode, a generator function",
    );
  }

  /**
   * True when the handler takes typed turns, so the page shows a text field: it implements
   * `receiveText` and does not say otherwise (`ReplyOnPause` only with `acceptsText: true`).
   */
  get textTurns(): boolean {
    const h = this.handler as StreamHandlerBase & { acceptsText?: unknown };
    if (typeof h.acceptsText === "boolean") return h.acceptsText;
    return h.receiveText !== StreamHandlerBase.prototype.receiveText;
  }

  /**
   * True when `presented` may act on connection `id`: always without `connectionTokens`, else
   * only with the token the connection was given.
   *
   * @internal
   */
  checkConnectionToken(id: string, presented: unknown): boolean {
    return this.#tokens.check(id, presented);
  }

  /** True while a connection with this id holds a slot. */
  isLive(id: string): boolean {
    return this.#entries.has(id);
  }

  /** Number of live peer connections (each holds a concurrency slot). */
  get liveConnections(): number {
    return this.#entries.size;
  }

  /** The per-connection handler copies, by connection id (FastRTC's `stream.handlers`). */
  get handlers(): ReadonlyMap<string, StreamHandlerBase> {
    const map = new Map<string, StreamHandlerBase>();
    for (const [id, entry] of this.#entries) map.set(id, entry.handler);
    return map;
  }

  /** The client-side peer configuration, resolved (functions are called). */
  async resolveRtcConfiguration(): Promise<RtcConfiguration> {
    const source = this.#options.rtcConfiguration;
    if (source === null || source === undefined) return {};
    const value = typeof source === "function" ? await source() : source;
    return value ?? {};
  }

  /**
   * Handles a `POST /webrtc/offer` body (raw text, or an already parsed value): an offer or a
   * trickled ICE candidate. Returns FastRTC's status and JSON for every case (spec §2.1).
   *
   * @example
   * ```ts
   * const { status, body } = await stream.offer(await request.text());
   * ```
   */
  async offer(input: string | { parsed: unknown }): Promise<RouteResponse> {
    if (this.#closed) return { status: 503, body: { detail: "The stream is closed" } };
    const parsed = parseOfferBody(input);
    if (!parsed.ok) return { status: 422, body: { detail: parsed.detail } };
    const body = parsed.body;
    if (body.type === "ice-candidate") {
      if (!this.#entries.has(body.webrtc_id) && this.#cluster.kind !== "local") {
        const routed = await this.#route(body.webrtc_id, {
          op: "candidate",
          id: body.webrtc_id,
          body,
        });
        if (routed === "unavailable") return unavailable("cluster_unavailable");
        if (routed !== null) return routed.value as RouteResponse;
      }
      return this.#candidate(body);
    }
    if (this.#draining) return unavailable("server_draining");
    const work = this.#offer(body);
    this.#pending.add(work);
    try {
      return await work;
    } finally {
      this.#pending.delete(work);
    }
  }

  async #candidate(body: OfferBody): Promise<RouteResponse> {
    const entry = this.#entries.get(body.webrtc_id);
    if (!(entry instanceof WebRtcEntry)) {
      return failed(
        this.#recentlyClosed.has(body.webrtc_id) ? "connection_closed" : "unknown_connection",
      );
    }
    if (
      entry.closed ||
      entry.connection.state === "closed" ||
      entry.connection.state === "failed"
    ) {
      return failed("connection_closed");
    }
    if (!this.#tokens.check(body.webrtc_id, body.fastrtc_token)) {
      return { status: 403, body: { detail: "Invalid connection token" } };
    }
    const check = checkTrickledCandidate(body.candidate);
    if (!check.ok) return failed(check.error);
    try {
      await entry.connection.addIceCandidate(check.init);
      return { status: 200, body: { status: "success" } };
    } catch (err) {
      return failed(err instanceof Error ? err.message : String(err));
    }
  }

  async #offer(body: OfferBody): Promise<RouteResponse> {
    const id = body.webrtc_id;
    const existing = this.#entries.get(id);
    // An id whose media is registered, or whose first offer is still being answered, or that a
    // WebSocket uses, is taken.
    if (
      existing &&
      (!(existing instanceof WebRtcEntry) || existing.mediaRegistered || existing.negotiating)
    )
      return failed("connection_already_exists");
    if (existing) await existing.cleanup();
    if (this.#entries.size >= this.concurrencyLimit) {
      return failed("concurrency_limit_reached", { limit: this.concurrencyLimit });
    }
    if (typeof body.sdp !== "string" || body.sdp.length === 0) {
      return { status: 400, body: { detail: 'An offer needs an "sdp" string' } };
    }
    // The server's ICE configuration: an object, or a function called for each offer (fresh
    // TURN credentials); after an await the id and the limit are checked again.
    const serverSource = this.#options.serverRtcConfiguration;
    let serverRtc: RtcConfiguration;
    if (typeof serverSource === "function") {
      try {
        serverRtc = (await serverSource()) ?? {};
      } catch (err) {
        log.warn("serverRtcConfiguration failed", { err, id });
        return {
          status: 503,
          body: { detail: "The server's ICE configuration could not be obtained" },
        };
      }
      if (this.#entries.has(id)) return failed("connection_already_exists");
      if (this.#entries.size >= this.concurrencyLimit) {
        return failed("concurrency_limit_reached", { limit: this.concurrencyLimit });
      }
    } else {
      serverRtc = serverSource ?? {};
    }
    const refused = await this.#claim(id);
    if (refused) return refused;
    const serverIce = serverRtc.iceServers ?? [];
    const entry = new WebRtcEntry({
      id,
      handler: this.handler.copy(),
      mode: this.mode,
      clock: this.#clock,
      iceServers: serverIce,
      ...(serverRtc.iceTransportPolicy === "relay" ? { iceTransportPolicy: "relay" as const } : {}),
      inactivityTimeoutMs: this.#inactivityTimeoutMs,
      additionalHostAddresses: this.#options.additionalHostAddresses ?? defaultHostAddresses(),
      udpPortRange: this.#udpPortRange,
      opus: this.#opus,
      connectTimeoutMs: this.#connectTimeoutMs,
      timeLimitMs: this.timeLimit === null ? null : this.timeLimit * 1000,
      outputs: this.#outputs,
      events: (name, event) => this.#emit(name, event),
      // The page's latency readout (uiArgs.showLatency) reads the turn events.
      sendTurnMetrics: this.#options.sendTurnMetrics ?? this.uiArgs.showLatency === true,
      onCleanup: (e) => this.#forget(e),
      mediaThreads: this.#mediaThreadPool(),
    });
    entry.negotiating = true;
    this.#register(entry);
    this.#outputs.open(id);
    try {
      const media = await entry.connection.applyOffer(body.sdp);
      for (const m of media) {
        if (m.kind === "audio") entry.acceptAudio(m);
        else if (this.allowExtraTracks) entry.connection.ignore(m);
        else
          throw new UnsupportedTrackError(
            `Unsupported track kind '${m.kind}' for modality '${this.modality}'`,
          );
      }
      if (this.mode === "receive" && !entry.mediaRegistered) {
        throw new InvalidSdpError(
          "A receive-mode offer needs an audio section (addTransceiver('audio', { direction: 'recvonly' }))",
        );
      }
      entry.armConnectTimeout();
      const sdp = await entry.connection.createAnswer();
      entry.negotiating = false;
      if (entry.closed) return failed("connection_closed");
      log.debug("answered offer", { id });
      const token = this.#tokens.issue(id);
      return {
        status: 200,
        body: { sdp, type: "answer", ...(token === null ? {} : { fastrtc_token: token }) },
      };
    } catch (err) {
      entry.negotiating = false;
      await entry.cleanup();
      if (err instanceof InvalidSdpError) return { status: 400, body: { detail: err.message } };
      if (err instanceof UnsupportedTrackError)
        return { status: 500, body: { detail: err.message } };
      log.error("offer failed", { id, err });
      return { status: 500, body: { detail: "Internal Server Error" } };
    }
  }

  #register(entry: ConnectionEntry): void {
    this.#entries.set(entry.id, entry);
    this.#recentlyClosed.delete(entry.id);
    this.#emit("connect", { id: entry.id, transport: entry.transport });
  }

  /** The refusal for a slot claim that failed, or `null` when the slot is ours. */
  #refusal(claim: SlotClaim): RouteResponse | null {
    if (claim.ok) return null;
    if (claim.reason === "taken") return failed("connection_already_exists");
    if (claim.reason === "full") {
      return failed("concurrency_limit_reached", { limit: this.concurrencyLimit });
    }
    return unavailable("cluster_unavailable");
  }

  /**
   * Claims the slot of `id` service-wide (at once in-process; across processes through the
   * coordinator). `null` when it is ours, else the answer to send.
   */
  async #claim(id: string): Promise<RouteResponse | null> {
    const pending = this.#cluster.claim(id, this.concurrencyLimit);
    if (!(pending instanceof Promise)) return this.#refusal(pending);
    const claim = await pending;
    const refused = this.#refusal(claim);
    if (refused) return refused;
    if (this.#closed || this.#draining || this.#entries.has(id)) {
      if (!this.#entries.has(id)) this.#cluster.release(id);
      return this.#entries.has(id)
        ? failed("connection_already_exists")
        : unavailable("server_draining");
    }
    return null;
  }

  /**
   * Runs `call` on the process that owns `id` when that is another process. `null` when no
   * other process owns it (or the stream is not clustered), `"unavailable"` when the shared
   * state or the owner cannot be reached.
   */
  async #route(id: string, call: RoutedCall): Promise<{ value: unknown } | "unavailable" | null> {
    if (this.#cluster.kind === "local") return null;
    try {
      const owner = await this.#cluster.owner(id);
      if (owner === null || owner === this.#cluster.nodeId) return null;
      return { value: await this.#cluster.call(owner, call) };
    } catch (err) {
      if (err instanceof ClusterUnavailableError) {
        log.warn("routed call failed", { op: call.op, id, err: err.message });
        return "unavailable";
      }
      throw err;
    }
  }

  /** Answers a call routed here from another process, about a connection of this one. */
  async #serveRouted(call: RoutedCall): Promise<unknown> {
    const id = call.id;
    switch (call.op) {
      case "candidate":
        return this.#candidate(call.body as OfferBody);
      case "inputHook":
        return this.#localInputHook(id, call.values, call.token);
      case "setInput":
        return this.#setLocalInput(id, call.args);
      case "update": {
        const entry = this.#entries.get(id);
        return entry ? entry.send({ type: "update_connection", data: call.state }) : false;
      }
      case "close": {
        const entry = this.#entries.get(id);
        if (!entry) return false;
        await entry.cleanup();
        return true;
      }
      case "outputValues":
        return this.outputValues(id);
      case "checkToken":
        return this.#entries.has(id) && this.#tokens.check(id, call.token);
    }
  }

  #forget(entry: ConnectionEntry): void {
    if (this.#entries.get(entry.id) !== entry) return;
    this.#cluster.release(entry.id);
    this.#entries.delete(entry.id);
    this.#tokens.forget(entry.id);
    this.#recentlyClosed.add(entry.id);
    if (this.#recentlyClosed.size > 1024) {
      const oldest = this.#recentlyClosed.values().next().value;
      if (oldest !== undefined) this.#recentlyClosed.delete(oldest);
    }
    this.#emit("disconnect", { id: entry.id, transport: entry.transport });
  }

  /**
   * Listens to a stream event: `connect`, `disconnect`, `interrupted`, `dtmf`. Listener errors
   * are logged, never thrown into the stream.
   *
   * @returns a function that removes the listener.
   * @example
   * ```ts
   * stream.on("interrupted", ({ id, playedMs }) => console.log(id, "heard", playedMs, "ms"));
   * ```
   */
  on<K extends keyof StreamEvents>(
    name: K,
    listener: (event: StreamEvents[K]) => void,
  ): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    const l = listener as (event: never) => void;
    set.add(l);
    return () => this.off(name, listener);
  }

  /**
   * Removes a listener added with {@link Stream.on}.
   *
   * @example
   * ```ts
   * stream.off("dtmf", onDigit);
   * ```
   */
  off<K extends keyof StreamEvents>(name: K, listener: (event: StreamEvents[K]) => void): void {
    this.#listeners.get(name)?.delete(listener as (event: never) => void);
  }

  #emit<K extends keyof StreamEvents>(name: K, event: StreamEvents[K]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const l of [...set]) {
      try {
        (l as (e: StreamEvents[K]) => void)(event);
      } catch (err) {
        log.warn("stream event listener failed", { err, event: name });
      }
    }
  }

  /**
   * Runs the `auth` hook for a request: `null` lets it in, else the refusal to answer with.
   *
   * @internal
   */
  async authorize(
    transport: AuthRequest["transport"],
    pathAndQuery: string,
    headers: HeaderMap,
    secure: boolean,
  ): Promise<{ status: number; detail: string } | null> {
    const hook = this.#options.auth;
    if (!hook) return null;
    const origin = requestOrigin(headers, secure) ?? "http://localhost";
    let url: URL;
    try {
      url = new URL(pathAndQuery, origin);
    } catch {
      return { status: 400, detail: "Bad request URL" };
    }
    try {
      const decision = await hook({ transport, url, headers });
      if (decision === true) return null;
      if (decision === false) return { status: 401, detail: "Unauthorized" };
      if (
        typeof decision === "object" &&
        decision !== null &&
        Number.isInteger(decision.status) &&
        decision.status >= 400 &&
        decision.status <= 599
      ) {
        return { status: decision.status, detail: String(decision.detail ?? "Unauthorized") };
      }
      log.error("auth hook returned an invalid decision", { decision });
      return { status: 500, detail: "Invalid auth decision" };
    } catch (err) {
      log.error("auth hook failed", { err });
      return { status: 500, detail: "Internal Server Error" };
    }
  }

  /**
   * Serves an accepted WebSocket (`/websocket/offer` or `/telephone/handler`) until it closes.
   *
   * @internal
   */
  acceptWebSocket(
    socket: WebSocket,
    transport: "websocket" | "telephone",
    contextSocket?: unknown,
  ): void {
    if (this.#closed) {
      socket.close(1001, "stream closed");
      return;
    }
    const entry = new WebSocketEntry(socket, {
      transport,
      handler: this.handler,
      clock: this.#clock,
      startTimeoutMs: this.#connectTimeoutMs,
      inactivityTimeoutMs: this.#inactivityTimeoutMs,
      timeLimitMs: this.timeLimit === null ? null : this.timeLimit * 1000,
      sendAheadMs: WEBSOCKET_SEND_AHEAD_MS,
      outputs: this.#outputs,
      events: (name, event) => this.#emit(name, event),
      sendTurnMetrics: this.#options.sendTurnMetrics ?? false,
      register: (e) => this.#registerSocket(e),
      onCleanup: (e) => this.#forget(e),
      ...(contextSocket === undefined ? {} : { contextSocket }),
    });
    this.#sockets.add(entry);
    socket.once("close", () => this.#sockets.delete(entry));
  }

  /**
   * Serves a Twilio Media Streams WebSocket accepted by the app's own route (FastRTC's
   * `await stream.telephone_handler(websocket)`), exactly as `/telephone/handler`: the
   * `X-Twilio-Signature` of `request` is checked when an auth token is configured, then phone
   * mode, a slot, real-time pacing, `clear`/`mark` barge-in, `dtmf` events and cleanup. The
   * upgrade has already happened, so a bad signature closes the socket with 1008 (policy
   * violation, reason `403 ...`); for a plain HTTP 403 call {@link Stream.checkTwilioRequest}
   * before upgrading. Returns at once; the call is served until the socket closes.
   *
   * @param socket - `ws`'s WebSocket (plain `ws`, Express with `ws`, `@fastify/websocket`), Hono's
   * `WSContext` on `@hono/node-server`, or a DOM-style socket.
   * @param request - the upgrade request (`IncomingMessage`, Fastify request, Fetch `Request`);
   * required when an auth token is configured.
   * @example
   * ```ts
   * const wss = new WebSocketServer({ server, path: "/media-stream" });
   * wss.on("connection", (socket, req) => stream.telephoneHandler(socket, req));
   * // Fastify: app.get("/media-stream", { websocket: true }, (socket, req) => stream.telephoneHandler(socket, req));
   * ```
   */
  telephoneHandler(socket: AppSocket, request?: AppRequest): void {
    serveAppSocket(this, "telephone", socket, request);
  }

  /**
   * Serves a WebSocket of FastRTC's `/websocket/offer` protocol accepted by the app's own route
   * (FastRTC's `await stream.websocket_offer(websocket)`): the `auth` hook runs on `request`
   * (a refusal closes the socket with 1008, reason `401 ...`), then as `/websocket/offer`.
   *
   * @example
   * ```ts
   * app.get("/ws", { websocket: true }, (socket, req) => stream.websocketHandler(socket, req));
   * ```
   */
  websocketHandler(socket: AppSocket, request?: AppRequest): void {
    serveAppSocket(this, "websocket", socket, request);
  }

  /**
   * {@link Stream.telephoneHandler} as Hono `upgradeWebSocket` callbacks, for any Hono runtime.
   *
   * @example
   * ```ts
   * app.get("/media-stream", upgradeWebSocket((c) => stream.telephoneEvents(c.req.raw)));
   * ```
   */
  telephoneEvents(request?: AppRequest): AppSocketEvents {
    return appSocketEvents(this, "telephone", request);
  }

  /**
   * Checks the `X-Twilio-Signature` of a request to the app's own routes (the voice webhook with
   * its form `params`, or a Media Streams upgrade), against `telephone.publicUrl` or the request's
   * host. Always true without an auth token (`telephone.authToken` / `TWILIO_AUTH_TOKEN`).
   *
   * @example
   * ```ts
   * app.post("/incoming-call", express.urlencoded({ extended: false }), (req, res) => {
   *   if (!stream.checkTwilioRequest(req, req.body)) return res.sendStatus(403);
   *   res.type("application/xml").send(stream.twiml({ streamUrl: "/media-stream", request: req }));
   * });
   * ```
   */
  checkTwilioRequest(request: AppRequest, params?: TwilioParams): boolean {
    const form: Record<string, string | string[]> = {};
    if (params instanceof URLSearchParams) {
      for (const [k, v] of params) {
        const prev = form[k];
        form[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
      }
    } else if (params) {
      for (const [k, v] of Object.entries(params)) form[k] = typeof v === "string" ? v : [...v];
    }
    return appRequestSignedByTwilio(this.telephone, request, form);
  }

  /**
   * The TwiML an app's own `/incoming-call` route answers with: `<Say>`, `<Connect><Stream>` to
   * the app's Media Streams route with `<Parameter>`s (`call: req.body` passes the caller's
   * `From`/`To`), goodbye. Every value is XML-escaped.
   *
   * @throws TypeError for an unusable URL or parameter (see `buildStreamTwiml`).
   * @example
   * ```ts
   * res.type("application/xml").send(
   *   stream.twiml({ streamUrl: "/media-stream", request: req, say: "Connecting you.", call: req.body }),
   * );
   * ```
   */
  twiml(options: AppTwimlOptions): string {
    return appTwiml(this.telephone, options);
  }

  #registerSocket(entry: WebSocketEntry): RegisterResult | Promise<RegisterResult> {
    this.#sockets.delete(entry);
    if (this.#closed) return { ok: false, error: "stream_closed" };
    if (this.#draining) return { ok: false, error: "server_draining" };
    if (this.mode !== "send-receive") {
      return { ok: false, error: "unsupported_mode", extra: { mode: this.mode } };
    }
    if (this.#entries.has(entry.id)) return { ok: false, error: "connection_already_exists" };
    if (this.#entries.size >= this.concurrencyLimit) {
      return {
        ok: false,
        error: "concurrency_limit_reached",
        extra: { limit: this.concurrencyLimit },
      };
    }
    const claim = this.#cluster.claim(entry.id, this.concurrencyLimit);
    if (!(claim instanceof Promise)) return this.#socketClaimed(entry, claim);
    // Across processes the claim takes a round trip; the entry holds the socket's messages.
    return claim.then((c) => {
      if (c.ok && (this.#closed || this.#draining || entry.closed)) {
        this.#cluster.release(entry.id);
        return { ok: false, error: this.#closed ? "stream_closed" : "server_draining" };
      }
      if (c.ok && this.#entries.has(entry.id)) {
        return { ok: false, error: "connection_already_exists" };
      }
      return this.#socketClaimed(entry, c);
    });
  }

  #socketClaimed(entry: WebSocketEntry, claim: SlotClaim): RegisterResult {
    const refused = this.#refusal(claim);
    if (refused) return socketRefusal(refused);
    this.#register(entry);
    this.#issueSocketToken(entry);
    return { ok: true };
  }

  #issueSocketToken(entry: WebSocketEntry): void {
    const token = this.#tokens.issue(entry.id);
    if (token !== null) {
      entry.send({ type: "log", data: "connection_token", meta: { fastrtc_token: token } });
    }
  }

  /**
   * Gives a connection its inputs (FastRTC's `set_input`): the handler's `latestArgs` become
   * `["__webrtc_value__", ...args]` and a pending `waitForArgs()` resolves. Unknown ids are
   * ignored; returns whether the id was live.
   *
   * @example
   * ```ts
   * stream.setInput(webrtcId, "formal", 0.7);
   * ```
   */
  setInput(id: string, ...args: unknown[]): boolean | Promise<boolean> {
    if (this.#entries.has(id) || this.#cluster.kind === "local" || args.length === 0) {
      return this.#setLocalInput(id, args);
    }
    return this.#route(id, { op: "setInput", id, args }).then(
      (r) => r !== null && r !== "unavailable" && r.value === true,
    );
  }

  #setLocalInput(id: string, args: unknown[]): boolean {
    const entry = this.#entries.get(id);
    if (!entry || args.length === 0) return false;
    entry.handler.setArgs(args);
    return true;
  }

  /** `/input_hook` on the process that owns `id`: token check, then the inputs. */
  #localInputHook(id: string, values: unknown[], token: string | null): { status: number } {
    if (!this.#entries.has(id)) return { status: 404 };
    if (!this.#tokens.check(id, token ?? undefined)) return { status: 403 };
    return { status: this.#setLocalInput(id, values) ? 200 : 404 };
  }

  /**
   * `/input_hook` for `id` wherever it lives: 200, 403 (wrong token), 404 (not live anywhere)
   * or 503 (the shared state or the owner cannot be reached).
   *
   * @internal
   */
  async inputHook(
    id: string,
    values: unknown[],
    token: string | null,
  ): Promise<{ status: number }> {
    if (this.#entries.has(id) || this.#cluster.kind === "local") {
      return this.#localInputHook(id, values, token);
    }
    const routed = await this.#route(id, { op: "inputHook", id, values, token });
    if (routed === "unavailable") return { status: 503 };
    if (routed === null) return { status: 404 };
    return routed.value as { status: number };
  }

  /**
   * Opens `/outputs` for `id` wherever it lives: the current values to send first, or the
   * status to refuse with (403 wrong token, 404 not live anywhere, 503 unreachable).
   *
   * @internal
   */
  async openOutputs(
    id: string,
    token: unknown,
  ): Promise<{ status: 200; current: unknown[] | null } | { status: 403 | 404 | 503 }> {
    if (this.#entries.has(id) || this.#cluster.kind === "local") {
      if (!this.#entries.has(id)) return { status: 404 };
      if (!this.#tokens.check(id, token)) return { status: 403 };
      return { status: 200, current: this.outputValues(id) };
    }
    const t = typeof token === "string" ? token : null;
    const allowed = await this.#route(id, { op: "checkToken", id, token: t });
    if (allowed === "unavailable") return { status: 503 };
    if (allowed === null) return { status: 404 };
    if (allowed.value !== true) return { status: 403 };
    this.#mirror(id);
    const values = await this.#route(id, { op: "outputValues", id });
    const current = values !== null && values !== "unavailable" ? values.value : null;
    if (Array.isArray(current)) this.#remoteValues.set(id, current);
    return { status: 200, current: Array.isArray(current) ? current : null };
  }

  /**
   * Follows the outputs of a connection owned by another process, so readers here get them;
   * stops when it ends (or its owner is gone).
   */
  #mirror(id: string): void {
    if (this.#cluster.kind === "local" || this.#entries.has(id) || this.#mirrors.has(id)) return;
    const unsubscribe = this.#cluster.subscribe(id, (message: OutputMessage) => {
      // The connection came here after all: its outputs already reach local readers directly.
      if (this.#entries.has(id)) return;
      this.#mirroring = true;
      try {
        if (message.kind === "output") {
          if (message.values) this.#remoteValues.set(id, message.values);
          this.#outputs.push(id, new AdditionalOutputs(...message.args));
        } else {
          this.#outputs.end(id);
        }
      } finally {
        this.#mirroring = false;
      }
    });
    let seenOwner = false;
    const check = setInterval(() => {
      Promise.resolve(this.#cluster.owner(id))
        .then((owner) => {
          if (owner !== null) seenOwner = true;
          else if (seenOwner && !this.#entries.has(id)) this.#outputs.end(id);
        })
        .catch(() => {});
    }, MIRROR_CHECK_MS);
    check.unref();
    this.#mirrors.set(id, () => {
      this.#mirrors.delete(id);
      clearInterval(check);
      unsubscribe();
    });
  }

  /**
   * The `AdditionalOutputs` of a connection as they are produced; ends when the connection ends
   * (also when it already ended).
   *
   * @example
   * ```ts
   * for await (const out of stream.outputStream(webrtcId)) send(out.args);
   * ```
   */
  outputStream(id: string): AsyncGenerator<AdditionalOutputs, void, undefined> {
    this.#mirror(id);
    return this.#outputs.stream(id);
  }

  /**
   * The current values of the declared `additionalOutputs` of a connection (after
   * `additionalOutputsHandler`), or `null` for unknown ids or when no outputs are declared.
   *
   * @example
   * ```ts
   * const [chat] = stream.outputValues(webrtcId) ?? [];
   * ```
   */
  outputValues(id: string): unknown[] | null {
    if (this.additionalOutputs.length === 0) return null;
    if (!this.#entries.has(id)) return this.#remoteValues.get(id) ?? null;
    return this.#outputValues.get(id) ?? initialOutputValues(this.additionalOutputs);
  }

  #mergeOutputs(id: string, outputs: AdditionalOutputs): void {
    const declared = this.additionalOutputs;
    if (declared.length === 0) return;
    const current = this.#outputValues.get(id) ?? initialOutputValues(declared);
    const merge = this.#options.additionalOutputsHandler;
    let next: unknown[];
    try {
      const out = merge ? merge([...current], ...outputs.args) : outputs.args;
      next = Array.isArray(out) ? out : [out];
    } catch (err) {
      log.warn("additionalOutputsHandler failed; outputs kept as they were", { err, id });
      return;
    }
    this.#outputValues.set(
      id,
      declared.map((_, i) => (i < next.length ? next[i] : current[i])),
    );
  }

  /**
   * Waits for the next `AdditionalOutputs` of a connection.
   *
   * @throws Error after `timeoutMs` (default 10 s, as FastRTC) or when the connection ends.
   * @example
   * ```ts
   * const out = await stream.fetchLatestOutput(webrtcId);
   * ```
   */
  fetchLatestOutput(id: string, timeoutMs = 10_000): Promise<AdditionalOutputs> {
    this.#mirror(id);
    return this.#outputs.next(id, timeoutMs);
  }

  /**
   * Tells a client to close (`"closed"`) or reopen (`"open"`) its connection, with
   * `{"type":"update_connection","data":...}`. Returns false for unknown ids.
   *
   * @example
   * ```ts
   * await stream.updateConnection(webrtcId, "closed");
   * ```
   */
  async updateConnection(id: string, state: "open" | "closed"): Promise<boolean> {
    const entry = this.#entries.get(id);
    if (!entry) {
      const routed = await this.#route(id, { op: "update", id, state });
      return routed !== null && routed !== "unavailable" && routed.value === true;
    }
    return entry.send({ type: "update_connection", data: state });
  }

  /**
   * Ends one connection now (as if the client had left). Returns false for unknown ids.
   *
   * @example
   * ```ts
   * await stream.closeConnection(webrtcId);
   * ```
   */
  async closeConnection(id: string): Promise<boolean> {
    const entry = this.#entries.get(id);
    if (!entry) {
      const routed = await this.#route(id, { op: "close", id });
      return routed !== null && routed !== "unavailable" && routed.value === true;
    }
    await entry.cleanup();
    return true;
  }

  /**
   * Adds the routes to an app: `POST {path}/webrtc/offer`, `GET|POST {path}/telephone/incoming`
   * (unless `telephone: false`), the WebSockets `{path}/websocket/offer` and
   * `{path}/telephone/handler`, and the page at `{path}/` only when `ui` is true (left out: no
   * page, and one warning per stream saying so; `ui: false` silences it). Works with Hono,
   * Express, Fastify and a plain `node:http` server. The WebSocket routes need the HTTP server:
   * it is known for `node:http` and Fastify; pass `{ server }` for Express and Hono.
   *
   * @example
   * ```ts
   * const app = express();
   * const server = createServer(app);
   * stream.mount(app, { path: "/api", ui: true, server }); // the page at /api/
   * server.listen(8000);
   * ```
   */
  mount(app: MountTarget, options: MountOptions = {}): void {
    mountStream(this, app, options);
  }

  /**
   * Serves the built-in page at "/" and every route on a new HTTP server.
   *
   * @example
   * ```ts
   * const server = await stream.launch({ port: 7860 });
   * // ... later
   * await server.close();
   * ```
   */
  async launch(options: LaunchOptions = {}): Promise<LaunchedServer> {
    const server = await launchStream(this, options);
    const close = server.close;
    this.#closers.add(close);
    return {
      ...server,
      close: async () => {
        this.#closers.delete(close);
        await close();
        await this.close();
      },
    };
  }

  /**
   * Stops taking connections and waits until the live ones end (at most `timeoutMs`), then
   * closes the stream ({@link Stream.close}). Meanwhile new offers get 503 with
   * `{"status":"failed","meta":{"error":"server_draining"}}`, new sockets that failure message,
   * and {@link Stream.health} answers 503 so a load balancer sends no one here.
   *
   * @example
   * ```ts
   * process.once("SIGTERM", () => void stream.drain(30_000).then(() => process.exit(0)));
   * ```
   */
  drain(timeoutMs = 30_000): Promise<void> {
    this.#draining ??= (async () => {
      log.info("draining", { live: this.#entries.size, timeoutMs });
      const deadline = Date.now() + timeoutMs;
      while (this.#entries.size > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, Math.min(200, Math.max(1, deadline - Date.now()))));
      }
      if (this.#entries.size > 0)
        log.info("drain time is up; ending", { live: this.#entries.size });
      await this.close();
    })();
    return this.#draining;
  }

  /** True once {@link Stream.drain} was called. */
  get draining(): boolean {
    return this.#draining !== null;
  }

  /** This process's id in the service (`cluster`), e.g. for logs. */
  get nodeId(): string {
    return this.#cluster.nodeId;
  }

  /**
   * The readiness of this process, as `GET {path}/health` answers it: 200 while it takes new
   * connections; 503 while draining, closed, or cut off from the service's shared state.
   * In a worker of `launch({ workers })` the body also has `sockets`: the TCP connections the
   * worker holds open (this request's included), the figure its primary balances on.
   *
   * @example
   * ```ts
   * const { status, body } = await stream.health();
   * ```
   */
  async health(): Promise<RouteResponse> {
    const status = this.#closed
      ? "closed"
      : this.#draining
        ? "draining"
        : this.#cluster.kind === "redis" && !this.#cluster.available
          ? "cluster_unavailable"
          : "ok";
    let total: number | null = null;
    if (status === "ok") {
      try {
        total = await this.#cluster.count();
      } catch {
        total = null;
      }
    }
    const sockets = workerSocketCount();
    return {
      status: status === "ok" ? 200 : 503,
      body: {
        status,
        node: this.#cluster.nodeId,
        pid: process.pid,
        cluster: this.#cluster.kind,
        connections: this.#entries.size,
        ...(total === null ? {} : { serviceConnections: total }),
        ...(sockets === null ? {} : { sockets }),
        concurrencyLimit: Number.isFinite(this.concurrencyLimit) ? this.concurrencyLimit : null,
      },
    };
  }

  /** Connects to the service's shared state now (Redis) instead of at the first connection. */
  async startCluster(): Promise<void> {
    await this.#cluster.start();
  }

  /** Ends every connection, frees every resource and stops servers started by `launch`. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#pending]);
    await Promise.allSettled(
      [...this.#entries.values(), ...this.#sockets].map((e) => e.cleanup(1001)),
    );
    this.#outputs.endAll();
    for (const stop of [...this.#mirrors.values()]) stop();
    const closers = [...this.#closers];
    this.#closers.clear();
    await Promise.allSettled(closers.map((c) => c()));
    await this.#mediaThreads?.close();
    await this.#cluster.close();
  }

  /** The media threads, started on first use; null when peers run on this thread. */
  #mediaThreadPool(): MediaThreadPool | null {
    if (this.#mediaThreadCount === 0) return null;
    this.#mediaThreads ??= new MediaThreadPool(this.#mediaThreadCount);
    return this.#mediaThreads;
  }
}
