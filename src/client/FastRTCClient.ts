import type {
  ClientEvents,
  ClientMode,
  ClientOptions,
  ClientState,
  DataChannelLike,
  EventListenerLike,
  FetchLike,
  FetchResponseLike,
  IceCandidateLike,
  MediaStreamLike,
  MediaStreamTrackLike,
  PeerConnectionLike,
  RtcConfigurationLike,
} from "./clientTypes.js";
import { TypedEmitter } from "./emitter.js";
import {
  ConnectAbortedError,
  ConnectTimeoutError,
  FastRTCClientError,
  InvalidAnswerError,
  OfferHttpError,
  OfferRequestError,
  offerRejection,
} from "./errors.js";
import { dispatchServerMessage, messageText, parseServerMessage } from "./messages.js";
import { httpEndpoint } from "./url.js";

/** Label of the data channel FastRTC servers expect (reference §3.1 step 4). */
const DATA_CHANNEL_LABEL = "text";

interface PendingConnect {
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface ResolvedOptions {
  offerUrl: string;
  rtcConfiguration: RtcConfigurationLike;
  webrtcId: string;
  trickle: boolean;
  fetch: FetchLike | undefined;
  headers: Record<string, string>;
  createPeerConnection: ((config: RtcConfigurationLike) => PeerConnectionLike) | undefined;
  mode: ClientMode;
  receiveKinds: ReadonlyArray<"audio" | "video">;
  connectTimeoutMs: number;
  autoClose: boolean;
}

/**
 * A client for FastRTC servers (Python FastRTC and fastrtc-ts): WebRTC signalling over
 * `POST {url}{path}/webrtc/offer`, the `"text"` data channel with typed server messages, and
 * the connection lifecycle. Runs in browsers as is; in Node, use `NodeAudioClient` from
 * `fastrtc-ts/client/node` (Node WebRTC, with audio I/O) or pass `createPeerConnection`.
 *
 * A client is single-use: `connect()` once, `stop()` when done, create a new client to
 * reconnect.
 *
 * @typeParam E the event map (subclasses add events).
 * @example
 * ```ts
 * const client = new FastRTCClient({ url: "https://my-app.example" });
 * client.on("track", (e) => { audioElement.srcObject = e.streams[0]; });
 * client.on("error", (m) => toast(m.message));
 * client.on("log", (m) => setSpinner(m.data === "pause_detected"));
 * await client.connect(await navigator.mediaDevices.getUserMedia({ audio: true }));
 * // ...
 * await client.stop();
 * ```
 */
export class FastRTCClient<E extends ClientEvents = ClientEvents> extends TypedEmitter<E> {
  readonly #o: ResolvedOptions;
  #state: ClientState = "idle";
  #pc: PeerConnectionLike | null = null;
  #dc: DataChannelLike | null = null;
  #pending: PendingConnect | null = null;
  #connectTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #cleanups: (() => void)[] = [];
  #closing: Promise<void> | null = null;
  // trickle ICE bookkeeping
  #offerSent = false;
  #answered = false;
  #queuedCandidates: IceCandidateLike[] = [];
  #retryCandidates: IceCandidateLike[] = [];
  #token: string | null = null;

  constructor(options: ClientOptions = {}) {
    super();
    const timeout = options.connectTimeoutMs ?? 30_000;
    if (!(timeout > 0)) throw new RangeError(`connectTimeoutMs must be > 0, got ${timeout}`);
    this.#o = {
      offerUrl: httpEndpoint(options.url ?? "", options.path ?? "", "/webrtc/offer"),
      rtcConfiguration: options.rtcConfiguration ?? {},
      webrtcId: options.webrtcId ?? Math.random().toString(36).slice(2),
      trickle: options.trickle ?? true,
      fetch: options.fetch,
      headers: { ...options.headers },
      createPeerConnection: options.createPeerConnection,
      mode: options.mode ?? "send-receive",
      receiveKinds: [...(options.receiveKinds ?? ["audio"])],
      connectTimeoutMs: timeout,
      autoClose: options.autoClose ?? true,
    };
  }

