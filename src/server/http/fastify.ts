import { Readable } from "node:stream";
import type { MountOptions } from "../streamTypes.js";
import { isTlsRequest, type NodeRequestLike, nodeHeaders } from "./request.js";
import { type RequestBody, streamRoutes } from "./router.js";
import type { StreamHost } from "./streamHost.js";

interface FastifyReplyLike {
  code(status: number): FastifyReplyLike;
  headers(values: Record<string, string>): FastifyReplyLike;
  send(body: string | Readable): unknown;
}

interface FastifyRequestLike {
  body?: unknown;
  method: string;
  url: string;
  raw: NodeRequestLike & { once?(event: "close", listener: () => void): unknown };
}

interface FastifyScope {
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    type: string,
    options: { parseAs: "string"; bodyLimit: number },
    parser: (req: unknown, body: string, done: (err: Error | null, body?: unknown) => void) => void,
  ): void;
  route(options: {
    method: string;
    url: string;
    handler: (req: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>;
    errorHandler?: (err: { code?: string }, req: unknown, reply: FastifyReplyLike) => unknown;
  }): unknown;
}

/**
 * The part of a Fastify instance that mounting uses (any `Fastify()` satisfies it).
 *
 * @example
 * ```ts
 * const app: FastifyLike = Fastify();
 * stream.mount(app, { path: "/api" });
 * ```
 */
export interface FastifyLike {
  register(plugin: (scope: FastifyScope) => Promise<void>): unknown;
  addContentTypeParser: unknown;
}

/**
 * Registers a stream's routes on a Fastify instance, in their own scope so that bodies reach
 * the stream as raw text (FastRTC's 422 answers, our body limit) whatever parsers the app uses.
 *
 * @example
 * ```ts
 * const app = Fastify();
 * mountOnFastify(stream, app, { path: "/api" });
 * await app.listen({ port: 8000 });
 * ```
 */
export function mountOnFastify(
  stream: StreamHost,
  app: FastifyLike,
  options: MountOptions = {},
): void {
  const routes = streamRoutes(stream, options);
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      "*",
      { parseAs: "string", bodyLimit: stream.maxBodyBytes },
      (_req, body, done) => done(null, body),
    );
    for (const route of routes) {
      scope.route({
        method: route.method,
        url: route.path,
        handler: async (req, reply) => {
          const body: RequestBody = {
            kind: "text",
            text: typeof req.body === "string" ? req.body : "",
          };
          const gone = new AbortController();
          req.raw.once?.("close", () => gone.abort());
          const out = await route.handle({
            method: req.method,
            pathAndQuery: req.url,
            headers: nodeHeaders(req.raw),
            secure: isTlsRequest(req.raw),
            body: async () => body,
            signal: gone.signal,
          });
          if (typeof out.body !== "string") {
            return reply.code(out.status).headers(out.headers).send(Readable.from(out.body));
          }
          return reply.code(out.status).headers(out.headers).send(out.body);
        },
        errorHandler: (err, _req, reply) => {
          if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
            return reply
              .code(413)
              .headers({ "content-type": "application/json" })
              .send(
                JSON.stringify({
                  detail: `Request body is larger than ${stream.maxBodyBytes} bytes`,
                }),
              );
          }
          return reply
            .code(500)
            .headers({ "content-type": "application/json" })
            .send(JSON.stringify({ detail: "Internal Server Error" }));
        },
      });
    }
  });
}
