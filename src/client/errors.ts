/**
 * Errors thrown by the FastRTC client. All extend {@link FastRTCClientError}.
 *
 * @module
 */

/**
 * Base class of every error the client throws, so one `instanceof` check catches them all.
 *
 * @example
 * ```ts
 * try {
 *   await client.connect(stream);
 * } catch (e) {
 *   if (e instanceof FastRTCClientError) showError(e.message);
 * }
 * ```
 */
export class FastRTCClientError extends Error {
  override name = "FastRTCClientError";
}

/**
 * The server answered the offer with `{"status": "failed", "meta": {"error": ...}}` (HTTP 200).
 * `code` is `meta.error` (e.g. `"concurrency_limit_reached"`, `"connection_already_exists"`, or
 * an exception text); `meta` is the whole `meta` object.
 *
 * @example
 * ```ts
 * catch (e) {
 *   if (e instanceof OfferRejectedError) showError(`server refused: ${e.code}`);
 * }
 * ```
 */
export class OfferRejectedError extends FastRTCClientError {
  override name = "OfferRejectedError";
  /** The server's `meta.error` string (`"unknown"` if absent). */
  readonly code: string;
  /** The server's `meta` object as received. */
  readonly meta: Readonly<Record<string, unknown>>;

  constructor(meta: Readonly<Record<string, unknown>>, message?: string) {
    const code = typeof meta.error === "string" ? meta.error : "unknown";
    super(message ?? `Server rejected the offer: ${code}`);
    this.code = code;
    this.meta = meta;
  }
}

/**
 * The server already serves as many connections as its `concurrency_limit` allows.
 *
 * @example
 * ```ts
 * catch (e) {
 *   if (e instanceof ConcurrencyLimitError) showError(`Server full (${e.limit} users), try later`);
 * }
 * ```
 */
export class ConcurrencyLimitError extends OfferRejectedError {
  override name = "ConcurrencyLimitError";
  /** The server's concurrency limit (`meta.limit`; `NaN` if the server did not send it). */
  readonly limit: number;

  constructor(meta: Readonly<Record<string, unknown>>) {
    const limit = typeof meta.limit === "number" ? meta.limit : Number.NaN;
    super(meta, `Too many concurrent connections (limit ${limit}). Please try again later.`);
    this.limit = limit;
  }
}

/**
 * The server already has a connection with this `webrtc_id`.
 *
 * @example
 * ```ts
 * catch (e) {
 *   if (e instanceof ConnectionExistsError) retryWithNewClient();
 * }
 * ```
 */
export class ConnectionExistsError extends OfferRejectedError {
  override name = "ConnectionExistsError";

  constructor(meta: Readonly<Record<string, unknown>>) {
    super(meta, "A connection with this webrtc_id already exists");
  }
}

/**
 * A fastrtc-ts server refused a WebSocket client whose announced rates differ from its handler's
 * (FastRTC's protocol labels media with the handler's rates, so other rates would be heard as
 * noise at the wrong speed). `inputSampleRate`/`outputSampleRate` are the handler's rates: create
 * the client with them.
 *
 * @example
 * ```ts
 * catch (e) {
 *   if (e instanceof SampleRateMismatchError) {
 *     client = new FastRTCWebSocketClient({ url, inputSampleRate: e.inputSampleRate, outputSampleRate: e.outputSampleRate });
 *   }
 * }
 * ```
 */
export class SampleRateMismatchError extends OfferRejectedError {
  override name = "SampleRateMismatchError";
  /** The rate the server's handler takes audio at (`meta.input_sample_rate`; `NaN` if absent). */
  readonly inputSampleRate: number;
  /** The rate the server's handler sends audio at (`meta.output_sample_rate`; `NaN` if absent). */
  readonly outputSampleRate: number;

  constructor(meta: Readonly<Record<string, unknown>>) {
    const num = (v: unknown) => (typeof v === "number" ? v : Number.NaN);
    const input = num(meta.input_sample_rate);
    const output = num(meta.output_sample_rate);
    super(
      meta,
      `The server's handler takes ${input} Hz audio and sends ${output} Hz: create the client with { inputSampleRate: ${input}, outputSampleRate: ${output} }`,
    );
    this.inputSampleRate = input;
    this.outputSampleRate = output;
  }
}

/**
 * The offer request returned a status other than 200 (e.g. 422 for a malformed body, 500 for a
 * server exception). `detail` is the `detail` field of a JSON body (FastAPI style), if any.
 *
 * @example
 * ```ts
 * catch (e) {
 *   if (e instanceof OfferHttpError && e.status === 422) report(e.detail);
 * }
 * ```
 */
export class OfferHttpError extends FastRTCClientError {
  override name = "OfferHttpError";
  /** The HTTP status. */
  readonly status: number;
  /** `detail` of a JSON body, or `undefined` if the body is not JSON or has none. */
  readonly detail: unknown;
  /** The response body as text. */
  readonly body: string;

