/**
 * WebSockets accepted by an app's own routes (FastRTC's `await stream.telephone_handler(websocket)`
 * on a custom `/media-stream` route): the socket objects of `ws`, `@fastify/websocket` and Hono,
 * the request objects of `node:http`, Express, Fastify and the Fetch API, and the path from them to
 * the same {@link WebSocketEntry} the built-in `/telephone/handler` and `/websocket/offer` use.
 *
 * The built-in routes check the Twilio signature (or run the `auth` hook) before the upgrade and
 * refuse with a plain HTTP 403/401. On an app's route the upgrade has already happened when the
 * handler is called, so a refusal can only close the socket: with code 1008 ("policy violation",
 * RFC 6455 §7.4.1), the reason carrying the HTTP status that would have been sent. Apps that want a
 * real HTTP 403 call `stream.checkTwilioRequest(request)` before upgrading (Fastify `preValidation`,
 * a Hono middleware, a `ws` upgrade listener).
 */
import { EventEmitter } from "node:events";
import type { WebSocket } from "ws";
import { getLogger } from "../logger.js";
import { CLOSE_CODES } from "../transports/websocket/wsMessages.js";
import {
  type HeaderMap,
  isTlsRequest,
  type NodeRequestLike,
  nodeHeaders,
  parseRequestTarget,
  webHeaders,
} from "./http/request.js";
import type { StreamHost } from "./http/streamHost.js";
import { type TelephoneConfig, twilioRequestAllowed } from "./telephone.js";

const log = getLogger("server");

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/**
 * A socket with Node-style events: `ws`'s `WebSocket` (plain `ws`, Express with `ws`,
 * `@fastify/websocket`, the `raw` socket of Hono's `@hono/node-server`).
 *
 * @example
 * ```ts
 * wss.on("connection", (socket: EventEmitterSocket, req) => stream.telephoneHandler(socket, req));
 * ```
 */
export interface EventEmitterSocket {
  readonly readyState: number;
  readonly bufferedAmount?: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // biome-ignore lint/suspicious/noExplicitAny: listeners of every socket library must fit.
  on(event: string, listener: (...args: any[]) => void): unknown;
  terminate?(): void;
  ping?(data?: unknown, mask?: boolean, cb?: (err?: Error) => void): void;
}

/**
 * A socket with DOM-style events (`addEventListener`), as in Deno or a browser-like runtime.
 *
 * @example
 * ```ts
 * const { socket, response } = Deno.upgradeWebSocket(req);
 * stream.telephoneHandler(socket as DomSocket, req);
 * ```
 */
export interface DomSocket {
  readonly readyState: number;
  readonly bufferedAmount?: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: { data?: unknown }) => void): void;
}

/**
 * Hono's `WSContext` (the second argument of `upgradeWebSocket`'s `onOpen`): its `raw` socket
 * carries the events when it is one of the kinds above (`@hono/node-server`: a `ws` socket).
 * Elsewhere use {@link Stream.telephoneEvents}.
 *
 * @example
 * ```ts
 * upgradeWebSocket((c) => ({ onOpen: (_e, ws: WsContextLike) => stream.telephoneHandler(ws, c.req.raw) }));
 * ```
 */
export interface WsContextLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  readonly raw?: unknown;
}

/**
 * Any socket {@link Stream.telephoneHandler} and {@link Stream.websocketHandler} accept.
 *
 * @example
 * ```ts
 * fastify.get("/media-stream", { websocket: true }, (socket: AppSocket, req) => stream.telephoneHandler(socket, req));
 * ```
 */
export type AppSocket = EventEmitterSocket | DomSocket | WsContextLike;

/**
 * The request that opened the socket: a `node:http` `IncomingMessage` (`ws`, Express), a Fastify
 * request, or a Fetch API `Request` (Hono's `c.req.raw`). Only the URL, headers and TLS state are
 * read.
 *
 * @example
 * ```ts
 * wss.on("connection", (socket, req: AppRequest) => stream.telephoneHandler(socket, req));
 * ```
 */
