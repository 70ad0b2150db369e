/**
 * The TwiML FastRTC answers Twilio's voice webhook with (spec §6.5): say a greeting, connect the
 * call to a bidirectional Media Stream (`<Connect><Stream>`), and say goodbye once the stream ends.
 *
 * Facts from Twilio's `<Stream>` docs (https://www.twilio.com/docs/voice/twiml/stream):
 * `<Connect><Stream>` is bidirectional and Twilio runs no further verb until the WebSocket closes;
 * the `url` must not carry a query string (pass `<Parameter>`s instead, delivered in the `start`
 * message's `customParameters`); a parameter's name and value together must stay under 500
 * characters; Twilio connects to `wss` URLs only.
 */

/**
 * FastRTC's greeting, said before the stream connects.
 *
 * @example
 * ```ts
 * buildStreamTwiml({ streamUrl, greeting: `${DEFAULT_GREETING} Please hold.` });
 * ```
 */
export const DEFAULT_GREETING = "Connecting to the AI assistant.";
/**
 * FastRTC's goodbye, said after the stream's WebSocket closes.
 *
 * @example
 * ```ts
 * expect(xml).toContain(`<Say>${DEFAULT_GOODBYE}</Say>`);
 * ```
 */
export const DEFAULT_GOODBYE = "The call has been disconnected.";

/**
 * One `<Parameter name value/>` child of `<Stream>`.
 *
 * @example
 * ```ts
 * const p: StreamParameter = { name: "tenant", value: "acme" };
 * ```
 */
export interface StreamParameter {
  name: string;
  value: string;
}

/**
 * Options of {@link buildStreamTwiml}.
 *
 * @example
 * ```ts
 * const opts: StreamTwimlOptions = { streamUrl: "wss://example.com/telephone/handler", greeting: null };
 * ```
 */
export interface StreamTwimlOptions {
  /** Absolute `wss://` (or, for local tests, `ws://`) URL of the Media Streams handler; no query string. */
  streamUrl: string;
  /** Said before connecting. `null` omits the `<Say>`. Default {@link DEFAULT_GREETING}. */
  greeting?: string | null;
  /** Said after the stream ends. `null` omits the `<Say>`. Default {@link DEFAULT_GOODBYE}. */
  goodbye?: string | null;
  /**
   * Custom parameters, as `<Parameter>` children of `<Stream>` in the given order. A record or a
   * list of `{ name, value }`. Default: none.
   */
  parameters?: Readonly<Record<string, string>> | readonly StreamParameter[];
}

/**
 * Builds the TwiML document for `POST /telephone/incoming`. With the defaults it is FastRTC's:
 *
 * ```xml
 * <?xml version="1.0" encoding="UTF-8"?><Response><Say>Connecting to the AI assistant.</Say><Connect><Stream url="wss://host/telephone/handler"/></Connect><Say>The call has been disconnected.</Say></Response>
 * ```
 *
 * Every text and attribute value is XML-escaped (`& < > " '`, plus tab/CR/LF in attributes so a
 * parser keeps them).
 *
 * @throws TypeError if `streamUrl` is not an absolute `wss:`/`ws:` URL without query or fragment;
 * if a text or parameter is not a string, contains a character XML 1.0 cannot carry, or a
 * parameter name is empty or name + value reach 500 characters (Twilio's limit).
 * @example
 * ```ts
 * const xml = buildStreamTwiml({
 *   streamUrl: streamUrlFor("https://voice.example.com", ""),
 *   parameters: { caller: "+14155550100" },
 * });
 * return c.body(xml, 200, { "Content-Type": "application/xml" });
 * ```
 */
export function buildStreamTwiml(options: StreamTwimlOptions): string {
  if (options === null || typeof options !== "object") {
    throw new TypeError("buildStreamTwiml needs an options object with a streamUrl");
  }
  const url = checkStreamUrl(options.streamUrl);
  const greeting = options.greeting === undefined ? DEFAULT_GREETING : options.greeting;
  const goodbye = options.goodbye === undefined ? DEFAULT_GOODBYE : options.goodbye;
  const params = normalizeParameters(options.parameters);

  let stream = `<Stream url="${escapeXml(url, "url", true)}"`;
  if (params.length === 0) stream += "/>";
  else {
    stream += ">";
    for (const p of params) {
      stream += `<Parameter name="${escapeXml(p.name, "parameter name", true)}" value="${escapeXml(p.value, "parameter value", true)}"/>`;
    }
    stream += "</Stream>";
  }
  let xml = '<?xml version="1.0" encoding="UTF-8"?><Response>';
  if (greeting !== null)
    xml += `<Say>${escapeXml(checkText(greeting, "greeting"), "greeting")}</Say>`;
  xml += `<Connect>${stream}</Connect>`;
  if (goodbye !== null) xml += `<Say>${escapeXml(checkText(goodbye, "goodbye"), "goodbye")}</Say>`;
  return `${xml}</Response>`;
}