  /** The id sent as `webrtc_id` (use it for the app's input hook and output stream). */
  get webrtcId(): string {
    return this.#o.webrtcId;
  }

  /**
   * The connection token the server gave with its answer (servers with `connectionTokens: true`),
   * or `null`. Send it back as the `X-FastRTC-Token` header on the app's `/input_hook`, and as
   * that header or the `fastrtc_token` query parameter on `/outputs`; the client adds it to its
   * own candidate posts.
   *
   * @example
   * ```ts
   * await fetch("/input_hook", { method: "POST", headers: client.connectionToken ? { "X-FastRTC-Token": client.connectionToken } : {}, body });
   * ```
   */
  get connectionToken(): string | null {
    return this.#token;
  }

  /** The current {@link ClientState}. */
  get state(): ClientState {
    return this.#state;
  }

  /** The media direction this client negotiates. */
  get mode(): ClientMode {
    return this.#o.mode;
  }

  /** The peer connection (`null` before `connect()`); still available after `stop()`. */
  get peerConnection(): PeerConnectionLike | null {
    return this.#pc;
  }

  /** The `"text"` data channel (`null` before `connect()`). */
  get dataChannel(): DataChannelLike | null {
    return this.#dc;
  }

  /**
   * Connects: creates the peer connection, adds media, creates the `"text"` data channel, sends
   * the offer (and trickled candidates), applies the answer, and waits until the peer connection
   * is `connected` and the data channel is open.
   *
   * @param media browsers: a `MediaStream` (e.g. from `getUserMedia`) whose tracks are sent in
   *   `send-receive` and `send` modes. Ignored in `receive` mode, where one `recvonly`
   *   transceiver per `receiveKinds` entry is added instead. Without media, only the data
   *   channel is negotiated.
   * @throws OfferRejectedError (or its subclasses `ConcurrencyLimitError`,
   *   `ConnectionExistsError`) when the server refuses; `OfferHttpError` for a non-200 response;
   *   `OfferRequestError` when the request cannot be made; `InvalidAnswerError`;
   *   `ConnectTimeoutError`; `ConnectAbortedError` when `stop()` is called
   *   meanwhile or the connection fails. On any error the peer connection is closed and the state
   *   is `failed` (`closed` after `stop()`).
   */
  connect(media?: MediaStreamLike): Promise<void> {
    if (this.#state !== "idle") {
      return Promise.reject(new FastRTCClientError("connect() can only be called once per client"));
    }
    this.#setState("connecting");
    const done = new Promise<void>((resolve, reject) => {
      this.#pending = { resolve, reject };
    });
    this.#connectTimer = setTimeout(() => {
      this.#fail(new ConnectTimeoutError(this.#o.connectTimeoutMs), "failed");
    }, this.#o.connectTimeoutMs);
    try {
      this.#start(media);
    } catch (error) {
      this.#fail(error, "failed");
    }
    return done;
  }

  /**
   * Sends text on the data channel. FastRTC servers answer each message with a
   * `{"type": "log", "data": "Server received: <text>"}` echo.
   *
   * @throws FastRTCClientError if the data channel is not open.
   */
  send(text: string): void {
    const dc = this.#dc;
    if (dc === null || dc.readyState !== "open") {
      throw new FastRTCClientError("The data channel is not open");
    }
    dc.send(text);
  }

  /**
   * Sends a typed turn: `{"type":"text","data":text}` on the data channel. fastrtc-ts servers
   * hand it to the handler (`ReplyOnPause` answers it like a spoken turn); FastRTC servers only
   * echo it.
   *
   * @throws FastRTCClientError if the data channel is not open.
   * @example
   * ```ts
   * client.sendText("What time is it?");
   * ```
   */
  sendText(text: string): void {
    if (typeof text !== "string") throw new TypeError("sendText needs a string");
    this.send(JSON.stringify({ type: "text", data: text }));
  }

  /**
   * Closes the data channel and the peer connection; state becomes `closed` (unless it already
   * is `closed` or `failed`). Idempotent: every call returns the same promise, which resolves
   * once the peer connection has closed. Local media tracks passed to `connect()` are not
   * stopped (they belong to the caller). No request is sent to the server (FastRTC has none).
   */
  stop(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    if (this.#pending !== null) {
      this.#fail(
        new ConnectAbortedError("stop() was called before the client connected"),
        "closed",
      );
      return this.#closing ?? Promise.resolve();
    }
    return this.#teardown("closed");
  }

  /**
   * Adds the local media before the offer is created. The default adds the stream's tracks in
   * `send-receive` mode (`addTrack`), as `sendonly` transceivers in `send` mode, and `recvonly`
   * transceivers (`receiveKinds`) in `receive` mode. Subclasses override it for other platforms.
   *
   * @param pc the new peer connection.
   * @param media what was passed to `connect()`.
   */
  protected addMedia(pc: PeerConnectionLike, media: MediaStreamLike | undefined): void {
    if (this.#o.mode === "receive") {
      for (const kind of this.#o.receiveKinds) pc.addTransceiver(kind, { direction: "recvonly" });
      return;
    }
    if (media === undefined) return;
    for (const track of media.getTracks()) {
      if (this.#o.mode === "send") {
        pc.addTransceiver(track, { direction: "sendonly", streams: [media] });
      } else {
        pc.addTrack(track, media);
      }
    }
  }

  /** Emits one of the base {@link ClientEvents} (usable by subclasses with wider event maps). */
  protected emitClientEvent<K extends keyof ClientEvents>(name: K, payload: ClientEvents[K]): void {
    (this as unknown as { emit(n: K, p: ClientEvents[K]): void }).emit(name, payload);
  }

  // -------------------------------------------------------------------------------------------

  #start(media: MediaStreamLike | undefined): void {
    const create = this.#o.createPeerConnection ?? defaultCreatePeerConnection;
    const pc = create(this.#o.rtcConfiguration);
    this.#pc = pc;
    this.#listen(pc, "connectionstatechange", () => this.#onConnectionState());
    this.#listen(pc, "track", (event) => this.#onTrack(event));
    if (this.#o.trickle) this.#listen(pc, "icecandidate", (event) => this.#onIceCandidate(event));

    this.addMedia(pc, media);

    const dc = pc.createDataChannel(DATA_CHANNEL_LABEL);
    this.#dc = dc;
    this.#listen(dc, "open", () => {
      this.emitClientEvent("datachannel-open", dc);
      this.#checkConnected();
    });
    this.#listen(dc, "message", (event) => this.#onMessage(event));
    this.#listen(dc, "close", () => this.#onDataChannelClose());

    this.#negotiate(pc).catch((error: unknown) => this.#fail(error, "failed"));
  }

  async #negotiate(pc: PeerConnectionLike): Promise<void> {
    const offer = await pc.createOffer();
    if (this.#pc !== pc || this.#pending === null) return;
    await pc.setLocalDescription(offer);
    if (!this.#o.trickle) await this.#gatheringComplete(pc);
    if (this.#pending === null) return;

    const local = pc.localDescription ?? offer;
    const responsePromise = this.#post({
      sdp: local.sdp ?? "",
      type: local.type ?? "offer",
      webrtc_id: this.#o.webrtcId,
    });
    // The request is issued: candidates can follow it now (the server registers the connection
    // before it answers).
    this.#offerSent = true;
    const queued = this.#queuedCandidates;
    this.#queuedCandidates = [];
    for (const c of queued) this.#postCandidate(c);

    let response: FetchResponseLike;
    let body: string;
    try {
      response = await responsePromise;
      body = await response.text();
    } catch (error) {
      throw new OfferRequestError(this.#o.offerUrl, error);
    }
    if (this.#pending === null) return;
    // A 503 with a failed status (the server drains, or lost its service's shared state) is a
    // refusal with a code, like a full server's.
    const refusal = response.status === 503 ? failedMeta(body) : null;
    if (refusal !== null) throw offerRejection(refusal);
    if (response.status !== 200) throw new OfferHttpError(response.status, body);
    const answer = parseAnswer(body);
    if ("rejected" in answer) throw offerRejection(answer.rejected);
    await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    this.#token = answer.token;
    this.#answered = true;
    const retry = this.#retryCandidates;
    this.#retryCandidates = [];
    for (const c of retry) this.#postCandidate(c, false);
    this.#checkConnected();
  }

  #gatheringComplete(pc: PeerConnectionLike): Promise<void> {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise<void>((resolve) => {
      const remove = this.#listen(pc, "icegatheringstatechange", () => {
        if (pc.iceGatheringState !== "complete") return;
        remove();
        resolve();
      });
      // settle on teardown too (the negotiation then stops at its next check)
      this.#cleanups.push(resolve);
    });
  }

  #post(body: Record<string, unknown>): Promise<FetchResponseLike> {
    const fetchFn = this.#o.fetch ?? defaultFetch;
    try {
      return fetchFn(this.#o.offerUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...this.#o.headers },
        body: JSON.stringify(body),
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #onIceCandidate(event: unknown): void {
    const candidate = (event as { candidate?: IceCandidateLike | null } | null)?.candidate;
    // null/undefined marks the end of candidates; FastRTC rejects empty candidate strings.
    if (candidate === null || candidate === undefined || !candidate.candidate) return;
    if (this.#offerSent) this.#postCandidate(candidate);
    else this.#queuedCandidates.push(candidate);
  }

  /**
   * POSTs one candidate. A candidate sent before the answer arrived may reach the server before
   * the offer does (separate HTTP requests can race) and get `unknown_connection`: it is sent
   * once more after the answer is in.
   */
  #postCandidate(candidate: IceCandidateLike, mayRetry = true): void {
    if (this.#closing !== null) return;
    const init =
      typeof candidate.toJSON === "function"
        ? candidate.toJSON()
        : {
            candidate: candidate.candidate,
            sdpMid: candidate.sdpMid,
            sdpMLineIndex: candidate.sdpMLineIndex,
            usernameFragment: candidate.usernameFragment,
          };
    const retry = mayRetry && !this.#answered;
    this.#post({
      candidate: init,
      webrtc_id: this.#o.webrtcId,
      type: "ice-candidate",
      ...(this.#token === null ? {} : { fastrtc_token: this.#token }),
    })
      .then(async (res) => ({ status: res.status, text: await res.text() }))
      .then(({ status, text }) => {
        // Before the answer: the server did not know the connection yet, or (connectionTokens)
        // wants the token the answer brings. Either way, send it again after the answer.
        if (!retry || !(status === 403 || isUnknownConnection(text))) return;
        if (this.#answered) this.#postCandidate(candidate, false);
        else this.#retryCandidates.push(candidate);
      })
      .catch(() => {
        // Candidate responses are informational (reference §3.1 step 6); a lost one only
        // removes one path, and the server's answer carries all of its own candidates.
      });
  }

  #onTrack(event: unknown): void {
    const e = event as { track?: MediaStreamTrackLike; streams?: readonly MediaStreamLike[] };
    if (e?.track === undefined) return;
    this.emitClientEvent("track", { track: e.track, streams: e.streams ?? [] });
  }

  #onMessage(event: unknown): void {
    const text = messageText((event as { data?: unknown } | null)?.data);
    if (text === undefined) return;
    const message = parseServerMessage(text);
    dispatchServerMessage(message, (name, payload) =>
      this.emitClientEvent(name, payload as ClientEvents[typeof name]),
    );
    if (!this.#o.autoClose) return;
    if (
      message.type === "end_stream" ||
      (message.type === "update_connection" && message.data === "closed")
    ) {
      void this.stop();
    }
  }

  #onDataChannelClose(): void {
    if (this.#pending !== null) {
      this.#fail(new ConnectAbortedError("The data channel closed while connecting"), "failed");
    } else if (this.#state === "connected" && this.#o.autoClose) {
      void this.stop();
    }
  }

  #onConnectionState(): void {
    const pc = this.#pc;
    if (pc === null) return;
    const s = pc.connectionState;
    if (s === "connected") {
      this.#checkConnected();
    } else if (s === "failed" || s === "closed") {
      if (this.#pending !== null) {
        this.#fail(new ConnectAbortedError(`The peer connection is ${s}`), "failed");
      } else if (this.#closing === null) {
        void this.#teardown(s === "failed" ? "failed" : "closed");
      }
    }
  }

  #checkConnected(): void {
    const pending = this.#pending;
    if (pending === null || this.#pc === null || this.#dc === null) return;
    if (this.#pc.connectionState !== "connected" || this.#dc.readyState !== "open") return;
    this.#pending = null;
    this.#clearTimer();
    this.#setState("connected");
    pending.resolve();
  }

  /** Rejects a pending `connect()` (if any) and tears down. */
  #fail(error: unknown, state: "failed" | "closed"): void {
    const pending = this.#pending;
    this.#pending = null;
    if (this.#closing === null) void this.#teardown(state);
    pending?.reject(error);
  }

  #teardown(state: "failed" | "closed"): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#clearTimer();
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    this.#queuedCandidates = [];
    this.#retryCandidates = [];
    const dc = this.#dc;
    const pc = this.#pc;
    this.#closing = (async () => {
      try {
        dc?.close();
      } catch {
        // already closed
      }
      try {
        await pc?.close();
      } catch {
        // already closed
      }
    })();
    if (this.#state !== "closed" && this.#state !== "failed") this.#setState(state);
    return this.#closing;
  }

  #clearTimer(): void {
    if (this.#connectTimer !== null) clearTimeout(this.#connectTimer);
    this.#connectTimer = null;
  }

  #setState(state: ClientState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emitClientEvent("state", state);
  }

  /** Adds a listener that is removed on teardown; returns its remover. */
  #listen(
    target: Pick<PeerConnectionLike, "addEventListener" | "removeEventListener">,
    type: string,
    listener: EventListenerLike,
  ): () => void {
    target.addEventListener(type, listener);
    let removed = false;
    const remove = (): void => {
      if (removed) return;
      removed = true;
      target.removeEventListener(type, listener);
    };
    this.#cleanups.push(remove);
    return remove;
  }
}

