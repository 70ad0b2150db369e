/**
 * Checking the `X-Twilio-Signature` header Twilio puts on its webhook requests (and on the
 * Media Streams WebSocket upgrade), written from Twilio's "Secure webhooks" documentation
 * (https://www.twilio.com/docs/usage/webhooks/webhooks-security):
 *
 * 1. Start from the full URL Twilio requested, query string included.
 * 2. For a form-encoded POST, sort the POST parameters by name (case-sensitive, byte order) and
 *    append each parameter's name and value with no delimiters.
 * 3. HMAC-SHA1 that string with the account's Auth Token as key; base64-encode the digest.
 *
 * Requests with a JSON body are signed over the URL alone; Twilio adds a `bodySHA256` query
 * parameter holding the hex SHA-256 of the raw body, which the receiver checks against the body.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { getLogger } from "../../logger.js";

const log = getLogger("telephone");

/**
 * POST parameters of a Twilio request: a plain record (a repeated name carries an array of
 * values) or a `URLSearchParams` (repeated names kept in the order they arrived).
 *
 * @example
 * ```ts
 * const params: TwilioParams = { CallSid: "CA123", Digits: "1234" };
 * const fromBody: TwilioParams = new URLSearchParams(rawFormBody);
 * ```
 */
export type TwilioParams = Readonly<Record<string, string | readonly string[]>> | URLSearchParams;

/**
 * Options of {@link validateTwilioSignature}.
 *
 * @example
 * ```ts
 * const opts: ValidateTwilioSignatureOptions = {
 *   authToken: process.env.TWILIO_AUTH_TOKEN ?? "",
 *   signature: req.headers["x-twilio-signature"],
 *   url: "https://example.com/telephone/incoming",
 *   params: form,
 * };
 * ```
 */
export interface ValidateTwilioSignatureOptions {
  /** The account's (primary) Auth Token: the HMAC key. An empty token validates nothing. */
  authToken: string;
  /**
   * Value of the `X-Twilio-Signature` header (Node lower-cases header names:
   * `req.headers["x-twilio-signature"]`). Missing, empty or not a string → `false`.
   */
  signature: string | readonly string[] | null | undefined;
  /**
   * The full URL Twilio requested, exactly as configured with Twilio (scheme, host, path, query).
   * For the Media Streams WebSocket upgrade this is the `wss://` URL of the TwiML `<Stream>`, not
   * the `https://` URL a proxy may report.
   */
  url: string;
  /** Form-encoded POST parameters. Default: none (GET requests, WebSocket upgrades). */
  params?: TwilioParams;
  /**
   * The raw body of a JSON request (`application/json`). When given, `url` must carry the
   * `bodySHA256` query parameter, the body must hash to it, and `params` must be absent.
   * Default: none.
   */
  body?: string | Uint8Array;
}

/**
 * Computes the signature Twilio would send for a request to `url` with these POST parameters:
 * base64(HMAC-SHA1(authToken, url + name₁ + value₁ + name₂ + value₂ …)), names sorted by byte
 * order. A name with several values contributes `name + value` once per value, the values sorted
 * too (Twilio's docs only say "sorted by name"; sorted values is what Twilio's servers were seen to
 * do, see twilio/twilio-node#722). The URL is used exactly as given.
 *
 * @param authToken - the account's Auth Token (HMAC key).
 * @param url - the full request URL, query string included.
 * @param params - POST parameters. Default: none.
 * @returns the base64 signature, as in the `X-Twilio-Signature` header.
 * @throws TypeError if `authToken` or `url` is not a string, or a parameter value is not a string.
 * @example
 * ```ts
 * computeTwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", {
 *   CallSid: "CA1234567890ABCDE", Caller: "+14158675309", Digits: "1234",
 *   From: "+14158675309", To: "+18005551212",
 * }); // "RSOYDt4T1cUTdK1PDd93/VVr8B8="
 * ```
 */
