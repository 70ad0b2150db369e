import { validateTwilioSignature } from "../transports/telephone/twilioSignature.js";
import {
  buildStreamTwiml,
  DEFAULT_GOODBYE,
  DEFAULT_GREETING,
  streamUrlFor,
} from "../transports/telephone/twiml.js";
import type { HeaderMap } from "./http/request.js";
import { parseRequestTarget, requestOrigin } from "./http/request.js";
import type { TelephoneOptions } from "./streamTypes.js";

/**
 * {@link TelephoneOptions} with defaults applied and the public URL checked.
 *
 * @internal
 */
export interface TelephoneConfig {
  authToken: string | null;
  /** Origin plus path prefix, without a trailing slash, e.g. `https://x.example/voice`. */
  publicBase: string | null;
  greeting: string | null;
  goodbye: string | null;
}

/**
 * Applies defaults; `false` (telephone routes off) gives `null`.
 *
 * @throws TypeError for a public URL that is not an absolute http(s)/ws(s) URL.
 * @internal
 */
export function resolveTelephone(
  options: TelephoneOptions | false | undefined,
): TelephoneConfig | null {
  if (options === false) return null;
  const o = options ?? {};
  const token = o.authToken === undefined ? (process.env.TWILIO_AUTH_TOKEN ?? null) : o.authToken;
  if (token !== null && (typeof token !== "string" || token.length === 0)) {
    throw new TypeError("telephone.authToken must be a non-empty string or null");
  }
  let publicBase: string | null = null;
  if (o.publicUrl !== undefined && o.publicUrl !== null) {
    let url: URL;
    try {
      url = new URL(o.publicUrl);
    } catch {
      throw new TypeError(`telephone.publicUrl is not a URL: ${JSON.stringify(o.publicUrl)}`);
    }
    if (!["http:", "https:", "ws:", "wss:"].includes(url.protocol) || url.search || url.hash) {
      throw new TypeError(
        `telephone.publicUrl must be an http(s) or ws(s) URL without query or fragment, got ${JSON.stringify(o.publicUrl)}`,
      );
    }
    publicBase = `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
  }
  return {
    authToken: token,
    publicBase,
    greeting: o.greeting === undefined ? DEFAULT_GREETING : o.greeting,
    goodbye: o.goodbye === undefined ? DEFAULT_GOODBYE : o.goodbye,
  };
}

/** The URL Twilio requested: the public base (or the request's origin) plus path and query. */
function requestedUrl(
  config: TelephoneConfig,
  pathAndQuery: string,
  headers: HeaderMap,
  secure: boolean,
  scheme: "http" | "ws",
): string | null {
  const base = config.publicBase ?? requestOrigin(headers, secure);
  if (base === null) return null;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return null;
  }
  const wantSecure = url.protocol === "https:" || url.protocol === "wss:";
  const proto =
    scheme === "ws"
      ? wantSecure || !config.publicBase
        ? "wss:"
        : "ws:"
      : wantSecure
        ? "https:"
        : "http:";
  return `${proto}//${url.host}${url.pathname.replace(/\/+$/, "")}${pathAndQuery}`;
}

/**
 * A telephone request as the routes see it.
 *
 * @internal
 */
export interface TelephoneRequest {
  /** Path and query as received, e.g. `/telephone/incoming?x=1`. */
  pathAndQuery: string;
  headers: HeaderMap;
  secure: boolean;
  /** Form parameters of a POST (`application/x-www-form-urlencoded`), else `{}`. */
  params: Record<string, string | string[]>;
}

/**
 * The check of `X-Twilio-Signature`: always fine without an auth token.
 *
 * @internal
 */
export function twilioRequestAllowed(
  config: TelephoneConfig,
  req: TelephoneRequest,
  scheme: "http" | "ws",
): boolean {
  if (config.authToken === null) return true;
  const signature = req.headers["x-twilio-signature"];
  if (!signature) return false;
  const url = requestedUrl(config, req.pathAndQuery, req.headers, req.secure, scheme);
  if (url === null) return false;
  return validateTwilioSignature({
    authToken: config.authToken,
    signature,
    url,
    params: req.params,
  });
}

/**
 * The TwiML answer of `/telephone/incoming`: connect the call to `{prefix}/telephone/handler`.
 * The webhook's `From` and `To` (POST form or GET query) become `<Parameter>`s, so the handler's
 * `getCurrentContext().telephone` has `from`/`to` on the built-in route too.
 *
 * @returns `null` when no stream URL can be built (no public URL and no usable Host header).
 * @internal
 */
export function incomingCallTwiml(
  config: TelephoneConfig,
  req: TelephoneRequest,
  prefix: string,
): string | null {
  // FastRTC always answers wss://{host}; a configured public URL decides the scheme instead.
  const base = config.publicBase ?? requestOrigin(req.headers, true)?.replace(/^http:/, "https:");
  if (!base) return null;
  const query = parseRequestTarget(req.pathAndQuery)?.searchParams;
  const parameters: Array<{ name: string; value: string }> = [];
  for (const name of ["From", "To"]) {
    const posted = req.params[name];
    const value = (Array.isArray(posted) ? posted[0] : posted) ?? query?.get(name) ?? undefined;
    if (typeof value === "string" && value !== "") parameters.push({ name, value });
  }
  return buildStreamTwiml({
    streamUrl: streamUrlFor(base, prefix),
    greeting: config.greeting,
    goodbye: config.goodbye,
    parameters,
  });
}

/**
 * Parses a webhook body into Twilio's parameters (repeated names keep every value).
 *
 * @internal
 */
export function parseFormParams(
  body: string,
  contentType: string | undefined,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (!contentType?.toLowerCase().startsWith("application/x-www-form-urlencoded")) return out;
  for (const [name, value] of new URLSearchParams(body)) {
    const prev = out[name];
    if (prev === undefined) out[name] = value;
    else out[name] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}
