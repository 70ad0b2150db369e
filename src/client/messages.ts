import type { ParsedServerMessage } from "./clientTypes.js";

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
  const unknown: ParsedServerMessage = { type: "unknown", raw: text };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return unknown;
  }
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

/** The first non-empty string of `a`, `b`; else the first string; else `undefined`. */
function textOf(a: unknown, b: unknown): string | undefined {
  if (typeof a === "string" && a !== "") return a;
  if (typeof b === "string" && b !== "") return b;
  if (typeof a === "string") return a;
  return typeof b === "string" ? b : undefined;
}