/**
 * The Media Streams URL for a server reachable at `publicUrl`: `wss://host[:port]{path}{prefix}/telephone/handler`
 * (`https:`/`wss:` → `wss:`, `http:`/`ws:` → `ws:`). The public URL's own path, if any, is kept as a
 * base (for apps behind a path-routing proxy); an explicit port is kept. Twilio itself only
 * connects to `wss:`; `ws:` is for local tests.
 *
 * @param publicUrl - the server's public base URL, e.g. `https://voice.example.com`.
 * @param prefix - the mount path of the routes (`Stream.mount(app, prefix)`), `""` or starting with
 * `/`; trailing slashes are dropped. Default `""`.
 * @throws TypeError if `publicUrl` is not an absolute http(s)/ws(s) URL, or has credentials, a
 * query string or a fragment; or if `prefix` does not start with `/` or contains `?`/`#`.
 * @example
 * ```ts
 * streamUrlFor("https://voice.example.com", "/phone"); // "wss://voice.example.com/phone/telephone/handler"
 * streamUrlFor("http://localhost:8000");                 // "ws://localhost:8000/telephone/handler"
 * ```
 */
export function streamUrlFor(publicUrl: string, prefix = ""): string {
  if (typeof publicUrl !== "string" || publicUrl.trim() === "") {
    throw new TypeError(`publicUrl must be a non-empty URL string, got ${describe(publicUrl)}`);
  }
  if (typeof prefix !== "string") {
    throw new TypeError(`prefix must be a string, got ${describe(prefix)}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(publicUrl.trim());
  } catch {
    throw new TypeError(
      `publicUrl ${JSON.stringify(publicUrl)} is not an absolute URL (expected e.g. "https://voice.example.com")`,
    );
  }
  const scheme = SCHEMES[parsed.protocol];
  if (!scheme) {
    throw new TypeError(
      `publicUrl must use http:, https:, ws: or wss:, got ${JSON.stringify(parsed.protocol)}`,
    );
  }
  if (parsed.username || parsed.password) {
    throw new TypeError("publicUrl must not contain credentials (user:password@)");
  }
  if (parsed.search || publicUrl.includes("?")) {
    throw new TypeError(
      "publicUrl must not have a query string (Twilio rejects <Stream> URLs with one)",
    );
  }
  if (parsed.hash || publicUrl.includes("#")) {
    throw new TypeError("publicUrl must not have a fragment");
  }
  if (prefix !== "" && !prefix.startsWith("/")) {
    throw new TypeError(`prefix must be "" or start with "/", got ${JSON.stringify(prefix)}`);
  }
  if (/[?#]/.test(prefix)) {
    throw new TypeError(`prefix must be a path, without "?" or "#": ${JSON.stringify(prefix)}`);
  }
  const base = parsed.pathname.replace(/\/+$/, "");
  const mount = prefix.replace(/\/+$/, "");
  return new URL(`${scheme}//${parsed.host}${base}${mount}/telephone/handler`).href;
}

const SCHEMES: Readonly<Record<string, string>> = {
  "https:": "wss:",
  "wss:": "wss:",
  "http:": "ws:",
  "ws:": "ws:",
};

function checkStreamUrl(value: unknown): string {
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`streamUrl must be a non-empty URL string, got ${describe(value)}`);
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new TypeError(`streamUrl ${JSON.stringify(value)} is not an absolute URL`);
  }
  if (parsed.protocol !== "wss:" && parsed.protocol !== "ws:") {
    throw new TypeError(`streamUrl must be a wss: (or ws:) URL, got ${JSON.stringify(value)}`);
  }
  if (parsed.search || value.includes("?")) {
    throw new TypeError(
      "streamUrl must not have a query string (Twilio rejects it); pass values as parameters",
    );
  }
  if (parsed.hash || value.includes("#")) throw new TypeError("streamUrl must not have a fragment");
  return value;
}

function checkText(value: unknown, what: string): string {
  if (typeof value !== "string") {
    throw new TypeError(`${what} must be a string or null, got ${describe(value)}`);
  }
  return value;
}

function normalizeParameters(
  value: StreamTwimlOptions["parameters"] | undefined,
): StreamParameter[] {
  if (value === undefined) return [];
  let list: StreamParameter[];
  if (Array.isArray(value)) list = [...(value as readonly StreamParameter[])];
  else if (value !== null && typeof value === "object") {
    list = Object.entries(value as Record<string, string>).map(([name, v]) => ({
      name,
      value: v,
    }));
  } else {
    throw new TypeError(`parameters must be a record or an array, got ${describe(value)}`);
  }
  for (const p of list) {
    if (p === null || typeof p !== "object") {
      throw new TypeError("each parameter must be an object { name, value }");
    }
    if (typeof p.name !== "string" || p.name === "") {
      throw new TypeError(`parameter name must be a non-empty string, got ${describe(p.name)}`);
    }
    if (typeof p.value !== "string") {
      throw new TypeError(
        `parameter ${JSON.stringify(p.name)} value must be a string, got ${describe(p.value)}`,
      );
    }
    if (p.name.length + p.value.length >= 500) {
      throw new TypeError(
        `parameter ${JSON.stringify(p.name.slice(0, 40))}: name and value together must be under 500 characters (Twilio's limit)`,
      );
    }
  }
  return list;
}

// XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

function escapeXml(text: string, what: string, attribute = false): string {
  const bad = NOT_XML_CHAR.exec(text);
  if (bad) {
    const code = bad[0].codePointAt(0) ?? 0;
    throw new TypeError(
      `${what} contains U+${code.toString(16).toUpperCase().padStart(4, "0")}, which XML 1.0 cannot carry`,
    );
  }
  let out = text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
  if (attribute) {
    out = out.replaceAll("\t", "&#9;").replaceAll("\n", "&#10;").replaceAll("\r", "&#13;");
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value);
  return typeof value;
}
