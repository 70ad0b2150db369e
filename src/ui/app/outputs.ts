/**
 * The extra outputs of the page (`PageConfig.additionalOutputs`) and typed text turns: reading
 * the configuration, the `/outputs` event stream's URL and events, and what each output shows.
 * Pure (no DOM), so it can be tested in Node.
 */

import type { ChatMessage } from "../componentTypes.js";
import { componentNames } from "./components.js";

/**
 * An output component with its name and label filled in.
 *
 * @example
 * ```ts
 * const chat: ResolvedOutput = { type: "chatbot", name: "chat", label: "Conversation" };
 * ```
 */
export interface ResolvedOutput {
  type: "chatbot" | "textbox" | "json";
  /** Position in each `output` event's array is the position in the config. */
  name: string;
  label: string;
}

/**
 * One change to a shown chat transcript, from {@link chatUpdates}.
 *
 * @example
 * ```ts
 * const op: ChatUpdate = { op: "append", message: { role: "user", content: "hi" } };
 * ```
 */
export type ChatUpdate =
  | { op: "append"; message: ChatMessage }
  | { op: "set-content"; index: number; content: string }
  | { op: "replace"; index: number; message: ChatMessage }
  | { op: "truncate"; length: number };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads `PageConfig.additionalOutputs` as embedded in the page. Unknown types are left out;
 * the position of every other output is kept (it is the position of its value in `output`
 * events), so the result has one entry per configured output, `undefined` for those skipped.
 *
 * @example
 * ```ts
 * resolveOutputs([{ type: "chatbot", name: "chat" }, { type: "image" }]);
 * // [{ type: "chatbot", name: "chat", label: "chat" }, undefined]
 * ```
 */
export function resolveOutputs(raw: unknown): Array<ResolvedOutput | undefined> {
  if (!Array.isArray(raw)) return [];
  return raw.map((item, index) => {
    if (!isRecord(item)) return undefined;
    const type = item.type;
    if (type !== "chatbot" && type !== "textbox" && type !== "json") return undefined;
    return { type, ...componentNames(item, index, "output") };
  });
}

/** Text of a message's content: a string, OpenAI-style text parts, or anything as JSON. */
function contentText(content: unknown): string | undefined {
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return undefined;
  if (Array.isArray(content)) {
    const parts = content.flatMap((part) => {
      if (typeof part === "string") return [part];
      if (isRecord(part) && typeof part.text === "string") return [part.text];
      return [];
    });
    if (parts.length > 0) return parts.join("");
  }
  if (typeof content === "number" || typeof content === "boolean") return String(content);
  return JSON.stringify(content);
}

/**
 * The messages of a chatbot output's value. Accepts the messages format
 * (`[{ role: "user" | "assistant", content }]`) and Gradio's older pairs format
 * (`[[user, bot], ...]`, either side may be `null`). Other roles and malformed items are left
 * out; non-string content is shown as text (text parts joined, anything else as JSON).
 *
 * @example
 * ```ts
 * normalizeChat([["Hi", "Hello!"], ["Bye", null]]);
 * // [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello!" },
 * //  { role: "user", content: "Bye" }]
 * ```
 */
export function normalizeChat(value: unknown): ChatMessage[] {
  if (!Array.isArray(value)) return [];
  const messages: ChatMessage[] = [];
  for (const item of value) {
    if (Array.isArray(item)) {
      const user = contentText(item[0]);
      const bot = contentText(item[1]);
      if (user !== undefined) messages.push({ role: "user", content: user });
      if (bot !== undefined) messages.push({ role: "assistant", content: bot });
    } else if (isRecord(item) && (item.role === "user" || item.role === "assistant")) {
      const content = contentText(item.content);
      if (content !== undefined) messages.push({ role: item.role, content });
    }
  }
  return messages;
}

/**
 * The smallest changes that turn the shown transcript into the new one, so a screen reader
 * announces only what is new: messages that are the same stay, a message whose text grew (a
 * streamed reply) is updated in place, the rest is replaced, appended or removed.
 *
 * @example
 * ```ts
 * chatUpdates([{ role: "user", content: "Hi" }], [
 *   { role: "user", content: "Hi" },
 *   { role: "assistant", content: "Hello" },
 * ]);
 * // [{ op: "append", message: { role: "assistant", content: "Hello" } }]
 * ```
 */
export function chatUpdates(
  shown: readonly ChatMessage[],
  next: readonly ChatMessage[],
): ChatUpdate[] {
  const ops: ChatUpdate[] = [];
  next.forEach((message, index) => {
    const old = shown[index];
    if (old === undefined) ops.push({ op: "append", message });
    else if (old.role !== message.role) ops.push({ op: "replace", index, message });
    else if (old.content !== message.content) {
      ops.push({ op: "set-content", index, content: message.content });
    }
  });
  if (shown.length > next.length) ops.push({ op: "truncate", length: next.length });
  return ops;
}

/**
 * What a textbox output shows: a string as is, nothing for `null`, other values as JSON.
 *
 * @example
 * ```ts
 * outputText("hello"); // "hello"
 * outputText(null);    // ""
 * outputText(42);      // "42"
 * ```
 */
export function outputText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value) ?? "";
}

/**
 * What a JSON output shows: the value pretty-printed with two spaces.
 *
 * @example
 * ```ts
 * formatJson({ a: [1, 2] }); // '{\n  "a": [\n    1,\n    2\n  ]\n}'
 * ```
 */
export function formatJson(value: unknown): string {
  try {
    return JSON.stringify(value === undefined ? null : value, null, 2) ?? "null";
  } catch {
    return String(value);
  }
}

/**
 * The URL of the outputs event stream for a call (same origin as the page).
 *
 * @example
 * ```ts
 * outputsUrl("/api", "k3j 9"); // "/api/outputs?webrtc_id=k3j%209"
 * ```
 */
export function outputsUrl(path: string, webrtcId: string): string {
  return `${path.replace(/\/+$/, "")}/outputs?webrtc_id=${encodeURIComponent(webrtcId)}`;
}

/**
 * Reads the `data` of an `output` event: a JSON array with one value per output, in order.
 *
 * @returns The values, or `undefined` when the data is not a JSON array (the event is ignored).
 *
 * @example
 * ```ts
 * parseOutputsEvent('[[{"role":"user","content":"hi"}], "0.4 s"]'); // [[{...}], "0.4 s"]
 * parseOutputsEvent("oops");                                       // undefined
 * ```
 */
export function parseOutputsEvent(data: string): unknown[] | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The data-channel message of a typed turn: `{"type":"text","data":"<text>"}`.
 *
 * @example
 * ```ts
 * client.send(textTurnMessage("What's the weather?"));
 * ```
 */
export function textTurnMessage(text: string): string {
  return JSON.stringify({ type: "text", data: text });
}
