import type { ClientState, WarningMessage } from "./clientTypes.js";
import { TypedEmitter } from "./emitter.js";
import {
  ConnectAbortedError,
  ConnectTimeoutError,
  FastRTCClientError,
  type OfferRejectedError,
  offerRejection,
  PingTimeoutError,
  WebSocketClosedError,
  WebSocketUpgradeError,
} from "./errors.js";
import { dispatchServerMessage, serverMessageFromJson } from "./messages.js";
import { websocketEndpoint } from "./url.js";
import type {
  CreateWebSocket,
  WebSocketClientEvents,
  WebSocketClientOptions,
  WebSocketCloseInfo,
  WebSocketLike,
} from "./websocketTypes.js";
import { decodeMuLawPayload, MuLawFrameEncoder } from "./wsAudio.js";

/** `WebSocket.readyState` values. */
const CONNECTING = 0;
const OPEN = 1;

/** Close codes after which a server-closed session counts as `closed` rather than `failed`. */
const CLEAN_CODES: ReadonlySet<number> = new Set([1000, 1001, 1005]);

interface PendingConnect {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface PendingPing {
  sentAt: number;
  /** Settled (answered, timed out or aborted): a late pong only keeps the FIFO aligned. */
  done: boolean;
  resolve: (rtt: number) => void;
  reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | null;
}

interface ResolvedOptions {
  url: string;
  websocketId: string;
  inputSampleRate: number;
  outputSampleRate: number;
  createWebSocket: CreateWebSocket | undefined;
  connectTimeoutMs: number;
  confirmStart: boolean;
  pingIntervalMs: number | undefined;
  pingTimeoutMs: number;
  closeTimeoutMs: number;
}

/**
 * A client for the WebSocket transport of FastRTC servers (`{path}/websocket/offer`): JSON text
 * frames carrying base64 G.711 µ-law audio, plus the same side-band messages as the WebRTC data
 * channel, surfaced as the same typed events as `FastRTCClient`. Runs in browsers as is; in
 * Node use `NodeWebSocketClient` from `fastrtc-ts/client/node` (or pass `createWebSocket`).
 *
 * Audio out: {@link sendAudio} takes mono PCM at any rate, resamples it to `inputSampleRate`
 * (the server does not resample) and sends one `media` message per 20 ms. Audio in: each
 * `media` message from the server becomes an `audio` event (int16 at `outputSampleRate`);
 * `clear` means the reply was interrupted and queued playback should be dropped.
 *
 * A client is single-use: `connect()` once, `stop()` when done.
 *
 * @typeParam E the event map (subclasses add events).
 * @example
 * ```ts
 * const client = new FastRTCWebSocketClient({ url: "https://my-app.example", inputSampleRate: 16000 });
 * client.on("audio", (a) => player.enqueue(a.samples, a.sampleRate));
 * client.on("clear", () => player.dropQueued());
 * client.on("log", (m) => setSpinner(m.data === "pause_detected"));
 * await client.connect();
 * microphone.onData = (pcm, rate) => client.sendAudio(pcm, rate);
 * // ...
 * await client.stop();
 * ```
 */
export class FastRTCWebSocketClient<
  E extends WebSocketClientEvents = WebSocketClientEvents,
> extends TypedEmitter<E> {
  readonly #o: ResolvedOptions;
  readonly #encoder: MuLawFrameEncoder;
  #state: ClientState = "idle";
  #socket: WebSocketLike | null = null;
  #opened = false;
  #pending: PendingConnect | null = null;
  #connectTimer: ReturnType<typeof setTimeout> | null = null;
  #keepAlive: ReturnType<typeof setInterval> | null = null;
  #closeTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #pings: PendingPing[] = [];
  readonly #cleanups: (() => void)[] = [];
  readonly #closeWaiters: (() => void)[] = [];
  #closing: Promise<void> | null = null;
  #closeInfo: WebSocketCloseInfo | null = null;
  #stopRequested = false;
  #failed = false;
  #rejection: OfferRejectedError | null = null;
  #errorText = "";
  #mediaSent = 0;
  #mediaReceived = 0;

  /**
   * @throws RangeError for a non-positive timeout or an invalid sample rate;
   *   FastRTCClientError if no WebSocket URL can be derived from `url`.
   */
  constructor(options: WebSocketClientOptions = {}) {
    super();
    const positive = (name: string, value: number): number => {
      if (!(value > 0)) throw new RangeError(`${name} must be > 0, got ${value}`);
      return value;
    };
    const rate = (name: string, value: number): number => {
      if (!Number.isInteger(value) || value <= 0 || value > 384_000) {
        throw new RangeError(`${name} must be an integer in 1..=384000, got ${value}`);
      }
      return value;
    };
    this.#o = {
      url: websocketEndpoint(options.url ?? "", options.path ?? ""),
      websocketId: options.websocketId ?? Math.random().toString(36).slice(2),
      inputSampleRate: rate("inputSampleRate", options.inputSampleRate ?? 48_000),
      outputSampleRate: rate("outputSampleRate", options.outputSampleRate ?? 24_000),
      createWebSocket: options.createWebSocket,
      connectTimeoutMs: positive("connectTimeoutMs", options.connectTimeoutMs ?? 30_000),
      confirmStart: options.confirmStart ?? true,
      pingIntervalMs:
        options.pingIntervalMs === undefined
          ? undefined
          : positive("pingIntervalMs", options.pingIntervalMs),
      pingTimeoutMs: positive("pingTimeoutMs", options.pingTimeoutMs ?? 10_000),
      closeTimeoutMs: positive("closeTimeoutMs", options.closeTimeoutMs ?? 3_000),
    };
    this.#encoder = new MuLawFrameEncoder(this.#o.inputSampleRate);
  }

