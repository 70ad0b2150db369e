/**
 * The JSON messages of FastRTC's WebSocket protocol (`/websocket/offer`), which is also the shape
 * of Twilio Media Streams (`/telephone/handler`): parsing what a client sends, building what the
 * server sends. Pure functions, no sockets.
 *
 * @module
 */

/**
 * A client message, validated.
 *
 * - `start`: the first message; `id` is `websocket_id` (FastRTC clients) or the top-level
 *   `streamSid` (Twilio). `callSid` and `customParameters` come from Twilio's `start` object.
 *   `inputSampleRate`/`outputSampleRate` are the rates a client announces in
 *   `input_sample_rate`/`output_sample_rate` (a fastrtc-ts extension that FastRTC servers
 *   ignore), `null` when absent or not a positive integer.
 * - `media`: decoded G.711 µ-law bytes of `media.payload`.
 * - `mark`: Twilio echoing a mark the server sent, once the audio before it was played.
 * - `text`: a typed turn (`{"event":"text","text":"..."}`, a fastrtc-ts extension).
 * - `other`: any other `event` (Twilio's `connected`, …), ignored by the server.
 *
 * @example
 * ```ts
 * const parsed = parseClientMessage('{"event":"ping"}');
 * if (parsed.ok && parsed.message.event === "ping") reply(PONG);
 * ```
 */
export type ClientMessage =
  | {
      event: "start";
      id: string | null;
      callSid: string | null;
      customParameters: Record<string, string>;
      inputSampleRate?: number | null;
      outputSampleRate?: number | null;
    }
  | { event: "media"; payload: Uint8Array }
  | { event: "stop" }
  | { event: "ping" }
  | { event: "mark"; name: string }
  | { event: "dtmf"; digit: string }
  | { event: "text"; text: string }
  | { event: "other"; name: string };

/**
 * The result of {@link parseClientMessage}: the message, or why it was refused.
 *
 * @example
 * ```ts
 * const r: ParsedClientMessage = parseClientMessage(text);
 * if (!r.ok) sendError(r.error);
 * ```
 */
export type ParsedClientMessage =
  | { ok: true; message: ClientMessage }
  | { ok: false; error: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The rates a fastrtc-ts client announces in `start`; absent when it announces none. */
function announcedRates(value: Record<string, unknown>): {
  inputSampleRate?: number | null;
  outputSampleRate?: number | null;
} {
  if (!("input_sample_rate" in value) && !("output_sample_rate" in value)) return {};
  const rate = (v: unknown) =>
    typeof v === "number" && Number.isInteger(v) && v > 0 && v <= 384_000 ? v : null;
  return {
    inputSampleRate: rate(value.input_sample_rate),
    outputSampleRate: rate(value.output_sample_rate),
  };
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === "string" && value.length > 0 ? value : null;
}

/**
 * Decodes strict base64 (standard alphabet, padding optional, no whitespace).
 *
 * @returns the bytes, or `null` when `text` is not base64.
 * @example
 * ```ts
 * decodeBase64("/38A"); // Uint8Array [255, 127, 0]
 * ```
 */
export function decodeBase64(text: string): Uint8Array | null {
  if (!BASE64.test(text) || text.length % 4 === 1) return null;
  const bytes = Buffer.from(text, "base64");
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Parses one text frame from a WebSocket or Twilio client.
 *
 * Refused (with a message meant for the client): not JSON, not an object, no string `event`,
 * `media` without a base64 `media.payload`, `mark` without `mark.name`. Unknown events are
 * accepted as `other` (Twilio sends events the server does not need).
 *
 * @example
 * ```ts
 * parseClientMessage('{"event":"start","websocket_id":"abc"}');
 * // { ok: true, message: { event: "start", id: "abc", callSid: null, customParameters: {} } }
 * ```
 */
export function parseClientMessage(text: string): ParsedClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: "Message is not valid JSON" };
  }
  if (!isRecord(value)) return { ok: false, error: "Message must be a JSON object" };
  const event = value.event;
  if (typeof event !== "string" || event.length === 0) {
    return { ok: false, error: 'Message has no "event" string' };
  }
  switch (event) {
    case "start": {
      const start = isRecord(value.start) ? value.start : {};
      const params: Record<string, string> = {};
      if (isRecord(start.customParameters)) {
        for (const [k, v] of Object.entries(start.customParameters)) {
          if (typeof v === "string") params[k] = v;
        }
      }
      return {
        ok: true,
        message: {
          event,
          id:
            nonEmptyString(value.websocket_id) ??
            nonEmptyString(value.streamSid) ??
            nonEmptyString(start.streamSid),
          callSid: nonEmptyString(start.callSid),
          customParameters: params,
          ...announcedRates(value),
        },
      };
    }
    case "media": {
      const media = value.media;
      if (!isRecord(media) || typeof media.payload !== "string") {
        return { ok: false, error: '"media" message needs a "media.payload" base64 string' };
      }
      const payload = decodeBase64(media.payload);
      if (!payload) return { ok: false, error: '"media.payload" is not valid base64' };
      return { ok: true, message: { event, payload } };
    }
    case "stop":
    case "ping":
      return { ok: true, message: { event } };
    case "mark": {
      const mark = value.mark;
      if (!isRecord(mark) || typeof mark.name !== "string") {
        return { ok: false, error: '"mark" message needs a "mark.name" string' };
      }
      return { ok: true, message: { event, name: mark.name } };
    }
    case "text": {
      if (typeof value.text !== "string") {
        return { ok: false, error: '"text" message needs a "text" string' };
      }
      return { ok: true, message: { event, text: value.text } };
    }
    case "dtmf": {
      const dtmf = value.dtmf;
      const digit = isRecord(dtmf) && typeof dtmf.digit === "string" ? dtmf.digit : "";
      return { ok: true, message: { event, digit } };
    }
    default:
      return { ok: true, message: { event: "other", name: event } };
  }
}

