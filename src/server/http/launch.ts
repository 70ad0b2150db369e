import cluster from "node:cluster";
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { availableParallelism } from "node:os";
import { reportWorkerStarted, startWorkers, workerNodeId } from "../../cluster/index.js";
import { getLogger } from "../../logger.js";
import type { LaunchedServer, LaunchOptions } from "../streamTypes.js";
import { createNodeListener } from "./node.js";
import type { StreamHost } from "./streamHost.js";
import { attachUpgrades } from "./upgrade.js";

const log = getLogger("http");

function workerCount(value: LaunchOptions["workers"]): number {
  if (value === undefined) return 1;
  if (value === "auto") return availableParallelism();
  if (!Number.isInteger(value) || value < 1 || value > 256) {
    throw new RangeError(`workers must be an integer in 1..256 or "auto", got ${String(value)}`);
  }
  return value;
}

/**
 * Calls `onSignal` on SIGTERM; returns the function that stops listening. After `onSignal`
 * settles the signal is raised again without this listener, so the process ends the way it
 * would have (or as the app's own listeners decide).
 */
function onSigterm(onSignal: () => Promise<void>): () => void {
  const listener = () => {
    process.off("SIGTERM", listener);
    log.info("SIGTERM: draining");
    onSignal()
      .catch((err) => log.error("drain failed", { err }))
      .finally(() => {
        if (process.listenerCount("SIGTERM") === 0) process.kill(process.pid, "SIGTERM");
      });
  };
  process.on("SIGTERM", listener);
  return () => process.off("SIGTERM", listener);
}

/**
 * Starts a `node:http` server (`node:https` with `options.https`) with the built-in page at "/"
 * and every route of the stream; WebSocket routes are served on the same server (`wss://` with
 * https). With `workers > 1` (in the primary) forks the workers instead, which run the app's
 * script and end up here each.
 *
 * @internal
 */
export async function launchStream(
  stream: StreamHost,
  options: LaunchOptions,
): Promise<LaunchedServer> {
  const host = options.host ?? "127.0.0.1";
  const envPort = process.env.PORT ? Number(process.env.PORT) : undefined;
  const port = options.port ?? envPort ?? 7860;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer in 0..65535, got ${String(port)}`);
  }
  const workers = workerCount(options.workers);
  const drainSeconds = options.drainTimeout ?? 30;
  if (typeof drainSeconds !== "number" || !(drainSeconds >= 0)) {
    throw new RangeError(
      `drainTimeout must be a number of seconds >= 0, got ${String(drainSeconds)}`,
    );
  }
  const drainMs = drainSeconds * 1000;
  const https = options.https ?? null;
  if (https !== null && (typeof https !== "object" || !https.key || !https.cert)) {
    throw new TypeError("https needs { key, cert } (PEM strings or Buffers)");
  }
  const handleSignals = options.handleSignals ?? true;
  const inWorker = workerNodeId() !== null;
  const shownHost = host.includes(":") ? `[${host}]` : host === "0.0.0.0" ? "127.0.0.1" : host;
  const urlFor = (p: number) => `${https ? "https" : "http"}://${shownHost}:${p}`;

  if (workers > 1 && cluster.isPrimary) {
    const hub = await startWorkers({
      count: workers,
      drainTimeoutMs: drainMs,
      coordinate: true,
      port,
      host,
      urlFor,
    });
    log.info("listening", { url: hub.url, workers });
    let closing: Promise<void> | null = null;
    const close = () => {
      closing ??= hub.close();
      return closing;
    };
    const stopSignals = handleSignals ? onSigterm(close) : () => {};
    return {
      url: hub.url,
      port: hub.port,
      workers: hub.nodes(),
      close: async () => {
        stopSignals();
        await close();
      },
    };
  }

  let server: ReturnType<typeof createServer>;
  let url = "";
  let bound = 0;
  try {
    const warm = (stream.handler as { warmup?: () => Promise<void> }).warmup;
    if (typeof warm === "function") await warm.call(stream.handler);
    await stream.startCluster();
    const listener = createNodeListener(stream, { ui: true });
    server = https
      ? createHttpsServer({ key: https.key, cert: https.cert }, listener)
      : createServer(listener);
    attachUpgrades(stream, server, {});
    // A worker does not listen: its primary accepts on the port and hands it connections.
    if (!inWorker) {
      const s = server;
      await new Promise<void>((resolve, reject) => {
        s.once("error", reject);
        s.listen(port, host, () => {
          s.off("error", reject);
          resolve();
        });
      });
      bound = (server.address() as AddressInfo).port;
      url = urlFor(bound);
    }
  } catch (err) {
    if (inWorker) reportWorkerStarted({ error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
  if (inWorker) log.info("worker ready", { node: stream.nodeId });
  else log.info("listening", { url });
  let closing: Promise<void> | null = null;
  const closeServer = () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  // Drain: the stream refuses new connections (health 503) and waits for live ones, then closes,
  // which closes this server too (launch registers it with the stream).
  const drainAndClose = async (timeoutMs: number) => {
    await stream.drain(timeoutMs);
    await closeServer();
  };
  if (inWorker) {
    const s = server;
    reportWorkerStarted({
      serve: (socket) => {
        s.emit("connection", socket);
        socket.resume();
      },
      drain: (timeoutMs) => {
        void drainAndClose(timeoutMs).finally(() => process.exit(0));
      },
    });
  }
  const stopSignals = handleSignals
    ? onSigterm(async () => {
        await drainAndClose(drainMs);
        if (inWorker) process.exit(0);
      })
    : () => {};
  return {
    url,
    port: bound,
    workers: [],
    close: () => {
      stopSignals();
      return closeServer();
    },
  };
}