export type AppRequest =
  | (NodeRequestLike & { url?: string; raw?: NodeRequestLike })
  | { url: string; headers: Headers };

/**
 * Hono-style WebSocket event callbacks ({@link Stream.telephoneEvents}).
 *
 * @example
 * ```ts
 * app.get("/media-stream", upgradeWebSocket((c) => stream.telephoneEvents(c.req.raw)));
 * ```
 */
export interface AppSocketEvents {
  onOpen(event: unknown, ws: WsContextLike): void;
  onMessage(event: { data: unknown }, ws: WsContextLike): void;
  onClose(event: unknown, ws: WsContextLike): void;
  onError(event: unknown, ws: WsContextLike): void;
}

/** A request as the checks read it. */
interface DescribedRequest {
  pathAndQuery: string;
  headers: HeaderMap;
  secure: boolean;
}

/**
 * Reads path, query, headers and TLS from any {@link AppRequest}; `null` when unusable.
 *
 * @internal
 */
export function describeAppRequest(
  request: AppRequest | null | undefined,
): DescribedRequest | null {
  if (request === null || typeof request !== "object") return null;
  const rawHeaders = (request as { headers?: unknown }).headers;
  let headers: HeaderMap;
  if (typeof Headers !== "undefined" && rawHeaders instanceof Headers) {
    headers = webHeaders(rawHeaders);
  } else if (rawHeaders !== null && typeof rawHeaders === "object") {
    headers = nodeHeaders({ headers: rawHeaders as NodeRequestLike["headers"] });
  } else {
    return null;
  }
  const url = (request as { url?: unknown }).url;
  const target = parseRequestTarget(typeof url === "string" ? url : "/");
  if (!target) return null;
  const raw = (request as { raw?: NodeRequestLike }).raw;
  const secure =
    isTlsRequest(request as NodeRequestLike) ||
    (raw !== undefined && raw !== null && isTlsRequest(raw)) ||
    (typeof url === "string" && /^(?:https|wss):/i.test(url));
  return { pathAndQuery: `${target.pathname}${target.search}`, headers, secure };
}

/**
 * The Twilio signature check of an app route's request (`ws` scheme for a WebSocket upgrade, else
 * `http`): always true without an auth token.
 *
 * @internal
 */
export function appRequestSignedByTwilio(
  config: TelephoneConfig | null,
  request: AppRequest | null | undefined,
  params: Record<string, string | string[]> = {},
): boolean {
  if (config === null || config.authToken === null) return true;
  const described = describeAppRequest(request);
  if (!described) return false;
  const upgrade = described.headers.upgrade?.toLowerCase() === "websocket";
  return twilioRequestAllowed(config, { ...described, params }, upgrade ? "ws" : "http");
}

function isFunction(value: unknown): value is (...args: never[]) => unknown {
  return typeof value === "function";
}

type Queued =
  | { kind: "message"; data: Buffer; isBinary: boolean }
  | { kind: "close" | "error"; err?: unknown };

/**
 * Presents any {@link AppSocket} as the subset of `ws`'s `WebSocket` a {@link WebSocketEntry}
 * uses (events, `readyState` and its constants, `bufferedAmount`, `send`, `close`, `terminate`,
 * `ping`). Events are held until {@link SocketAdapter.release}, so nothing is lost while an
 * `auth` hook runs.
 *
 * @internal
 */
export class SocketAdapter extends EventEmitter {
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSING = CLOSING;
  readonly CLOSED = CLOSED;
  /** The object the app gave (what handler code sees as `getCurrentContext().websocket`). */
  readonly original: unknown;
  readonly #target: EventEmitterSocket | DomSocket | WsContextLike;
  #held: Queued[] | null = [];
  #closed = false;

