import { getLogger } from "../logger.js";
import type { ChatMessage } from "../ui/componentTypes.js";

const log = getLogger("demo");

/**
 * Answers one user message given the conversation so far (which ends with that message).
 *
 * @example
 * ```ts
 * const respond: Responder = async (history) => `You said: ${history.at(-1)?.content}`;
 * ```
 */
export type Responder = (history: readonly ChatMessage[]) => Promise<string>;

/**
 * The built-in responder of the demo: a few canned skills (greeting, time, date, name, help,
 * thanks) and an echo of anything else. No model, no network.
 *
 * @param now - clock for the time and date answers. Default `() => new Date()`.
 * @example
 * ```ts
 * const respond = builtinResponder();
 * await respond([{ role: "user", content: "What time is it?" }]); // "It is 3:04 PM."
 * ```
 */
export function builtinResponder(now: () => Date = () => new Date()): Responder {
  return async (history) => {
    const last = history.at(-1)?.content ?? "";
    const text = last
      .toLowerCase()
      .replace(/[^a-z0-9' ]+/g, " ")
      .trim();
    if (text === "") return "I did not catch that. Could you say it again?";
    if (/\b(what time|the time)\b/.test(text)) {
      return `It is ${now().toLocaleTimeString("en-US", { hour: "numeric", minute: "2-digit" })}.`;
    }
    if (/\b(what day|the date|today's date|what date)\b/.test(text)) {
      return `Today is ${now().toLocaleDateString("en-US", { weekday: "long", month: "long", day: "numeric" })}.`;
    }
    if (/\b(your name|who are you)\b/.test(text)) {
      return "I am the fastrtc-ts demo assistant. I run entirely on this computer.";
    }
    if (/\b(help|what can you do)\b/.test(text)) {
      return "Ask me the time or the date, or say anything and I will repeat it.";
    }
    if (/\b(thank you|thanks)\b/.test(text)) return "You are welcome.";
    if (/\b(bye|goodbye)\b/.test(text)) return "Goodbye!";
    if (/^(hello|hi|hey|good (morning|afternoon|evening))\b/.test(text)) {
      return "Hello! Ask me the time, or say anything and I will repeat it.";
    }
    return `You said: ${last.trim()}`;
  };
}

/**
 * Options of {@link openAiResponder}.
 *
 * @example
 * ```ts
 * const o: OpenAiResponderOptions = { baseUrl: "http://127.0.0.1:11434/v1", model: "llama3.2" };
 * ```
 */
export interface OpenAiResponderOptions {
  /** Base URL of an OpenAI-compatible API, e.g. `https://api.openai.com/v1`. Required. */
  baseUrl: string;
  /** Bearer token. Default: none. */
  apiKey?: string;
  /** Model name. Default `"gpt-4o-mini"`. */
  model?: string;
  /** System prompt. Default: a short voice-assistant prompt. */
  system?: string;
  /** Request timeout in ms. Default `30000`. */
  timeoutMs?: number;
  /** Fetch implementation (tests). Default: the global `fetch`. */
  fetch?: typeof fetch;
}

const DEFAULT_SYSTEM =
  "You are a helpful voice assistant. Answer in one or two short spoken sentences, without markdown.";

/**
 * A responder backed by an OpenAI-compatible chat completions API (`POST {baseUrl}/chat/completions`).
 * Errors become a short spoken apology (and a log line), so the conversation goes on.
 *
 * @example
 * ```ts
 * const respond = openAiResponder({ baseUrl: process.env.OPENAI_BASE_URL!, apiKey: process.env.OPENAI_API_KEY });
 * ```
 */
export function openAiResponder(options: OpenAiResponderOptions): Responder {
  if (typeof options?.baseUrl !== "string" || !/^https?:\/\//.test(options.baseUrl)) {
    throw new TypeError("openAiResponder needs an http(s) baseUrl");
  }
  const url = `${options.baseUrl.replace(/\/+$/, "")}/chat/completions`;
  const doFetch = options.fetch ?? fetch;
  return async (history) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    try {
      const res = await doFetch(url, {
        method: "POST",
        headers,
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
        body: JSON.stringify({
          model: options.model ?? "gpt-4o-mini",
          messages: [{ role: "system", content: options.system ?? DEFAULT_SYSTEM }, ...history],
        }),
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
      const body = (await res.json()) as { choices?: Array<{ message?: { content?: unknown } }> };
      const content = body.choices?.[0]?.message?.content;
      if (typeof content !== "string" || content.trim() === "") {
        throw new Error("the response has no choices[0].message.content");
      }
      return content.trim();
    } catch (err) {
      log.warn("LLM request failed", { err, url });
      return "Sorry, I could not reach the language model.";
    }
  };
}
