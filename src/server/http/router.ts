import { getLogger } from "../../logger.js";
import { loadUiBundle, renderPage } from "../../ui/index.js";
import { safeJsonStringify } from "../boundedJson.js";
import type { MountOptions } from "../streamTypes.js";
import { incomingCallTwiml, parseFormParams, twilioRequestAllowed } from "../telephone.js";
import { inputHookRoute, outputsRoute } from "./ioRoutes.js";
import type { HeaderMap } from "./request.js";
import type { StreamHost } from "./streamHost.js";

const log = getLogger("http");

/** The request body as an adapter has it.
 *
 * @internal
 */
export type RequestBody =
  | { kind: "text"; text: string }
  | { kind: "parsed"; value: unknown }
  | { kind: "too-large"; limit: number };

/** A framework-neutral HTTP response.
 *
 * @internal
 */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** The whole body, or a stream of chunks (server-sent events); a stream ends when the client leaves. */
  body: string | AsyncIterable<string>;
}

/** A request as every adapter hands it to a route.
 *
 * @internal
 */
export interface RouteRequest {
  method: string;
  /** Path and query as received, e.g. `/api/webrtc/offer?x=1`. */
  pathAndQuery: string;
  headers: HeaderMap;
  /** True when the request came over TLS (before any proxy). */
  secure: boolean;
  /** Reads the body (once), up to the stream's `maxBodyBytes`. */
  body(): Promise<RequestBody>;
  /** Aborted when the client goes away (ends streamed responses). */
  signal: AbortSignal;
}

/** One route of a stream.
 *
 * @internal
 */
export interface StreamRoute {
  method: "GET" | "POST";
  /** Full path including the mount prefix. */
  path: string;
  /** Handles a matched request. */
  handle(request: RouteRequest): Promise<HttpResponse>;
}

/** A JSON response.
 *
 * @internal
 */
export function json(status: number, value: unknown): HttpResponse {
  return {
    status,
    headers: { "content-type": "application/json" },
    body: safeJsonStringify(value),
  };
}

/** Normalises a mount prefix: "" or "/x" without a trailing slash.
 *
 * @internal
 */
export function normalizePrefix(path: string | undefined): string {
  let p = (path ?? "").trim();
  if (p === "" || p === "/") return "";
  if (!p.startsWith("/")) p = `/${p}`;
  return p.replace(/\/+$/, "");
}

/**
 * The routes of a stream under a prefix, independent of any HTTP framework. Every adapter
 * (Hono, Express, Fastify, node:http, `launch`) serves exactly these.
 *
 * @internal
 */
export function streamRoutes(stream: StreamHost, options: MountOptions = {}): StreamRoute[] {
  const prefix = normalizePrefix(options.path);
  const routes: StreamRoute[] = [
    {
      method: "POST",
      path: `${prefix}/webrtc/offer`,
      handle: async (req) => {
        const denied = await stream.authorize("webrtc", req.pathAndQuery, req.headers, req.secure);
        if (denied) return json(denied.status, { detail: denied.detail });
        const body = await req.body();
        if (body.kind === "too-large") {
          return json(413, { detail: `Request body is larger than ${body.limit} bytes` });
        }
        const res = await stream.offer(body.kind === "text" ? body.text : { parsed: body.value });
        return json(res.status, res.body);
      },
    },
  ];
  if (options.health !== false) {
    routes.push({
      method: "GET",
      path: `${prefix}/health`,
      handle: async () => {
        const res = await stream.health();
        return {
          ...json(res.status, res.body),
          headers: { "content-type": "application/json", "cache-control": "no-store" },
        };
      },
    });
  }
  if (stream.ioRoutes) {
    routes.push(
      {
        method: "POST",
        path: `${prefix}/input_hook`,
        handle: (req) => inputHookRoute(stream, req),
      },
      { method: "GET", path: `${prefix}/outputs`, handle: (req) => outputsRoute(stream, req) },
    );
  }
  const telephone = stream.telephone;
  if (telephone) {
    const incoming: StreamRoute["handle"] = async (req) => {
      let params: Record<string, string | string[]> = {};
      if (req.method === "POST") {
        const body = await req.body();
        if (body.kind === "too-large") {
          return json(413, { detail: `Request body is larger than ${body.limit} bytes` });
        }
        params =
          body.kind === "text"
            ? parseFormParams(body.text, req.headers["content-type"])
            : stringParams(body.value);
      }
      const tReq = {
        pathAndQuery: req.pathAndQuery,
        headers: req.headers,
        secure: req.secure,
        params,
      };
      if (!twilioRequestAllowed(telephone, tReq, "http")) {
        return json(403, { detail: "Invalid or missing X-Twilio-Signature" });
      }
      const twiml = incomingCallTwiml(telephone, tReq, prefix);
      if (twiml === null) {
        return json(400, { detail: "No usable Host header: set telephone.publicUrl" });
      }
      return { status: 200, headers: { "content-type": "application/xml" }, body: twiml };
    };
    routes.push(
      { method: "POST", path: `${prefix}/telephone/incoming`, handle: incoming },
      { method: "GET", path: `${prefix}/telephone/incoming`, handle: incoming },
    );
  }
  if (options.ui) {
    const page: StreamRoute["handle"] = async () => {
      try {
        const [bundle, rtcConfiguration] = await Promise.all([
          loadUiBundle(),
          stream.resolveRtcConfiguration(),
        ]);
        const html = renderPage(
          {
            ...stream.uiArgs,
            mode: stream.mode,
            modality: stream.modality,
            path: prefix,
            rtcConfiguration,
            trackConstraints: stream.trackConstraints,
            additionalInputs: [...stream.additionalInputs],
            additionalOutputs: [...stream.additionalOutputs],
            ioRoutes: stream.ioRoutes,
            textTurns: stream.textTurns,
          },
          bundle,
        );
        return { status: 200, headers: { "content-type": "text/html; charset=utf-8" }, body: html };
      } catch (err) {
        log.error("could not render the page", { err });
        return json(500, {
          detail: `The page could not be rendered: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    };
    routes.push({ method: "GET", path: `${prefix}/`, handle: page });
    if (prefix !== "") routes.push({ method: "GET", path: prefix, handle: page });
  }
  return routes;
}

/** A body a framework already parsed (e.g. `express.urlencoded()`), as Twilio parameters. */
function stringParams(value: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (typeof value !== "object" || value === null) return out;
  for (const [k, v] of Object.entries(value)) {
    if (typeof v === "string") out[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === "string")) out[k] = v as string[];
  }
  return out;
}

/**
 * Finds the route for a request; a known path with the wrong method gives a 405 route.
 *
 * @internal
 */
export function matchRoute(
  routes: StreamRoute[],
  method: string,
  pathname: string,
): StreamRoute | null {
  const m = method.toUpperCase() === "HEAD" ? "GET" : method.toUpperCase();
  const samePath = routes.filter((r) => r.path === pathname);
  if (samePath.length === 0) return null;
  const exact = samePath.find((r) => r.method === m);
  if (exact) return exact;
  return {
    method: m as "GET",
    path: pathname,
    handle: async () => ({
      ...json(405, { detail: "Method Not Allowed" }),
      headers: {
        "content-type": "application/json",
        allow: samePath.map((r) => r.method).join(", "),
      },
    }),
  };
}
