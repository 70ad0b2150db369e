import { type IncomingMessage, Server, type ServerResponse } from "node:http";
import { getLogger } from "../../logger.js";
import type { MountOptions } from "../streamTypes.js";
import { type FastifyLike, mountOnFastify } from "./fastify.js";
import { type HonoLike, mountOnHono } from "./hono.js";
import { createNodeListener } from "./node.js";
import { normalizePrefix } from "./router.js";
import type { StreamHost } from "./streamHost.js";
import { attachUpgrades } from "./upgrade.js";

const log = getLogger("http");

/**
 * An Express (or Connect) app: a function with `use`.
 *
 * @example
 * ```ts
 * const app: ExpressLike = express();
 * stream.mount(app, { path: "/api" });
 * ```
 */
export interface ExpressLike {
  (req: IncomingMessage, res: ServerResponse, next?: () => void): unknown;
  use(
    handler: (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void,
  ): unknown;
}

/**
 * What {@link Stream.mount} accepts: a Hono app, an Express/Connect app, a Fastify instance, or
 * a `node:http` server.
 *
 * @example
 * ```ts
 * const target: MountTarget = new Hono();
 * ```
 */
export type MountTarget = HonoLike | ExpressLike | FastifyLike | Server;

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Streams already told that mount() serves no page (the warning comes once per stream). */
const warnedNoPage = new WeakSet<StreamHost>();

/**
 * Mounts a stream's routes on whatever kind of app `target` is. With `ui` left out, warns once
 * per stream that no page is served (an explicit `ui: false` is silent).
 *
 * @throws TypeError for anything else.
 * @internal
 */
export function mountStream(
  stream: StreamHost,
  target: MountTarget,
  options: MountOptions = {},
): void {
  mountOn(stream, target, options);
  if (options.ui === undefined && !warnedNoPage.has(stream)) {
    warnedNoPage.add(stream);
    const at = `${normalizePrefix(options.path)}/`;
    log.warn(
      `mount() serves the routes but no page at "${at}": pass { ui: true } to serve the built-in page there, or { ui: false } to silence this warning`,
      { path: at },
    );
  }
}

function mountOn(stream: StreamHost, target: MountTarget, options: MountOptions): void {
  if (target instanceof Server) {
    mountOnNodeServer(stream, target, options);
    attachUpgrades(stream, target, options);
    return;
  }
  if (options.server) attachUpgrades(stream, options.server, options);
  const t = target as unknown as Record<string, unknown>;
  if (typeof t.register === "function" && typeof t.addContentTypeParser === "function") {
    mountOnFastify(stream, target as FastifyLike, options);
    if (!options.server && t.server instanceof Server) attachUpgrades(stream, t.server, options);
    return;
  }
  if (
    typeof t.fetch === "function" &&
    typeof t.on === "function" &&
    typeof t.route === "function"
  ) {
    mountOnHono(stream, target as HonoLike, options);
    warnWithoutServer(options);
    return;
  }
  if (typeof target === "function" && typeof t.use === "function") {
    (target as ExpressLike).use(createNodeListener(stream, options));
    warnWithoutServer(options);
    return;
  }
  throw new TypeError(
    "stream.mount() needs a Hono app, an Express/Connect app, a Fastify instance or a node:http Server",
  );
}

/** Express and Hono apps do not know their HTTP server: without `{ server }` no WebSocket route works. */
function warnWithoutServer(options: MountOptions): void {
  if (options.server) return;
  log.warn(
    "mounted without { server }: /websocket/offer and /telephone/handler are not served; pass the app's HTTP server as mount(app, { server })",
  );
}

/**
 * Puts the stream's routes in front of a `node:http` server's existing request listeners:
 * requests for the stream's paths are answered, others go to the listeners already there
 * (or get a 404 when there are none).
 */
function mountOnNodeServer(stream: StreamHost, server: Server, options: MountOptions): void {
  const previous = server.listeners("request") as Listener[];
  server.removeAllListeners("request");
  const listener = createNodeListener(stream, options);
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    if (previous.length === 0) {
      listener(req, res);
      return;
    }
    listener(req, res, () => {
      for (const p of previous) p.call(server, req, res);
    });
  });
}