export function computeTwilioSignature(
  authToken: string,
  url: string,
  params?: TwilioParams,
): string {
  if (typeof authToken !== "string") throw new TypeError("authToken must be a string");
  if (typeof url !== "string") throw new TypeError("url must be a string");
  return sign(authToken, url, toEntries(params), true);
}

/**
 * The hex SHA-256 of a request body, the value Twilio puts in the `bodySHA256` query parameter of
 * a JSON webhook's URL. Handy for signing test requests.
 *
 * @param body - the raw body; strings are hashed as UTF-8.
 * @example
 * ```ts
 * const url = `https://example.com/hook?bodySHA256=${computeTwilioBodySHA256(json)}`;
 * const header = computeTwilioSignature(token, url);
 * ```
 */
export function computeTwilioBodySHA256(body: string | Uint8Array): string {
  return createHash("sha256").update(body).digest("hex");
}

/**
 * Checks an `X-Twilio-Signature` header. Returns `true` only when the signature matches one of the
 * URL forms Twilio is documented (or known) to sign:
 *
 * - the URL exactly as given;
 * - without `user:password@` (Twilio drops credentials before signing);
 * - with the scheme's default port added when it has none, or removed when it has it
 *   (`https://h/p` ≡ `https://h:443/p`, `http://h/p` ≡ `http://h:80/p`; same for `wss`/`ws`);
 * - for `https`/`wss`, without any explicit port (Twilio's docs say it drops the port of HTTPS
 *   URLs; in practice it sometimes keeps a non-standard one, which the exact form covers).
 *
 * For repeated parameter names both the sorted-values and the received order are tried. With
 * `body`, the `bodySHA256` query parameter must equal the body's SHA-256 (hex, any case; base64 is
 * accepted too) and the signature is checked over the URL alone. Every comparison is
 * constant-time (`crypto.timingSafeEqual` on equal-length buffers) and all candidates are compared,
 * so timing reveals nothing about which one matched.
 *
 * @returns `true` when valid; `false` for a missing/empty/wrong signature, wrong token, other URL,
 * changed parameters, or a body that does not match its hash.
 * @throws TypeError for programming errors: `url` not a string, non-string parameter values, or
 * both `params` and `body` given.
 * @example
 * ```ts
 * const ok = validateTwilioSignature({
 *   authToken: process.env.TWILIO_AUTH_TOKEN ?? "",
 *   signature: req.headers["x-twilio-signature"],
 *   url: `https://${publicHost}/telephone/incoming`,
 *   params: Object.fromEntries(new URLSearchParams(rawBody)),
 * });
 * if (!ok) return new Response("forbidden", { status: 403 });
 * ```
 */
export function validateTwilioSignature(options: ValidateTwilioSignatureOptions): boolean {
  const { authToken, signature, url, params, body } = options;
  if (typeof url !== "string") throw new TypeError("url must be a string");
  if (body !== undefined && params !== undefined) {
    throw new TypeError("pass either params (form body) or body (JSON body), not both");
  }
  const entries = toEntries(params);
  if (typeof signature !== "string" || signature.length === 0) return false;
  if (typeof authToken !== "string" || authToken.length === 0) {
    log.warn("validateTwilioSignature: empty auth token, rejecting the request");
    return false;
  }
  if (body !== undefined) {
    const claimed = bodyHashFromUrl(url);
    if (claimed === undefined || !bodyHashMatches(body, claimed)) return false;
  }
  const orders = hasUnsortedRepeats(entries) ? [true, false] : [true];
  let ok = false;
  for (const candidate of urlVariants(url)) {
    for (const sortValues of orders) {
      // Evaluate every comparison (no short-circuit) so timing does not depend on which matched.
      ok = safeEqual(sign(authToken, candidate, entries, sortValues), signature) || ok;
    }
  }
  return ok;
}

type Entries = Array<[name: string, values: string[]]>;

