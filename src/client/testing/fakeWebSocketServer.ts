/**
 * A tiny server speaking the fastrtc-ts WebSocket protocol (`{path}/websocket/offer`) on a real
 * `ws` socket, for the client tests: echoes media, answers pings, and can be told to send
 * side-band messages, `clear`, the concurrency failure, or to reject / stall the upgrade.
 * Test-only (excluded from the build).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { muLawDecode, muLawEncode } from "../../audio/g711.js";

/**
 * Options of {@link FakeWebSocketServer}. Defaults: echo on, pings answered, no limit.
 *
 * @example
 * ```ts
 * await FakeWebSocketServer.start({ concurrencyLimit: 1, rejectUpgrade: () => ({ status: 401 }) });
 * ```
 */
export interface FakeWebSocketServerOptions {
  /** Route of the socket. Default `"/websocket/offer"`; other paths get HTTP 404. */
  path?: string;
  /** Send every received `media` message straight back. Default `true`. */
  echo?: boolean;
  /** Answer `ping` with `pong`. Default `true`. */
  answerPings?: boolean;
  /** Sessions allowed at once; a `start` beyond it gets the failure and a 1013 close. */
  concurrencyLimit?: number;
  /** Refuse the upgrade with this HTTP status and body (return undefined to accept). */
  rejectUpgrade?: (request: IncomingMessage) => { status: number; body?: string } | undefined;
  /** Never answer upgrade requests (for connect timeouts). Default `false`. */
  stallUpgrade?: boolean;
  /** Largest accepted message in bytes; bigger ones close the socket with 1009. Default 1 MiB. */
  maxPayload?: number;
  /** HTML served for `GET /` (for browser tests, same origin as the socket). Default: 404. */
  pageHtml?: string;
}

/**
 * One accepted socket of the {@link FakeWebSocketServer}: what the client sent, and methods to
 * send it protocol messages.
 *
 * @example
 * ```ts
 * const conn = await server.connection();
 * await conn.waitFor(() => conn.mediaSizes.length >= 5);
 * conn.send('{"type": "log", "data": "pause_detected"}');
 * conn.clear();
 * ```
 */