  /**
   * @param socket - the app's socket.
   * @param push - the events come through {@link SocketAdapter.push} (Hono callbacks), not from
   * the socket itself.
   * @throws TypeError for an object that is not a socket.
   */
  constructor(socket: AppSocket, push = false) {
    super();
    if (socket === null || typeof socket !== "object" || !isFunction(socket.send)) {
      throw new TypeError(
        "expected a WebSocket (ws, @fastify/websocket, Hono's WSContext or a DOM-style socket)",
      );
    }
    this.original = socket;
    const raw = (socket as WsContextLike).raw as Partial<EventEmitterSocket> | undefined;
    const target: AppSocket =
      !push && !isFunction((socket as EventEmitterSocket).on) && raw && isFunction(raw.on)
        ? (raw as EventEmitterSocket)
        : socket;
    this.#target = target;
    if (push) {
      // Hono's callbacks carry no pongs: take them from the raw socket when it has events.
      if (raw && isFunction(raw.on)) raw.on("pong", () => this.emit("pong"));
      return;
    }
    if (isFunction((target as EventEmitterSocket).on)) {
      const ee = target as EventEmitterSocket;
      ee.on("message", (data: unknown, isBinary?: boolean) =>
        this.push({ kind: "message", ...toBuffer(data, isBinary) }),
      );
      ee.on("close", () => this.push({ kind: "close" }));
      ee.on("error", (err: unknown) => this.push({ kind: "error", err }));
      ee.on("pong", () => this.emit("pong"));
    } else if (isFunction((target as DomSocket).addEventListener)) {
      const dom = target as DomSocket;
      dom.addEventListener("message", (e) => this.push({ kind: "message", ...toBuffer(e.data) }));
      dom.addEventListener("close", () => this.push({ kind: "close" }));
      dom.addEventListener("error", (e) => this.push({ kind: "error", err: e }));
    } else {
      throw new TypeError(
        "this socket has no events (on/addEventListener): with Hono outside Node use stream.telephoneEvents()",
      );
    }
  }

  get readyState(): number {
    return this.#closed ? CLOSED : this.#target.readyState;
  }

