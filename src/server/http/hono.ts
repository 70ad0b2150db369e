import type { MountOptions } from "../streamTypes.js";
import { webHeaders } from "./request.js";
import { type RequestBody, streamRoutes } from "./router.js";
import type { StreamHost } from "./streamHost.js";

/**
 * The part of a Hono app that mounting uses (any `new Hono()` satisfies it).
 *
 * @example
 * ```ts
 * const app: HonoLike = new Hono();
 * stream.mount(app, { path: "/api" });
 * ```
 */
export interface HonoLike {
  on(
    method: string,
    path: string,
    handler: (c: { req: { raw: Request } }) => Promise<Response>,
  ): unknown;
  fetch: (request: Request, ...rest: never[]) => unknown;
}

/**
 * Registers a stream's routes on a Hono app.
 *
 * @example
 * ```ts
 * const app = new Hono();
 * mountOnHono(stream, app, { path: "/api" });
 * ```
 */
export function mountOnHono(stream: StreamHost, app: HonoLike, options: MountOptions = {}): void {
  for (const route of streamRoutes(stream, options)) {
    app.on(route.method, route.path, async (c) => {
      const raw = c.req.raw;
      const url = new URL(raw.url);
      const out = await route.handle({
        method: raw.method,
        pathAndQuery: url.pathname + url.search,
        headers: webHeaders(raw.headers),
        secure: url.protocol === "https:",
        body: () => readWebBody(raw, stream.maxBodyBytes),
        signal: raw.signal,
      });
      if (typeof out.body !== "string") {
        return new Response(toReadableStream(out.body), {
          status: out.status,
          headers: out.headers,
        });
      }
      return new Response(raw.method === "HEAD" ? null : out.body, {
        status: out.status,
        headers: out.headers,
      });
    });
  }
}

/** A Fetch API body from a stream of text chunks; cancelling it ends the stream. */
function toReadableStream(chunks: AsyncIterable<string>): ReadableStream<Uint8Array> {
  const it = chunks[Symbol.asyncIterator]();
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await it.next();
      if (done) controller.close();
      else controller.enqueue(encoder.encode(value));
    },
    async cancel() {
      await it.return?.();
    },
  });
}

/**
 * Reads a Fetch API request body up to `limit` bytes.
 *
 * @internal
 */
export async function readWebBody(request: Request, limit: number): Promise<RequestBody> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) return { kind: "too-large", limit };
  if (!request.body) return { kind: "text", text: "" };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return { kind: "too-large", limit };
    }
    chunks.push(value);
  }
  return { kind: "text", text: Buffer.concat(chunks).toString("utf8") };
}