export class FakeWebSocketConnection {
  /** The server side of the socket. */
  readonly socket: WebSocket;
  /** Path and query of the upgrade request. */
  readonly requestUrl: string;
  /** Headers of the upgrade request. */
  readonly headers: IncomingMessage["headers"];
  /** Every text frame received, as received. */
  readonly raw: string[] = [];
  /** Every frame that parsed as JSON. */
  readonly messages: Record<string, unknown>[] = [];
  /** Lengths (samples) of the received `media` payloads. */
  readonly mediaSizes: number[] = [];
  /** `websocket_id` of the `start` message, once received. */
  websocketId: string | undefined;
  /** Whether the session was accepted (start received, within the limit). */
  accepted = false;
  /** Resolves with the close code and reason once the socket closed. */
  readonly closed: Promise<{ code: number; reason: string }>;
  #audio: Int16Array[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(socket: WebSocket, request: IncomingMessage) {
    this.socket = socket;
    this.requestUrl = request.url ?? "";
    this.headers = request.headers;
    this.closed = new Promise((resolve) => {
      socket.on("close", (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#notify();
      });
    });
  }

  /** All received audio, decoded from µ-law and concatenated. */
  receivedAudio(): Int16Array {
    const out = new Int16Array(this.#audio.reduce((n, a) => n + a.length, 0));
    let at = 0;
    for (const a of this.#audio) {
      out.set(a, at);
      at += a.length;
    }
    return out;
  }

  /** The received messages whose `event` is `name`. */
  events(name: string): Record<string, unknown>[] {
    return this.messages.filter((m) => m.event === name);
  }

  /** Resolves once `check()` holds (re-checked on every message and on close). */
  async waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
    if (check()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error("FakeWebSocketConnection.waitFor: condition not met in time"));
      }, timeoutMs);
      const waiter = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve();
      };
      this.#waiters.add(waiter);
    });
  }

  /** Sends a message: strings as is, anything else as JSON. */
  send(message: unknown): void {
    this.socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Sends one `media` message with `pcm` µ-law encoded. */
  sendAudio(pcm: Int16Array): void {
    this.send({ event: "media", media: { payload: encodePayload(pcm) } });
  }

  /**
   * Sends `pcm` as 20 ms `media` messages at `rate` (`realtime`: one every 20 ms, like the real
   * server's emit loop; else all at once).
   */
  async streamAudio(pcm: Int16Array, rate: number, realtime = true): Promise<void> {
    const frame = rate / 50;
    const start = performance.now();
    for (let k = 0; k * frame < pcm.length; k++) {
      if (this.socket.readyState !== this.socket.OPEN) return;
      this.sendAudio(pcm.subarray(Math.round(k * frame), Math.round((k + 1) * frame)));
      if (!realtime) continue;
      const wait = start + (k + 1) * 20 - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** Sends `{"event": "clear"}`. */
  clear(): void {
    this.send({ event: "clear" });
  }

  /** Sends the concurrency failure and closes with 1013 (what the server does). */
  fail(limit: number): void {
    this.send({ status: "failed", meta: { error: "concurrency_limit_reached", limit } });
    this.socket.close(1013, "concurrency limit reached");
  }

  /** Closes the socket. */
  close(code = 1000, reason = ""): void {
    this.socket.close(code, reason);
  }

  /**
   * Records a text frame; returns it parsed when it is a JSON object.
   *
   * @internal called by the server for every text frame.
   */
  receive(text: string): Record<string, unknown> | undefined {
    this.raw.push(text);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.#notify();
      return undefined;
    }
    let parsed: Record<string, unknown> | undefined;
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const m = value as Record<string, unknown>;
      parsed = m;
      this.messages.push(m);
      const payload = (m.media as { payload?: unknown } | undefined)?.payload;
      if (m.event === "media" && typeof payload === "string") {
        const pcm = muLawDecode(new Uint8Array(Buffer.from(payload, "base64")));
        this.#audio.push(pcm);
        this.mediaSizes.push(pcm.length);
      }
    }
    this.#notify();
    return parsed;
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/**
 * The fake server: an HTTP server on 127.0.0.1 (random port) whose upgrades on `path` become
 * {@link FakeWebSocketConnection}s.
 *
 * @example
 * ```ts
 * const server = await FakeWebSocketServer.start();
 * const client = new NodeWebSocketClient({ url: server.url });
 * await client.connect();
 * const conn = server.connections[0]!;
 * conn.send({ type: "log", data: "pause_detected" });
 * ```
 */
export class FakeWebSocketServer {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Accepted sockets, in order. */
  readonly connections: FakeWebSocketConnection[] = [];
  /** Every upgrade request (accepted or not): path and headers. */
  readonly upgrades: { url: string; headers: IncomingMessage["headers"] }[] = [];
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  readonly #options: FakeWebSocketServerOptions;
  readonly #stalled = new Set<Socket>();
  readonly #waiters = new Set<() => void>();

  private constructor(http: Server, wss: WebSocketServer, options: FakeWebSocketServerOptions) {
    this.#http = http;
    this.#wss = wss;
    this.#options = options;
    const port = (http.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${port}`;
  }

  /** Starts a server. */
  static async start(options: FakeWebSocketServerOptions = {}): Promise<FakeWebSocketServer> {
    const http = createServer((req, res) => {
      if (options.pageHtml !== undefined && req.method === "GET" && req.url === "/") {
        res.writeHead(200, { "Content-Type": "text/html" }).end(options.pageHtml);
        return;
      }
      res.writeHead(404).end();
    });
    const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload ?? 1 << 20 });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const server = new FakeWebSocketServer(http, wss, options);
    http.on("upgrade", (req, socket, head) => server.#onUpgrade(req, socket as Socket, head));
    return server;
  }

  /** Connection number `index` (in accept order), waiting for it if needed. */
  async connection(index = 0, timeoutMs = 3000): Promise<FakeWebSocketConnection> {
    const found = this.connections[index];
    if (found !== undefined) return found;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`FakeWebSocketServer: no connection #${index} in time`));
      }, timeoutMs);
      const waiter = (): void => {
        const c = this.connections[index];
        if (c === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(waiter);
        resolve(c);
      };
      this.#waiters.add(waiter);
    });
  }

  /** Sessions accepted and still open. */
  get activeSessions(): number {
    return this.connections.filter((c) => c.accepted && c.socket.readyState === c.socket.OPEN)
      .length;
  }

  /** Closes every socket and the server. */
  async close(): Promise<void> {
    for (const s of this.#stalled) s.destroy();
    this.#stalled.clear();
    for (const c of this.connections) c.socket.terminate();
    this.#wss.close();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }

  #onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.upgrades.push({ url: req.url ?? "", headers: req.headers });
    const path = this.#options.path ?? "/websocket/offer";
    const pathname = new URL(req.url ?? "/", "http://x").pathname;
    const rejection =
      pathname !== path ? { status: 404, body: "Not Found" } : this.#options.rejectUpgrade?.(req);
    if (rejection !== undefined) {
      const body = rejection.body ?? "";
      socket.end(
        `HTTP/1.1 ${rejection.status} Rejected\r\nContent-Type: text/plain\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    if (this.#options.stallUpgrade) {
      this.#stalled.add(socket);
      socket.on("error", () => {});
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onConnection(ws, req));
  }

  #onConnection(ws: WebSocket, req: IncomingMessage): void {
    const conn = new FakeWebSocketConnection(ws, req);
    this.connections.push(conn);
    ws.on("error", () => {});
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (isBinary) return;
      const text = data.toString();
      this.#handle(conn, conn.receive(text), text);
    });
    for (const waiter of [...this.#waiters]) waiter();
  }

  #handle(
    conn: FakeWebSocketConnection,
    m: Record<string, unknown> | undefined,
    text: string,
  ): void {
    if (m === undefined) {
      conn.send({ type: "error", message: "Invalid JSON" });
      return;
    }
    switch (m.event) {
      case "start": {
        conn.websocketId = typeof m.websocket_id === "string" ? m.websocket_id : undefined;
        const limit = this.#options.concurrencyLimit;
        if (limit !== undefined && this.activeSessions >= limit) {
          conn.fail(limit);
          return;
        }
        conn.accepted = true;
        return;
      }
      case "media":
        if (this.#options.echo ?? true) conn.send(text);
        return;
      case "ping":
        if (this.#options.answerPings ?? true) conn.send({ event: "pong" });
        return;
      case "stop":
        conn.close(1000);
        return;
      case undefined:
        conn.send({ type: "error", message: "Message without an event" });
        return;
      default:
        return;
    }
  }
}

function encodePayload(pcm: Int16Array): string {
  return Buffer.from(muLawEncode(pcm)).toString("base64");
}