  get bufferedAmount(): number {
    const own = (this.#target as EventEmitterSocket).bufferedAmount;
    if (typeof own === "number") return own;
    const raw = (this.#target as WsContextLike).raw as { bufferedAmount?: unknown } | undefined;
    return typeof raw?.bufferedAmount === "number" ? raw.bufferedAmount : 0;
  }

  send(text: string): void {
    this.#target.send(text);
  }

  close(code?: number, reason?: string): void {
    this.#target.close(code, reason);
  }

  terminate(): void {
    const t = this.#target as EventEmitterSocket;
    if (isFunction(t.terminate)) t.terminate();
    else if (this.readyState === OPEN || this.readyState === CONNECTING) t.close();
  }

  ping(data?: unknown, mask?: boolean, cb?: (err?: Error) => void): void {
    const own = this.#target as EventEmitterSocket;
    const raw = (this.#target as WsContextLike).raw as EventEmitterSocket | undefined;
    const t = isFunction(own.ping) ? own : raw;
    if (t && isFunction(t.ping)) t.ping(data, mask, cb);
    else cb?.();
  }

  /**
   * Delivers one event (held until {@link SocketAdapter.release}).
   *
   * @internal
   */
  push(event: Queued): void {
    if (event.kind === "close") {
      if (this.#closed) return;
      this.#closed = true;
    }
    if (this.#held) {
      this.#held.push(event);
      return;
    }
    this.#deliver(event);
  }

  /** Delivers the held events, in order, and every later one at once. */
  release(): void {
    const held = this.#held;
    this.#held = null;
    for (const e of held ?? []) this.#deliver(e);
  }

  #deliver(e: Queued): void {
    if (e.kind === "message") this.emit("message", e.data, e.isBinary);
    else if (e.kind === "close") this.emit("close", CLOSE_CODES.normal, Buffer.alloc(0));
    else if (this.listenerCount("error") > 0) this.emit("error", e.err);
  }
}

function toBuffer(data: unknown, isBinary?: boolean): { data: Buffer; isBinary: boolean } {
  if (typeof data === "string") return { data: Buffer.from(data, "utf8"), isBinary: false };
  const binary = isBinary ?? true;
  if (Buffer.isBuffer(data)) return { data, isBinary: binary };
  if (Array.isArray(data)) return { data: Buffer.concat(data as Buffer[]), isBinary: binary };
  if (data instanceof ArrayBuffer) return { data: Buffer.from(data), isBinary: binary };
  if (ArrayBuffer.isView(data)) {
    return {
      data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      isBinary: binary,
    };
  }
  // A Blob or anything else: binary, which the protocol refuses anyway.
  return { data: Buffer.alloc(0), isBinary: true };
}

/** Closes a socket the checks refused: 1008 with the HTTP status it would have had. */
function refuse(
  adapter: SocketAdapter,
  transport: "websocket" | "telephone",
  status: number,
  detail: string,
): void {
  try {
    if (transport === "websocket" && adapter.readyState === OPEN) {
      adapter.send(JSON.stringify({ type: "error", message: detail }));
    }
    // A close reason is at most 123 bytes.
    const reason = Buffer.from(`${status} ${detail}`, "utf8").subarray(0, 123).toString("utf8");
    adapter.close(CLOSE_CODES.policy, reason.replace(/\uFFFD+$/, ""));
  } catch (err) {
    log.debug("could not close a refused socket", { err });
    adapter.terminate();
  }
}

function accept(stream: StreamHost, adapter: SocketAdapter, transport: "websocket" | "telephone") {
  stream.acceptWebSocket(adapter as unknown as WebSocket, transport, adapter.original);
  adapter.release();
}

/**
 * Serves a socket accepted by an app's own route: the Twilio signature (telephone, with an auth
 * token) or the `auth` hook (WebSocket) is checked against `request`; a refusal closes the socket
 * with 1008; else the socket is served like the built-in routes' sockets.
 *
 * @internal
 */
export function serveAppSocket(
  stream: StreamHost,
  transport: "websocket" | "telephone",
  socket: AppSocket | SocketAdapter,
  request: AppRequest | null | undefined,
): void {
  const adapter = socket instanceof SocketAdapter ? socket : new SocketAdapter(socket);
  if (transport === "telephone") {
    if (!appRequestSignedByTwilio(stream.telephone, request)) {
      log.info("refused a Media Streams connection with a bad signature", {
        hasRequest: request !== undefined && request !== null,
      });
      refuse(adapter, transport, 403, "Invalid or missing X-Twilio-Signature");
      return;
    }
    accept(stream, adapter, transport);
    return;
  }
  // Without the request, an auth hook sees no credentials (and should refuse).
  const described = describeAppRequest(request) ?? {
    pathAndQuery: "/",
    headers: {},
    secure: false,
  };
  stream
    .authorize("websocket", described.pathAndQuery, described.headers, described.secure)
    .then((denied) => {
      if (adapter.readyState !== OPEN) {
        adapter.release();
        return;
      }
      if (denied) refuse(adapter, transport, denied.status, denied.detail);
      else accept(stream, adapter, transport);
    })
    .catch((err: unknown) => {
      log.error("websocket handler failed", { err });
      refuse(adapter, transport, 500, "Internal Server Error");
    });
}

/**
 * Hono-style callbacks serving the socket (`upgradeWebSocket((c) => stream.telephoneEvents(c.req.raw))`);
 * works on every Hono runtime, since the events come through the callbacks.
 *
 * @internal
 */
export function appSocketEvents(
  stream: StreamHost,
  transport: "websocket" | "telephone",
  request: AppRequest | null | undefined,
): AppSocketEvents {
  let adapter: SocketAdapter | null = null;
  return {
    onOpen(_event, ws) {
      adapter = new SocketAdapter(ws, true);
      serveAppSocket(stream, transport, adapter, request);
    },
    onMessage(event) {
      adapter?.push({ kind: "message", ...toBuffer(event.data) });
    },
    onClose() {
      adapter?.push({ kind: "close" });
    },
    onError(event) {
      adapter?.push({ kind: "error", err: event });
    },
  };
}
