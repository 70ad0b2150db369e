import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { getLogger } from "../../logger.js";
import type { MountOptions } from "../streamTypes.js";
import { twilioRequestAllowed } from "../telephone.js";
import { isTlsRequest, nodeHeaders, parseRequestTarget } from "./request.js";
import { normalizePrefix } from "./router.js";
import type { StreamHost } from "./streamHost.js";

const log = getLogger("http");

/**
 * Handles a `node:http` `upgrade` event; returns false when the path is not one of the stream's
 * WebSocket routes (so another listener may take it).
 *
 * @example
 * ```ts
 * const onUpgrade = createUpgradeListener(stream, { path: "/api" });
 * server.on("upgrade", (req, socket, head) => {
 *   if (!onUpgrade(req, socket, head)) socket.destroy();
 * });
 * ```
 */
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** Answers an upgrade request with a plain HTTP error and closes the socket. */
function refuse(socket: Duplex, status: number, detail: string): void {
  const body = JSON.stringify({ detail });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? "Error"}\r\n` +
      "Connection: close\r\nContent-Type: application/json\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

const servers = new WeakMap<StreamHost, WebSocketServer>();

/** One `ws` server per stream (no port of its own: it only completes upgrades). */
function wsServerFor(stream: StreamHost): WebSocketServer {
  let wss = servers.get(stream);
  if (!wss) {
    wss = new WebSocketServer({
      noServer: true,
      maxPayload: stream.maxMessageBytes,
      perMessageDeflate: false,
    });
    servers.set(stream, wss);
  }
  return wss;
}

/**
 * The WebSocket routes of a stream, `{path}/websocket/offer` and `{path}/telephone/handler`,
 * as a `node:http` `upgrade` listener: the `auth` hook runs (WebSocket) or the Twilio
 * signature is checked (telephone) before the upgrade completes; a refused request gets a plain
 * HTTP 401/403 and no socket.
 *
 * @example
 * ```ts
 * const server = createServer(app);
 * const onUpgrade = createUpgradeListener(stream);
 * server.on("upgrade", (req, socket, head) => onUpgrade(req, socket, head) || socket.destroy());
 * ```
 */
export function createUpgradeListener(
  stream: StreamHost,
  options: MountOptions = {},
): UpgradeListener {
  const prefix = normalizePrefix(options.path);
  const websocketPath = `${prefix}/websocket/offer`;
  const telephonePath = `${prefix}/telephone/handler`;
  return (req, socket, head) => {
    const pathAndQuery = req.url ?? "/";
    const pathname = parseRequestTarget(pathAndQuery)?.pathname;
    const telephone = stream.telephone;
    if (pathname !== websocketPath && !(pathname === telephonePath && telephone)) return false;
    socket.on("error", (err) => log.debug("upgrade socket error", { err }));
    try {
      const headers = nodeHeaders(req);
      const secure = isTlsRequest(req);
      const accept = (transport: "websocket" | "telephone") =>
        wsServerFor(stream).handleUpgrade(req, socket, head, (ws) =>
          stream.acceptWebSocket(ws, transport),
        );
      if (pathname === telephonePath && telephone) {
        if (!twilioRequestAllowed(telephone, { pathAndQuery, headers, secure, params: {} }, "ws")) {
          log.info("refused a Media Streams connection with a bad signature");
          refuse(socket, 403, "Invalid or missing X-Twilio-Signature");
          return true;
        }
        accept("telephone");
        return true;
      }
      stream
        .authorize("websocket", pathAndQuery, headers, secure)
        .then((denied) => {
          if (socket.destroyed) return;
          if (denied) refuse(socket, denied.status, denied.detail);
          else accept("websocket");
        })
        .catch((err: unknown) => {
          log.error("websocket upgrade failed", { err });
          refuse(socket, 500, "Internal Server Error");
        });
    } catch (err) {
      // Nothing a client sends may throw out of an `upgrade` event: that would end the process.
      log.error("websocket upgrade failed", { err });
      if (!socket.destroyed) refuse(socket, 400, "Bad Request");
    }
    return true;
  };
}

/**
 * Puts the stream's WebSocket routes in front of a server's existing `upgrade` listeners;
 * upgrades for other paths go to them (or are refused with 404 when there are none).
 *
 * @internal
 */
export function attachUpgrades(stream: StreamHost, server: Server, options: MountOptions): void {
  const previous = server.listeners("upgrade") as Array<
    (req: IncomingMessage, socket: Duplex, head: Buffer) => void
  >;
  server.removeAllListeners("upgrade");
  const listener = createUpgradeListener(stream, options);
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (listener(req, socket, head)) return;
    if (previous.length === 0) {
      refuse(socket, 404, "Not Found");
      return;
    }
    for (const p of previous) p.call(server, req, socket, head);
  });
}
