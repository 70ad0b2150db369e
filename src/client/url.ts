/**
 * Endpoint URLs of a FastRTC server, shared by the WebRTC and WebSocket clients.
 *
 * @module
 */

import { FastRTCClientError } from "./errors.js";

/**
 * Removes trailing slashes.
 *
 * @example
 * ```ts
 * trimSlash("https://x.example//"); // "https://x.example"
 * ```
 */
export function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

/**
 * Normalises a mount prefix: `""` stays `""`, otherwise one leading slash and no trailing one.
 *
 * @example
 * ```ts
 * normalizePath("voice/"); // "/voice"
 * normalizePath("/");      // ""
 * ```
 */
export function normalizePath(path: string): string {
  const p = trimSlash(path);
  if (p === "") return "";
  return p.startsWith("/") ? p : `/${p}`;
}

/**
 * The HTTP URL of a route: `{url}{path}{route}` (`url` may be `""` for same-origin requests).
 *
 * @example
 * ```ts
 * httpEndpoint("https://x.example/", "voice", "/webrtc/offer"); // "https://x.example/voice/webrtc/offer"
 * ```
 */
export function httpEndpoint(url: string, path: string, route: string): string {
  return `${trimSlash(url)}${normalizePath(path)}${route}`;
}

/**
 * The `ws:`/`wss:` URL of `{path}/websocket/offer` on the server at `url`.
 *
 * `url` may be `http(s)://` (mapped to `ws(s)://`) or `ws(s)://`: a path in it is kept and
 * `path` + `route` are appended to it; a query string is kept (e.g. an access token); a fragment
 * is dropped. A relative `url` is resolved against `location.href` first (browsers only), like
 * the WebRTC client's relative offer URL; the default `""` means the page's origin.
 *
 * @param url base URL of the server. Default `""` (same origin; browsers only).
 * @param path mount prefix (`stream.mount(app, path=...)`). Default `""`.
 * @param route the route. Default `"/websocket/offer"`.
 * @throws FastRTCClientError if `url` is relative and there is no `location`, or its scheme is
 *   not http, https, ws or wss.
 * @example
 * ```ts
 * websocketEndpoint("https://x.example/app", "/voice"); // "wss://x.example/app/voice/websocket/offer"
 * websocketEndpoint("http://localhost:8000?token=t");   // "ws://localhost:8000/websocket/offer?token=t"
 * websocketEndpoint("");  // on https://x.example/page: "wss://x.example/websocket/offer"
 * ```
 */
export function websocketEndpoint(url = "", path = "", route = "/websocket/offer"): string {
  let u: URL;
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) {
    u = new URL(url);
  } else {
    const here = (globalThis as { location?: { href?: unknown } }).location?.href;
    if (typeof here !== "string") {
      throw new FastRTCClientError(
        `Cannot derive a WebSocket URL from ${JSON.stringify(url)} without a page location: pass an absolute url`,
      );
    }
    u = new URL(url === "" ? "/" : url, here);
  }
  u.pathname = `${trimSlash(u.pathname)}${normalizePath(path)}${route}`;
  const scheme = SCHEMES[u.protocol];
  if (scheme === undefined) {
    throw new FastRTCClientError(`Unsupported URL scheme ${u.protocol} in ${JSON.stringify(url)}`);
  }
  u.protocol = scheme;
  u.hash = "";
  return u.toString();
}

const SCHEMES: Readonly<Record<string, string>> = {
  "http:": "ws:",
  "https:": "wss:",
  "ws:": "ws:",
  "wss:": "wss:",
};
