import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { getLogger } from "../../logger.js";
import type { Stream } from "../Stream.js";
import type { LaunchedServer, LaunchOptions } from "../streamTypes.js";
import { createNodeListener } from "./node.js";
import { attachUpgrades } from "./upgrade.js";

const log = getLogger("http");

/**
 * Starts a `node:http` server (`node:https` with `options.https`) with the built-in page at "/"
 * and every route of the stream; WebSocket routes are served on the same server (`wss://` with
 * https).
 *
 * @internal
 */
export async function launchStream(
  stream: Stream,
  options: LaunchOptions,
): Promise<LaunchedServer> {
  const host = options.host ?? "127.0.0.1";
  const envPort = process.env.PORT ? Number(process.env.PORT) : undefined;
  const port = options.port ?? envPort ?? 7860;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer in 0..65535, got ${String(port)}`);
  }
  const warm = (stream.handler as { warmup?: () => Promise<void> }).warmup;
  if (typeof warm === "function") await warm.call(stream.handler);
  const listener = createNodeListener(stream, { ui: true });
  const https = options.https ?? null;
  if (https !== null && (typeof https !== "object" || !https.key || !https.cert)) {
    throw new TypeError("https needs { key, cert } (PEM strings or Buffers)");
  }
  const server = https
    ? createHttpsServer({ key: https.key, cert: https.cert }, listener)
    : createServer(listener);
  attachUpgrades(stream, server, {});
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  const url = `${https ? "https" : "http"}://${shownHost}:${bound}`;
  log.info("listening", { url });
  let closing: Promise<void> | null = null;
  return {
    url,
    port: bound,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
