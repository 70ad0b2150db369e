import {
  buildStreamTwiml,
  DEFAULT_GOODBYE,
  DEFAULT_GREETING,
  type StreamParameter,
} from "../transports/telephone/twiml.js";
import { type AppRequest, describeAppRequest } from "./appSockets.js";
import { requestOrigin } from "./http/request.js";
import type { TelephoneConfig } from "./telephone.js";

/**
 * Options of {@link Stream.twiml}: the TwiML an app's own `/incoming-call` route answers with.
 *
 * @example
 * ```ts
 * const opts: AppTwimlOptions = {
 *   streamUrl: "/media-stream",
 *   request: req,
 *   say: "Connecting you to the assistant.",
 *   call: req.body, // Twilio's webhook form: From and To reach the handler's context
 * };
 * ```
 */
export interface AppTwimlOptions {
  /**
   * The Media Streams WebSocket: an absolute `wss://` URL (`ws://` for local tests), or a path such
   * as `"/media-stream"`, resolved against `telephone.publicUrl` or, without one, against the
   * request's host as `wss://` (FastRTC's `wss://{request.url.hostname}/media-stream`).
   */
  streamUrl: string;
  /** The webhook request; needed when `streamUrl` is a path and no `telephone.publicUrl` is set. */
  request?: AppRequest;
  /** Said before connecting; `null` says nothing. Default: the stream's `telephone.greeting`. */
  say?: string | null;
  /** Said after the stream ends; `null` says nothing. Default: the stream's `telephone.goodbye`. */
  goodbye?: string | null;
  /**
   * `<Parameter>`s of the `<Stream>`, delivered in Twilio's `start.customParameters` and readable in
   * the handler as `getCurrentContext().telephone.parameters`. `undefined`/`null` values are left out.
   */
  parameters?: Readonly<Record<string, string | null | undefined>> | readonly StreamParameter[];
  /**
   * The parameters of Twilio's voice webhook (`req.body` of the form POST, or `URLSearchParams`):
   * its `From` and `To` become `<Parameter>`s, so the handler sees `telephone.from`/`to`.
   */
  call?: Readonly<Record<string, unknown>> | URLSearchParams;
}

const WS_SCHEMES: Readonly<Record<string, string>> = {
  "https:": "wss:",
  "wss:": "wss:",
  "http:": "ws:",
  "ws:": "ws:",
};

function resolveStreamUrl(
  config: TelephoneConfig | null,
  streamUrl: string,
  request: AppRequest | undefined,
): string {
  if (typeof streamUrl !== "string" || streamUrl === "") {
    throw new TypeError("twiml: streamUrl must be a wss:// URL or a path such as /media-stream");
  }
  if (!streamUrl.startsWith("/")) return streamUrl;
  const described = describeAppRequest(request);
  // FastRTC always answers wss://{host}; a configured public URL decides the scheme instead.
  const base =
    config?.publicBase ??
    (described ? requestOrigin(described.headers, true)?.replace(/^http:/, "https:") : null);
  if (!base) {
    throw new TypeError(
      `twiml: streamUrl ${JSON.stringify(streamUrl)} is a path; pass the webhook request (request: req) or set telephone.publicUrl`,
    );
  }
  const url = new URL(base);
  const scheme = WS_SCHEMES[url.protocol] ?? "wss:";
  return `${scheme}//${url.host}${url.pathname.replace(/\/+$/, "")}${streamUrl}`;
}

function callParam(call: AppTwimlOptions["call"], name: string): string | undefined {
  if (call === undefined || call === null) return undefined;
  const value = call instanceof URLSearchParams ? call.get(name) : call[name];
  const one = Array.isArray(value) ? value[0] : value;
  return typeof one === "string" && one !== "" ? one : undefined;
}

/**
 * Builds the TwiML of {@link Stream.twiml}; every value is XML-escaped by `buildStreamTwiml`.
 *
 * @throws TypeError as `buildStreamTwiml`, or when a path `streamUrl` cannot be resolved.
 * @internal
 */
export function appTwiml(config: TelephoneConfig | null, options: AppTwimlOptions): string {
  if (options === null || typeof options !== "object") {
    throw new TypeError("twiml needs an options object with a streamUrl");
  }
  const params: StreamParameter[] = [];
  const given = options.parameters;
  if (Array.isArray(given)) params.push(...(given as readonly StreamParameter[]));
  else if (given !== undefined && given !== null) {
    for (const [name, value] of Object.entries(given)) {
      if (value !== undefined && value !== null) params.push({ name, value: value as string });
    }
  }
  for (const name of ["From", "To"]) {
    const value = callParam(options.call, name);
    if (value !== undefined && !params.some((p) => p.name === name)) params.push({ name, value });
  }
  const greeting =
    options.say !== undefined ? options.say : config ? config.greeting : DEFAULT_GREETING;
  const goodbye =
    options.goodbye !== undefined ? options.goodbye : config ? config.goodbye : DEFAULT_GOODBYE;
  return buildStreamTwiml({
    streamUrl: resolveStreamUrl(config, options.streamUrl, options.request),
    greeting,
    goodbye,
    parameters: params,
  });
}