function toEntries(params: TwilioParams | undefined): Entries {
  if (params === undefined || params === null) return [];
  const map = new Map<string, string[]>();
  if (params instanceof URLSearchParams) {
    for (const [k, v] of params) map.set(k, [...(map.get(k) ?? []), v]);
  } else if (typeof params === "object") {
    for (const [k, v] of Object.entries(params)) {
      if (typeof v === "string") map.set(k, [v]);
      else if (Array.isArray(v) && v.every((x) => typeof x === "string")) map.set(k, [...v]);
      else throw new TypeError(`parameter ${JSON.stringify(k)} must be a string or string[]`);
    }
  } else {
    throw new TypeError("params must be a record of strings or a URLSearchParams");
  }
  return [...map.entries()].sort(([a], [b]) => byteCompare(a, b));
}

function sign(authToken: string, url: string, entries: Entries, sortValues: boolean): string {
  const hmac = createHmac("sha1", authToken);
  hmac.update(url, "utf8");
  for (const [name, values] of entries) {
    const ordered = sortValues ? [...values].sort(byteCompare) : values;
    for (const value of ordered) hmac.update(name + value, "utf8");
  }
  return hmac.digest("base64");
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function hasUnsortedRepeats(entries: Entries): boolean {
  return entries.some(([, values]) => {
    const sorted = [...values].sort(byteCompare);
    return sorted.some((v, i) => v !== values[i]);
  });
}

function safeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, "utf8");
  const b = Buffer.from(given, "utf8");
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = {
  http: "80",
  https: "443",
  ws: "80",
  wss: "443",
};

/** The URL forms to try (see {@link validateTwilioSignature}); the given form first. */
function urlVariants(url: string): string[] {
  const out = new Set<string>([url]);
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([\s\S]*)$/.exec(url);
  if (!m) return [...out];
  const scheme = m[1] ?? "";
  const authority = m[2] ?? "";
  const rest = m[3] ?? "";
  const at = authority.lastIndexOf("@");
  const userinfo = at >= 0 ? authority.slice(0, at + 1) : "";
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority.slice(at + 1));
  if (!hp) return [...out];
  const host = hp[1] ?? "";
  const port = hp[2];
  const lower = scheme.toLowerCase();
  const defaultPort = DEFAULT_PORTS[lower];
  const secure = lower === "https" || lower === "wss";
  for (const ui of userinfo ? [userinfo, ""] : [""]) {
    const build = (p: string | undefined) => `${scheme}://${ui}${host}${p ? `:${p}` : ""}${rest}`;
    out.add(build(port));
    if (port !== undefined) {
      if (port === "" || port === defaultPort || secure) out.add(build(undefined));
    } else if (defaultPort) {
      out.add(build(defaultPort));
    }
  }
  return [...out];
}

/** The single `bodySHA256` query value (percent-decoded, `+` kept literal), else undefined. */
function bodyHashFromUrl(url: string): string | undefined {
  const q = url.indexOf("?");
  if (q < 0) return undefined;
  const hash = url.indexOf("#", q);
  const query = url.slice(q + 1, hash < 0 ? undefined : hash);
  const found: string[] = [];
  for (const part of query.split("&")) {
    const eq = part.indexOf("=");
    const rawName = eq < 0 ? part : part.slice(0, eq);
    if (decode(rawName) !== "bodySHA256") continue;
    found.push(decode(eq < 0 ? "" : part.slice(eq + 1)) ?? "");
  }
  return found.length === 1 ? found[0] : undefined;
}

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function bodyHashMatches(body: string | Uint8Array, claimed: string): boolean {
  const digest = createHash("sha256").update(body).digest();
  let given: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(claimed)) given = Buffer.from(claimed, "hex");
  else if (/^[A-Za-z0-9+/ ]{43}=$/.test(claimed)) {
    // Base64 whose "+" arrived unencoded and was turned into a space by a form decoder upstream.
    given = Buffer.from(claimed.replaceAll(" ", "+"), "base64");
  }
  if (!given || given.length !== digest.length) return false;
  return timingSafeEqual(given, digest);
}