  constructor(status: number, body: string) {
    super(`Offer request failed with HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.detail = detailOf(body);
  }
}

/**
 * The offer request could not be made at all (network error, refused connection, CORS): `fetch`
 * rejected. The `fetch` error is the `cause`.
 *
 * @example
 * ```ts
 * catch (e) {
 *   if (e instanceof OfferRequestError) showError(`Server unreachable: ${String(e.cause)}`);
 * }
 * ```
 */
export class OfferRequestError extends FastRTCClientError {
  override name = "OfferRequestError";

  constructor(url: string, cause: unknown) {
    super(
      `Offer request to ${url} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
  }
}

/**
 * `connect()` did not finish within `connectTimeoutMs`.
 *
 * @example
 * ```ts
 * catch (e) {
 *   if (e instanceof ConnectTimeoutError) showError("Taking a while to connect. Are you on a VPN?");
 * }
 * ```
 */
export class ConnectTimeoutError extends FastRTCClientError {
  override name = "ConnectTimeoutError";
  /** The timeout that expired, in milliseconds. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`Not connected after ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * The offer response was HTTP 200 but neither a rejection nor an SDP answer.
 *
 * @example
 * ```ts
 * catch (e) {
 *   if (e instanceof InvalidAnswerError) report(e.body);
 * }
 * ```
 */
export class InvalidAnswerError extends FastRTCClientError {
  override name = "InvalidAnswerError";
  /** The response body as text. */
  readonly body: string;

  constructor(body: string) {
    super("The server's offer response is not an SDP answer");
    this.body = body;
  }
}

/**
 * `connect()` was interrupted: `stop()` was called, or the peer connection failed or closed
 * before the client was connected.
 *
 * @example
 * ```ts
 * const pending = client.connect(stream);
 * await client.stop();
 * await pending.catch((e) => e instanceof ConnectAbortedError); // true
 * ```
 */
export class ConnectAbortedError extends FastRTCClientError {
  override name = "ConnectAbortedError";
}

/**
 * The WebSocket closed before `connect()` finished: it never opened (server unreachable, TLS
 * failure, or an upgrade rejection the platform does not detail, as in browsers), or it opened
 * and the server closed it before accepting the session. A concurrency-limit rejection is a
 * {@link ConcurrencyLimitError} instead, an upgrade rejection with a known HTTP status a
 * {@link WebSocketUpgradeError}.
 *
 * @example
 * ```ts
 * catch (e) {
 *   if (e instanceof WebSocketClosedError) showError(`closed (${e.code}) ${e.reason}`);
 * }
 * ```
 */
export class WebSocketClosedError extends FastRTCClientError {
  override name = "WebSocketClosedError";
  /** The close code the platform reported (`1006` when the socket never opened). */
  readonly code: number;
  /** The close reason (often `""`). */
  readonly reason: string;
  /** Whether the socket had opened. */
  readonly opened: boolean;

  constructor(code: number, reason: string, opened: boolean, message?: string) {
    super(
      message ??
        (opened
          ? `The server closed the WebSocket (code ${code}${reason ? `: ${reason}` : ""}) before accepting the session`
          : `The WebSocket could not be opened (code ${code}${reason ? `: ${reason}` : ""})`),
    );
    this.code = code;
    this.reason = reason;
    this.opened = opened;
  }
}

/**
 * The server answered the WebSocket upgrade request with an HTTP error status, e.g. `401` /
 * `403` from an authentication hook. Only raised where the platform reports the status (the
 * Node entry's sockets); browsers hide it and give a {@link WebSocketClosedError}.
 *
 * @example
 * ```ts
 * catch (e) {
 *   if (e instanceof WebSocketUpgradeError && e.status === 401) await login();
 * }
 * ```
 */
export class WebSocketUpgradeError extends WebSocketClosedError {
  override name = "WebSocketUpgradeError";
  /** The HTTP status of the rejection. */
  readonly status: number;
  /** The response body, when the platform provides it (`""` otherwise). */
  readonly body: string;

  constructor(status: number, body = "", code = 1006, reason = "") {
    super(code, reason, false, `The server rejected the WebSocket upgrade with HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * No `pong` arrived within the timeout after a `ping`.
 *
 * @example
 * ```ts
 * const rtt = await client.ping().catch((e) => (e instanceof PingTimeoutError ? Infinity : 0));
 * ```
 */
export class PingTimeoutError extends FastRTCClientError {
  override name = "PingTimeoutError";
  /** The timeout that expired, in milliseconds. */
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(`No pong within ${timeoutMs} ms`);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Builds the error for a `{"status": "failed", "meta": ...}` offer response.
 *
 * @example
 * ```ts
 * offerRejection({ error: "concurrency_limit_reached", limit: 2 }); // ConcurrencyLimitError
 * ```
 */
export function offerRejection(meta: unknown): OfferRejectedError {
  const m: Record<string, unknown> =
    typeof meta === "object" && meta !== null && !Array.isArray(meta)
      ? (meta as Record<string, unknown>)
      : {};
  if (m.error === "concurrency_limit_reached") return new ConcurrencyLimitError(m);
  if (m.error === "connection_already_exists") return new ConnectionExistsError(m);
  if (m.error === "sample_rate_mismatch") return new SampleRateMismatchError(m);
  return new OfferRejectedError(m);
}

function detailOf(body: string): unknown {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === "object" && parsed !== null && "detail" in parsed) {
      return (parsed as { detail: unknown }).detail;
    }
  } catch {
    // not JSON
  }
  return undefined;
}