function defaultCreatePeerConnection(config: RtcConfigurationLike): PeerConnectionLike {
  const Ctor = (globalThis as { RTCPeerConnection?: new (c: unknown) => PeerConnectionLike })
    .RTCPeerConnection;
  if (Ctor === undefined) {
    throw new FastRTCClientError(
      "No RTCPeerConnection in this environment: in Node, use NodeAudioClient from " +
        "fastrtc-ts/client/node or pass the createPeerConnection option",
    );
  }
  return new Ctor(config);
}

const defaultFetch: FetchLike = (url, init) => {
  const f = (globalThis as { fetch?: FetchLike }).fetch;
  if (f === undefined) {
    return Promise.reject(new FastRTCClientError("No global fetch: pass the fetch option"));
  }
  // called as a plain function so that browsers' fetch gets globalThis as `this`
  return f(url, init);
};

function parseAnswer(body: string): { sdp: string; token: string | null } | { rejected: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new InvalidAnswerError(body);
  }
  if (typeof value !== "object" || value === null) throw new InvalidAnswerError(body);
  const v = value as { status?: unknown; meta?: unknown; sdp?: unknown; fastrtc_token?: unknown };
  if (v.status === "failed") return { rejected: v.meta };
  if (typeof v.sdp !== "string" || v.sdp === "") throw new InvalidAnswerError(body);
  return { sdp: v.sdp, token: typeof v.fastrtc_token === "string" ? v.fastrtc_token : null };
}

function failedMeta(text: string): object | null {
  try {
    const v = JSON.parse(text) as { status?: unknown; meta?: unknown };
    return v?.status === "failed" && typeof v.meta === "object" && v.meta !== null ? v.meta : null;
  } catch {
    return null;
  }
}

function isUnknownConnection(text: string): boolean {
  try {
    const v = JSON.parse(text) as { status?: unknown; meta?: { error?: unknown } };
    return v?.status === "failed" && v.meta?.error === "unknown_connection";
  } catch {
    return false;
  }
}