  /** The `ws:`/`wss:` URL the client connects to. */
  get url(): string {
    return this.#o.url;
  }

  /** The id sent as `websocket_id` (use it for the app's input hook and output stream). */
  get websocketId(): string {
    return this.#o.websocketId;
  }

  /** The current {@link ClientState}. */
  get state(): ClientState {
    return this.#state;
  }

  /** The rate audio is sent at (the server handler's input rate). */
  get inputSampleRate(): number {
    return this.#o.inputSampleRate;
  }

  /** The rate received audio is labelled with. */
  get outputSampleRate(): number {
    return this.#o.outputSampleRate;
  }

  /** The socket (`null` before `connect()`); still available after `stop()`. */
  get socket(): WebSocketLike | null {
    return this.#socket;
  }

  /** `media` messages sent. */
  get mediaMessagesSent(): number {
    return this.#mediaSent;
  }

  /** `media` messages received (each one an `audio` event). */
  get mediaMessagesReceived(): number {
    return this.#mediaReceived;
  }

  /** The socket's close code and reason once it closed, else `null`. */
  get closeInfo(): WebSocketCloseInfo | null {
    return this.#closeInfo;
  }

  /**
   * Opens the socket, sends `{"event": "start", "websocket_id": ..., "input_sample_rate": ...,
   * "output_sample_rate": ...}` and (with `confirmStart`,
   * the default) waits for the `pong` of a `ping` sent right after it.
   *
   * @throws ConcurrencyLimitError (with `limit`), SampleRateMismatchError (with the handler's
   *   rates) or another `OfferRejectedError` when the server
   *   answers `{"status": "failed", ...}`; WebSocketUpgradeError when the upgrade was refused
   *   with a known HTTP status (Node); WebSocketClosedError when the socket closed first (in
   *   browsers also for refused upgrades); ConnectTimeoutError; ConnectAbortedError when
   *   `stop()` is called meanwhile; FastRTCClientError when there is no WebSocket
   *   implementation or `connect()` was already called. The state is then `failed` (`closed`
   *   after `stop()`).
   */
  connect(): Promise<void> {
    if (this.#state !== "idle") {
      return Promise.reject(new FastRTCClientError("connect() can only be called once per client"));
    }
    this.#setState("connecting");
    const done = new Promise<void>((resolve, reject) => {
      this.#pending = { resolve, reject };
    });
    this.#connectTimer = setTimeout(() => {
      this.#fail(new ConnectTimeoutError(this.#o.connectTimeoutMs));
    }, this.#o.connectTimeoutMs);
    try {
      this.#open();
    } catch (error) {
      this.#fail(error);
    }
    return done;
  }

  /**
   * Sends mono audio: resampled to `inputSampleRate` if needed, cut into 20 ms frames, µ-law
   * encoded, one `media` message per frame. A remainder shorter than 20 ms waits for the next
   * call (or {@link flushAudio}). Resampling is continuous across calls with the same rate.
   *
   * @param samples int16 PCM, or float32 in [-1, 1].
   * @param sampleRate their rate in Hz. Default: `inputSampleRate`.
   * @returns the number of `media` messages sent.
   * @throws FastRTCClientError if not connected; RangeError for an invalid rate.
   */
  sendAudio(samples: Int16Array | Float32Array, sampleRate = this.#o.inputSampleRate): number {
    this.#assertConnected("sendAudio()");
    return this.#sendPayloads(this.#encoder.push(samples, sampleRate));
  }

  /**
   * Sends what {@link sendAudio} still buffers (the resampler's tail and a final frame shorter
   * than 20 ms). Call it at the end of an utterance or file.
   *
   * @returns the number of `media` messages sent.
   * @throws FastRTCClientError if not connected.
   */
  flushAudio(): number {
    this.#assertConnected("flushAudio()");
    return this.#sendPayloads(this.#encoder.flush());
  }

  /**
   * Sends `{"event": "ping"}` and resolves with the round-trip time in ms when the `pong`
   * arrives (pongs are matched to pings in order).
   *
   * @param timeoutMs Default: the `pingTimeoutMs` option (10000 ms).
   * @throws PingTimeoutError after the timeout; FastRTCClientError if not connected or when the
   *   socket closes first.
   */
  ping(timeoutMs = this.#o.pingTimeoutMs): Promise<number> {
    try {
      this.#assertConnected("ping()");
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#ping(timeoutMs);
  }

  /**
   * Sends a typed turn, `{"event":"text","text":text}` (a fastrtc-ts extension: the handler gets
   * it like a spoken turn; FastRTC servers ignore it).
   *
   * @throws FastRTCClientError if the socket is not open.
   * @example
   * ```ts
   * client.sendText("What time is it?");
   * ```
   */
  sendText(text: string): void {
    if (typeof text !== "string") throw new TypeError("sendText needs a string");
    this.send({ event: "text", text });
  }

  /**
   * Sends a raw message: a string as is, anything else as JSON. For tests and protocol
   * extensions; the normal messages have their own methods.
   *
   * @throws FastRTCClientError if the socket is not open or the client is stopping.
   * @example
   * ```ts
   * client.send({ event: "mark", mark: { name: "x" } });
   * ```
   */
  send(message: unknown): void {
    const socket = this.#socket;
    if (socket === null || socket.readyState !== OPEN || this.#closing !== null) {
      throw new FastRTCClientError("The WebSocket is not open");
    }
    socket.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /**
   * Ends the session: sends `{"event": "stop"}` (if the socket is open) and closes the socket
   * with code 1000. The state becomes `closed` at once (unless already `failed`); audio still
   * buffered by {@link sendAudio} is dropped. Idempotent: every call returns the same promise,
   * which resolves after the `close` event (at the latest `closeTimeoutMs` later). A pending
   * `connect()` rejects with `ConnectAbortedError`.
   */
  stop(): Promise<void> {
    this.#stopRequested = true;
    const pending = this.#pending;
    if (pending !== null) {
      this.#pending = null;
      const closing = this.#teardown("closed");
      pending.reject(new ConnectAbortedError("stop() was called before the client connected"));
      return closing;
    }
    return this.#teardown("closed");
  }

  /** Emits one of the base {@link WebSocketClientEvents} (usable by subclasses). */
  protected emitWebSocketEvent<K extends keyof WebSocketClientEvents>(
    name: K,
    payload: WebSocketClientEvents[K],
  ): void {
    (this as unknown as { emit(n: K, p: WebSocketClientEvents[K]): void }).emit(name, payload);
  }

  // -------------------------------------------------------------------------------------------

  #open(): void {
    const create = this.#o.createWebSocket ?? defaultCreateWebSocket;
    const socket = create(this.#o.url);
    this.#socket = socket;
    this.#listen(socket, "open", () => this.#onOpen());
    this.#listen(socket, "message", (event) => this.#onMessage(event));
    this.#listen(socket, "error", (event) => this.#onError(event));
    this.#listen(socket, "close", (event) => this.#onClose(event));
  }

  #onOpen(): void {
    this.#opened = true;
    if (this.#pending === null) return; // stopped meanwhile
    // The rates are a fastrtc-ts extension (FastRTC servers ignore them): a fastrtc-ts server
    // refuses a mismatch with `sample_rate_mismatch` instead of hearing noise.
    this.#socket?.send(
      JSON.stringify({
        event: "start",
        websocket_id: this.#o.websocketId,
        input_sample_rate: this.#o.inputSampleRate,
        output_sample_rate: this.#o.outputSampleRate,
      }),
    );
    if (!this.#o.confirmStart) {
      this.#connected();
      return;
    }
    this.#ping(null).then(
      () => this.#connected(),
      () => {
        // the socket closed or the client stopped: #onClose / stop() settle connect()
      },
    );
  }

  #connected(): void {
    const pending = this.#pending;
    if (pending === null) return;
    this.#pending = null;
    this.#clearConnectTimer();
    this.#setState("connected");
    const interval = this.#o.pingIntervalMs;
    if (interval !== undefined) {
      this.#keepAlive = setInterval(() => this.#keepAlivePing(), interval);
    }
    pending.resolve();
  }

  #keepAlivePing(): void {
    if (this.#state !== "connected") return;
    this.#ping(this.#o.pingTimeoutMs).catch((error: unknown) => {
      if (!(error instanceof PingTimeoutError) || this.#state !== "connected") return;
      this.#clientWarning(`Keep-alive: ${error.message}; closing the connection`);
      this.#failed = true;
      void this.#teardown("failed");
    });
  }

  #onMessage(event: unknown): void {
    if (this.#closing !== null && this.#stopRequested) return;
    // Text frames arrive as strings (browsers and `ws`); binary frames as Blob / ArrayBuffer /
    // Buffer depending on the platform: the protocol has none, so they are all refused alike.
    const text = (event as { data?: unknown } | null)?.data;
    if (typeof text !== "string") {
      this.#clientWarning("Ignored a binary WebSocket frame (the protocol uses JSON text frames)");
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.#invalid(text, "not JSON");
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.#invalid(text, "not a JSON object");
      return;
    }
    const obj = value as Record<string, unknown>;
    if (typeof obj.event === "string") {
      this.#onEvent(obj, text);
    } else if (obj.status === "failed") {
      this.#onRejected(offerRejection(obj.meta));
    } else {
      dispatchServerMessage(serverMessageFromJson(obj, text), (name, payload) =>
        this.emitWebSocketEvent(name, payload as WebSocketClientEvents[typeof name]),
      );
    }
  }

  #onEvent(obj: Record<string, unknown>, text: string): void {
    const receivedAt = performance.now();
    switch (obj.event) {
      case "media": {
        const media = obj.media as { payload?: unknown } | null | undefined;
        const payload = typeof media === "object" && media !== null ? media.payload : undefined;
        if (typeof payload !== "string") {
          this.#invalid(text, "media message without a string media.payload");
          return;
        }
        let samples: Int16Array;
        try {
          samples = decodeMuLawPayload(payload);
        } catch {
          this.#invalid(text, "media.payload is not base64");
          return;
        }
        this.#mediaReceived++;
        this.emitWebSocketEvent("audio", {
          samples,
          sampleRate: this.#o.outputSampleRate,
          receivedAt,
        });
        return;
      }
      case "pong":
        this.#onPong(receivedAt);
        return;
      case "clear":
        this.emitWebSocketEvent("clear", { receivedAt });
        return;
      default:
        // Other events (e.g. Twilio's `mark`) are not part of this protocol: surface them
        // as unknown messages, without a warning (forward compatibility).
        this.emitWebSocketEvent("message", { type: "unknown", raw: text });
    }
  }

  #onPong(receivedAt: number): void {
    const ping = this.#pings.shift();
    if (ping === undefined) {
      this.emitWebSocketEvent("pong", { receivedAt, rttMs: undefined });
      return;
    }
    const rtt = receivedAt - ping.sentAt;
    if (ping.timer !== null) clearTimeout(ping.timer);
    this.emitWebSocketEvent("pong", { receivedAt, rttMs: rtt });
    if (!ping.done) {
      ping.done = true;
      ping.resolve(rtt);
    }
  }

  #onRejected(error: OfferRejectedError): void {
    if (this.#rejection !== null || this.#closing !== null) return;
    this.#rejection = error;
    this.#failed = true;
    this.#stopTimers();
    this.#setFinalState("failed");
    this.emitWebSocketEvent("rejected", error);
    const pending = this.#pending;
    this.#pending = null;
    pending?.reject(error);
    // The server closes the socket itself (1013 for the concurrency limit): let it, so that the
    // `close` event reports its code, but do not wait forever.
    this.#closeTimer = setTimeout(() => void this.#teardown("failed"), this.#o.closeTimeoutMs);
  }

  #invalid(text: string, why: string): void {
    this.emitWebSocketEvent("message", { type: "unknown", raw: text });
    const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    this.#clientWarning(`Ignored an invalid server message (${why}): ${shown}`);
  }

  #clientWarning(message: string): void {
    const warning: WarningMessage = { type: "warning", message, origin: "client" };
    this.emitWebSocketEvent("warning", warning);
  }

  #onError(event: unknown): void {
    const e = event as { message?: unknown; error?: { message?: unknown } } | null;
    const text = typeof e?.message === "string" ? e.message : e?.error?.message;
    if (typeof text === "string" && text !== "") this.#errorText = text;
  }

  #onClose(event: unknown): void {
    const e = event as { code?: unknown; reason?: unknown; wasClean?: unknown } | null;
    const info: WebSocketCloseInfo = {
      code: typeof e?.code === "number" ? e.code : 1006,
      reason: typeof e?.reason === "string" ? e.reason : "",
      wasClean: e?.wasClean === true,
    };
    const pending = this.#pending;
    this.#pending = null;
    let state: "closed" | "failed";
    if (this.#stopRequested) state = "closed";
    else if (pending !== null || this.#failed) state = "failed";
    else state = CLEAN_CODES.has(info.code) ? "closed" : "failed";
    this.#stopTimers();
    this.#rejectPings(new FastRTCClientError("The WebSocket closed"));
    this.#closing ??= Promise.resolve();
    this.#finishClose(info);
    this.#setFinalState(state);
    if (pending !== null) pending.reject(this.#connectError(info));
  }

  /** Why a pending `connect()` failed, when the socket closed. */
  #connectError(info: WebSocketCloseInfo): unknown {
    if (this.#rejection !== null) return this.#rejection;
    if (!this.#opened) {
      const upgrade = this.#socket?.upgradeResponse;
      if (upgrade !== undefined) {
        return new WebSocketUpgradeError(upgrade.status, upgrade.body, info.code, info.reason);
      }
      const match = /Unexpected server response: (\d{3})/.exec(this.#errorText);
      if (match !== null) {
        return new WebSocketUpgradeError(Number(match[1]), "", info.code, info.reason);
      }
    }
    return new WebSocketClosedError(info.code, info.reason, this.#opened);
  }

  /** Rejects a pending `connect()` (if any) and tears down as `failed`. */
  #fail(error: unknown): void {
    const pending = this.#pending;
    this.#pending = null;
    this.#failed = true;
    void this.#teardown("failed");
    pending?.reject(error);
  }

  /** Starts closing (once): stop message, close(1000), `close` event within closeTimeoutMs. */
  #teardown(state: "closed" | "failed"): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#stopTimers();
    this.#setFinalState(state);
    this.#rejectPings(new FastRTCClientError("The client is closing"));
    this.#encoder.reset();
    const socket = this.#socket;
    if (socket === null) {
      this.#closing = Promise.resolve();
      return this.#closing;
    }
    this.#closing = new Promise<void>((resolve) => this.#closeWaiters.push(resolve));
    try {
      if (socket.readyState === OPEN) {
        socket.send(JSON.stringify({ event: "stop" }));
        socket.close(1000);
      } else if (socket.readyState === CONNECTING) {
        socket.close();
      }
    } catch {
      // closing anyway; the timer below settles
    }
    if (this.#closeTimer !== null) clearTimeout(this.#closeTimer);
    this.#closeTimer = setTimeout(() => {
      try {
        socket.terminate?.();
      } catch {
        // ignore
      }
      this.#finishClose({ code: 1006, reason: "close handshake timed out", wasClean: false });
    }, this.#o.closeTimeoutMs);
    return this.#closing;
  }

  /** Emits `close` once, detaches from the socket and resolves `stop()`. */
  #finishClose(info: WebSocketCloseInfo): void {
    if (this.#closeInfo !== null) return;
    this.#closeInfo = info;
    if (this.#closeTimer !== null) clearTimeout(this.#closeTimer);
    this.#closeTimer = null;
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    this.emitWebSocketEvent("close", info);
    for (const resolve of this.#closeWaiters.splice(0)) resolve();
  }

  #ping(timeoutMs: number | null): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const entry: PendingPing = {
        sentAt: performance.now(),
        done: false,
        resolve,
        reject,
        timer: null,
      };
      if (timeoutMs !== null) {
        entry.timer = setTimeout(() => {
          entry.timer = null;
          if (entry.done) return;
          entry.done = true; // stays queued: its late pong must not answer a newer ping
          reject(new PingTimeoutError(timeoutMs));
        }, timeoutMs);
      }
      this.#pings.push(entry);
      this.#socket?.send(JSON.stringify({ event: "ping" }));
    });
  }

  #rejectPings(error: unknown): void {
    for (const ping of this.#pings.splice(0)) {
      if (ping.timer !== null) clearTimeout(ping.timer);
      if (!ping.done) {
        ping.done = true;
        ping.reject(error);
      }
    }
  }

  #sendPayloads(payloads: string[]): number {
    const socket = this.#socket;
    if (socket === null) return 0;
    for (const payload of payloads) {
      socket.send(JSON.stringify({ event: "media", media: { payload } }));
    }
    this.#mediaSent += payloads.length;
    return payloads.length;
  }

  #assertConnected(what: string): void {
    if (this.#state !== "connected" || this.#socket?.readyState !== OPEN) {
      throw new FastRTCClientError(`${what} needs a connected client (state: ${this.#state})`);
    }
  }

  #stopTimers(): void {
    this.#clearConnectTimer();
    if (this.#keepAlive !== null) clearInterval(this.#keepAlive);
    this.#keepAlive = null;
  }

  #clearConnectTimer(): void {
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
  }

  #setFinalState(state: "closed" | "failed"): void {
    if (this.#state === "closed" || this.#state === "failed") return;
    this.#setState(state);
  }

  #setState(state: ClientState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emitWebSocketEvent("state", state);
  }

  #listen(target: WebSocketLike, type: string, listener: (event: unknown) => void): void {
    target.addEventListener(type, listener);
    this.#cleanups.push(() => target.removeEventListener(type, listener));
  }
}

function defaultCreateWebSocket(url: string): WebSocketLike {
  const Ctor = (globalThis as { WebSocket?: new (u: string) => WebSocketLike }).WebSocket;
  if (Ctor === undefined) {
    throw new FastRTCClientError(
      "No WebSocket in this environment: in Node, use NodeWebSocketClient from " +
        "fastrtc-ts/client/node or pass the createWebSocket option",
    );
  }
  return new Ctor(url);
}