/**
 * `{"event":"media","media":{"payload":...}}`, plus the top-level `streamSid` for Twilio.
 *
 * @example
 * ```ts
 * socket.send(mediaMessage(muLawEncode(frame), "MZ123"));
 * ```
 */
export function mediaMessage(payload: Uint8Array, streamSid?: string): string {
  const b64 = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString(
    "base64",
  );
  return streamSid === undefined
    ? JSON.stringify({ event: "media", media: { payload: b64 } })
    : JSON.stringify({ event: "media", streamSid, media: { payload: b64 } });
}

/**
 * `{"event":"clear"}` (plus `streamSid` for Twilio): drop the audio buffered for playback.
 *
 * @example
 * ```ts
 * socket.send(clearMessage("MZ123"));
 * ```
 */
export function clearMessage(streamSid?: string): string {
  return streamSid === undefined
    ? JSON.stringify({ event: "clear" })
    : JSON.stringify({ event: "clear", streamSid });
}

/**
 * A Twilio `mark`: Twilio sends it back once the audio sent before it has been played.
 *
 * @example
 * ```ts
 * socket.send(markMessage("MZ123", "fastrtc-12"));
 * ```
 */
export function markMessage(streamSid: string, name: string): string {
  return JSON.stringify({ event: "mark", streamSid, mark: { name } });
}

/** `{"event":"pong"}`, the answer to a ping. */
export const PONG = JSON.stringify({ event: "pong" });

/**
 * FastRTC's failure message, sent before the server closes the socket.
 *
 * @example
 * ```ts
 * socket.send(failureMessage("concurrency_limit_reached", { limit: 10 }));
 * ```
 */
export function failureMessage(error: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ status: "failed", meta: { error, ...extra } });
}

/**
 * WebSocket close codes the server uses.
 *
 * @example
 * ```ts
 * socket.close(CLOSE_CODES.tryAgainLater, "concurrency_limit_reached");
 * ```
 */
export const CLOSE_CODES = {
  /** `stop`, `CloseStream` played, time limit, server shutdown. */
  normal: 1000,
  /** A message that breaks the protocol badly enough to end the session. */
  policy: 1008,
  /** A message over the size limit (sent by the `ws` library itself). */
  tooBig: 1009,
  /** A handler or server failure. */
  internal: 1011,
  /** The concurrency limit is reached. */
  tryAgainLater: 1013,
} as const;
