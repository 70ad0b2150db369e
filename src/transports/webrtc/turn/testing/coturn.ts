/**
 * A throw-away coturn (Debian's `turnserver`) for tests: loopback only, TURN REST shared-secret
 * auth, UDP and TCP listeners on a free port, relays on a small free range, no TLS, no CLI, a
 * temporary directory for its database, pid and log. Test support, not part of the build.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Where Debian puts coturn's server. */
export const TURNSERVER_PATH = "/usr/bin/turnserver";

/** True when coturn is installed. */
export const hasCoturn: boolean = existsSync(TURNSERVER_PATH);

/** A running coturn. */
export interface Coturn {
  /** The shared secret (`static-auth-secret`). */
  secret: string;
  realm: string;
  /** The listening port (UDP and TCP). */
  port: number;
  /** `turn:127.0.0.1:<port>?transport=udp` */
  udpUrl: string;
  /** `turn:127.0.0.1:<port>?transport=tcp` */
  tcpUrl: string;
  /** coturn's log so far. */
  log(): Promise<string>;
  /** Stops it and removes its directory. Idempotent. */
  close(): Promise<void>;
}

/** A port free for both TCP and UDP on 127.0.0.1. */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const p = (server.address() as { port: number }).port;
        server.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket("udp4");
      socket.once("error", () => resolve(false));
      socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error("no free port for coturn");
}

/** Waits until a TCP connection to the port succeeds. */
async function waitListening(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`turnserver exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: "127.0.0.1" });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`turnserver did not listen on ${port} in time`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Starts coturn on a free port of 127.0.0.1 (relays on 127.0.0.1 too, loopback peers allowed).
 *
 * @example
 * ```ts
 * const turn = await startCoturn();
 * const config = getSharedSecretTurnCredentials({ urls: turn.udpUrl, secret: turn.secret });
 * await turn.close();
 * ```
 */
export async function startCoturn(
  options: { secret?: string; realm?: string } = {},
): Promise<Coturn> {
  const secret = options.secret ?? `secret-${process.pid}-${Date.now()}`;
  const realm = options.realm ?? "fastrtc.test";
  const dir = await mkdtemp(join(tmpdir(), "fastrtc-coturn-"));
  const port = await freePort();
  // A relay range of 200 ports derived from the listening port, inside 20000..60000.
  const minPort = 20_000 + ((port * 7) % 39_000);
  const logFile = join(dir, "turn.log");
  const args = [
    "-n",
    "--listening-ip=127.0.0.1",
    `--listening-port=${port}`,
    "--relay-ip=127.0.0.1",
    `--min-port=${minPort}`,
    `--max-port=${minPort + 199}`,
    "--use-auth-secret",
    `--static-auth-secret=${secret}`,
    `--realm=${realm}`,
    "--fingerprint",
    "--no-cli",
    "--no-tls",
    "--no-dtls",
    "--allow-loopback-peers",
    "--no-multicast-peers",
    "--no-rfc5780",
    `--pidfile=${join(dir, "turnserver.pid")}`,
    `--db=${join(dir, "turndb.sqlite")}`,
    `--log-file=${logFile}`,
    "--simple-log",
    "--verbose",
    "--no-stdout-log",
  ];
  const child = spawn(TURNSERVER_PATH, args, { stdio: "ignore" });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
          child.once("exit", () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill("SIGTERM");
        });
      }
      await rm(dir, { recursive: true, force: true });
    })();
    return closing;
  };
  try {
    await waitListening(port, child, 10_000);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    secret,
    realm,
    port,
    udpUrl: `turn:127.0.0.1:${port}?transport=udp`,
    tcpUrl: `turn:127.0.0.1:${port}?transport=tcp`,
    log: () => readFile(logFile, "utf8").catch(() => ""),
    close,
  };
}
