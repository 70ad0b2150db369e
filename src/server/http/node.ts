import type { IncomingMessage, ServerResponse } from "node:http";
import type { MountOptions } from "../streamTypes.js";
import { isTlsRequest, nodeHeaders, parseRequestTarget } from "./request.js";
import { matchRoute, type RequestBody, streamRoutes } from "./router.js";
import type { StreamHost } from "./streamHost.js";

/**
 * A connect-style request listener serving a stream's routes: `(req, res, next?)`. Requests
 * for other paths go to `next()` when given, else get a 404. Works as Express middleware, as a
 * `node:http` listener and inside `launch`.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * const listener = createNodeListener(stream, { path: "/api" });
 * createServer((req, res) => listener(req, res)).listen(8000);
 * ```
 */
export function createNodeListener(
  stream: StreamHost,
  options: MountOptions = {},
): (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void {
  const routes = streamRoutes(stream, options);
  return (req, res, next) => {
    const url = parseRequestTarget(req.url);
    if (url === null) {
      res
        .writeHead(400, { "content-type": "application/json" })
        .end(JSON.stringify({ detail: "Bad request target" }));
      return;
    }
    const route = matchRoute(routes, req.method ?? "GET", url.pathname);
    if (!route) {
      if (next) return next();
      res
        .writeHead(404, { "content-type": "application/json" })
        .end(JSON.stringify({ detail: "Not Found" }));
      return;
    }
    const gone = new AbortController();
    res.once("close", () => gone.abort());
    route
      .handle({
        method: req.method ?? "GET",
        pathAndQuery: (req as { originalUrl?: string }).originalUrl ?? req.url ?? "/",
        headers: nodeHeaders(req),
        secure: isTlsRequest(req),
        body: () => readNodeBody(req, stream.maxBodyBytes),
        signal: gone.signal,
      })
      .then(async (out) => {
        if (res.headersSent) return;
        if (typeof out.body !== "string") {
          res.writeHead(out.status, out.headers);
          res.flushHeaders();
          for await (const chunk of out.body) {
            if (res.destroyed) break;
            res.write(chunk);
          }
          res.end();
          return;
        }
        res.writeHead(out.status, {
          ...out.headers,
          "content-length": Buffer.byteLength(out.body),
        });
        res.end(req.method === "HEAD" ? undefined : out.body);
      })
      .catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(
          JSON.stringify({ detail: err instanceof Error ? err.message : "Internal Server Error" }),
        );
      });
  };
}

/**
 * Reads a request body up to `limit` bytes; uses a body a framework already parsed
 * (`req.body`, e.g. Express's `express.json()`).
 *
 * @internal
 */
export function readNodeBody(req: IncomingMessage, limit: number): Promise<RequestBody> {
  const pre = (req as IncomingMessage & { body?: unknown }).body;
  if (pre !== undefined && (req.readableEnded || req.complete)) {
    if (typeof pre === "string")
      return Promise.resolve(checkSize({ kind: "text", text: pre }, limit));
    if (Buffer.isBuffer(pre))
      return Promise.resolve(checkSize({ kind: "text", text: pre.toString("utf8") }, limit));
    return Promise.resolve({ kind: "parsed", value: pre });
  }
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve({ kind: "too-large", limit });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (tooLarge) resolve({ kind: "too-large", limit });
      else resolve({ kind: "text", text: Buffer.concat(chunks).toString("utf8") });
    });
    req.on("error", reject);
  });
}

function checkSize(body: { kind: "text"; text: string }, limit: number): RequestBody {
  return Buffer.byteLength(body.text) > limit ? { kind: "too-large", limit } : body;
}
