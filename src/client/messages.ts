import type { ParsedServerMessage, ServerMessageEvents } from "./clientTypes.js";

/**
 * Parses one data-channel text from a FastRTC server. Never throws: text that is not JSON, or
 * not a known message, becomes `{ type: "unknown", raw }`.
 *
 * Accepted shapes (reference §4.1): `send_input` and `fetch_output` (any `data`), `log`,
 * `stopword` and `end_stream` (string `data`; a missing `data` is `""` for the last two),
 * `update_connection` (`data` `"open"` or `"closed"`), `error` and `warning` (text in `message`,
 * or in `data` as some servers send it).
 *
 * @example
 * ```ts
 * parseServerMessage('{"type": "log", "data": "pause_detected"}'); // { type: "log", data: "pause_detected" }
 * parseServerMessage('{"type":"error","data":"boom"}');            // { type: "error", message: "boom" }
 * parseServerMessage("not json");                                   // { type: "unknown", raw: "not json" }
 * ```
 */
export function parseServerMessage(text: string): ParsedServerMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { type: "unknown", raw: text };
  }
  return serverMessageFromJson(value, text);
}

/**
 * {@link parseServerMessage} for text that is already JSON-parsed (the WebSocket client parses
 * each frame once, then dispatches on `event` or `type`). Never throws.
 *
 * @param value the parsed JSON.
 * @param raw the text it was parsed from (kept in `unknown` results).
 * @internal shared by the clients; not part of the public API.
 * @example
 * ```ts
 * serverMessageFromJson({ type: "log", data: "x" }, text); // { type: "log", data: "x" }
 * ```
 */
export function serverMessageFromJson(value: unknown, raw: string): ParsedServerMessage {
  const unknown: ParsedServerMessage = { type: "unknown", raw };
  if (typeof value !== "object" || value === null || Array.isArray(value)) return unknown;
  const obj = value as Record<string, unknown>;
  const data = obj.data;
  switch (obj.type) {
    case "send_input":
      return { type: "send_input", data: data ?? [] };
    case "fetch_output":
      return { type: "fetch_output", data: data ?? [] };
    case "log":
      return typeof data === "string" ? { type: "log", data } : unknown;
    case "stopword":
    case "end_stream":
      if (data === undefined || data === null) return { type: obj.type, data: "" };
      return typeof data === "string" ? { type: obj.type, data } : unknown;
    case "update_connection":
      return data === "open" || data === "closed" ? { type: "update_connection", data } : unknown;
    case "error":
    case "warning": {
      const message = textOf(obj.message, data);
      return message === undefined ? unknown : { type: obj.type, message };
    }
    default:
      return unknown;
  }
}

/**
 * An `emit` function for {@link ServerMessageEvents}.
 *
 * @internal
 * @example
 * ```ts
 * const emit: ServerMessageEmit = (name, payload) => target.dispatch(name, payload);
 * ```
 */
export type ServerMessageEmit = <K extends keyof ServerMessageEvents>(
  name: K,
  payload: ServerMessageEvents[K],
) => void;

/**
 * Emits `message` (every parsed message), then the typed event of a known message
 * (`log`, `send_input`, ..., named after its `type`). Unknown messages only get `message`.
 *
 * @internal shared by the clients; not part of the public API.
 * @example
 * ```ts
 * dispatchServerMessage(parseServerMessage(text), (name, payload) => this.emit(name, payload));
 * ```
 */
export function dispatchServerMessage(message: ParsedServerMessage, emit: ServerMessageEmit): void {
  emit("message", message);
  switch (message.type) {
    case "unknown":
      return;
    case "send_input":
      emit("send_input", message);
      return;
    case "fetch_output":
      emit("fetch_output", message);
      return;
    case "log":
      emit("log", message);
      return;
    case "stopword":
      emit("stopword", message);
      return;
    case "end_stream":
      emit("end_stream", message);
      return;
    case "update_connection":
      emit("update_connection", message);
      return;
    case "error":
      emit("error", message);
      return;
    case "warning":
      emit("warning", message);
      return;
  }
}

/**
 * The text of a message event's `data`: strings as is, `ArrayBuffer`s and typed arrays (Node
 * `Buffer`s) decoded as UTF-8; anything else (e.g. a `Blob`) gives `undefined`.
 *
 * @internal
 * @example
 * ```ts
 * messageText(new TextEncoder().encode("hi")); // "hi"
 * ```
 */
export function messageText(data: unknown): string | undefined {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return new TextDecoder().decode(data);
  if (ArrayBuffer.isView(data)) {
    return new TextDecoder().decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return undefined;
}

/** The first non-empty string of `a`, `b`; else the first string; else `undefined`. */
function textOf(a: unknown, b: unknown): string | undefined {
  if (typeof a === "string" && a !== "") return a;
  if (typeof b === "string" && b !== "") return b;
  if (typeof a === "string") return a;
  return typeof b === "string" ? b : undefined;
}
