/**
 * The part of a `node:http` (or HTTP/2 compat) request the helpers below read.
 *
 * @internal
 */
export interface NodeRequestLike {
  headers: Record<string, string | string[] | undefined>;
  socket?: unknown;
}

/**
 * Request headers with lower-case names and repeated headers joined by ", ".
 *
 * @internal
 */
export type HeaderMap = Readonly<Record<string, string | undefined>>;

/**
 * Normalises `node:http` headers.
 *
 * @internal
 */
export function nodeHeaders(req: NodeRequestLike): HeaderMap {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/**
 * Normalises Fetch API headers.
 *
 * @internal
 */
export function webHeaders(headers: Headers): HeaderMap {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name.toLowerCase()] = value;
  });
  return out;
}

const HOST = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function first(value: string | undefined): string | undefined {
  const v = value?.split(",")[0]?.trim();
  return v === "" ? undefined : v;
}

/**
 * The scheme and host a client used to reach this server, e.g. `https://voice.example.com`,
 * from `X-Forwarded-Proto`/`X-Forwarded-Host` (set by proxies) or `Host`. `secure` is the
 * scheme to assume without a forwarded one.
 *
 * @returns `null` when there is no usable host (missing, or not a host name / IP literal).
 * @internal
 */
export function requestOrigin(headers: HeaderMap, secure: boolean): string | null {
  const host = first(headers["x-forwarded-host"]) ?? headers.host;
  if (!host || host.length > 300 || !HOST.test(host)) return null;
  const proto = first(headers["x-forwarded-proto"])?.toLowerCase();
  const scheme = proto === "https" || proto === "http" ? proto : secure ? "https" : "http";
  // The pattern admits forms the URL parser refuses (port 99999, `[:::]`); only an origin that
  // parses is returned, so no caller can throw on it.
  try {
    return new URL(`${scheme}://${host}`).origin;
  } catch {
    return null;
  }
}

/**
 * The path and query of a request target, parsed without ever throwing: `null` for a target
 * the URL parser refuses (`//`, `//a:b`, `http://[/`, …). Absolute-form targets
 * (`http://host/path`) give their path; a target that does not start with `/` and is not
 * absolute is refused.
 *
 * @internal
 */
export function parseRequestTarget(target: string | undefined): URL | null {
  const raw = target ?? "/";
  if (raw.length > 16_384) return null;
  try {
    if (raw.startsWith("/")) {
      // Prefixed, "//x" stays a path ("//x") instead of a scheme-relative URL with host "x".
      return new URL(`http://localhost${raw}`);
    }
    const url = new URL(raw);
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  } catch {
    return null;
  }
}

/**
 * True when the request came over TLS.
 *
 * @internal
 */
export function isTlsRequest(req: NodeRequestLike): boolean {
  return (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
}
