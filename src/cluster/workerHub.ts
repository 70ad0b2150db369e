import cluster, { type Worker } from "node:cluster";
import { createServer, type Server, type Socket } from "node:net";
import { getLogger } from "../logger.js";
import type { OutputMessage } from "./coordinatorTypes.js";
import {
  type IpcReply,
  isClusterMessage,
  type ToPrimary,
  type ToWorker,
  WORKER_NODE_ENV,
} from "./ipcMessages.js";
import { SlotTable } from "./slotTable.js";

const log = getLogger("cluster");

/**
 * Settings of {@link startWorkers}.
 *
 * @internal
 */
export interface WorkerHubOptions {
  /** Worker processes to fork. */
  count: number;
  /** Extra environment of every worker. */
  env?: Record<string, string>;
  /** Seconds a worker may drain its connections on shutdown before it is killed. */
  drainTimeoutMs: number;
  /** Coordinate slots here (no Redis); false when the workers use Redis themselves. */
  coordinate: boolean;
  /** Where the primary accepts connections for the workers. */
  port: number;
  host: string;
  /** The base URL for the bound port. */
  urlFor(port: number): string;
}

/**
 * The workers of `launch({ workers })`, seen from the primary.
 *
 * @internal
 */
export interface WorkerHub {
  /** The port the workers share. */
  port: number;
  /** Base URL, from the first worker. */
  url: string;
  /** Node ids of the live workers. */
  nodes(): string[];
  /** Drains every worker (up to the drain timeout), then stops them. */
  close(): Promise<void>;
}

interface Member {
  worker: Worker;
  node: string;
  /** Forwarded calls this worker has not answered: primary rid → asker. */
  owed: Set<number>;
  /** Ready to serve connections. */
  ready: boolean;
  /** Open connections, as the worker last reported. */
  open: number;
  /** Sockets it had received at that report. */
  received: number;
  /** Sockets handed to it since it started. */
  sent: number;
}

/** A worker's load: its open connections plus the sockets on their way to it. */
const load = (m: Member) => m.open + (m.sent - m.received);

/** The worker with the fewest connections (counting those on their way); ties in turn. */
function leastLoaded(members: Iterable<Member>, turn: number): Member | null {
  const ready = [...members].filter((m) => m.ready && m.worker.isConnected());
  if (ready.length === 0) return null;
  let best: Member | null = null;
  for (let i = 0; i < ready.length; i++) {
    const m = ready[(turn + i) % ready.length] as Member;
    if (best === null || load(m) < load(best)) best = m;
  }
  return best;
}

/**
 * Forks `count` workers that re-run the app's entry script (`node:cluster`), accepts the
 * connections on the app's port itself and hands each (paused, as a socket handle) to the
 * worker with the fewest live connections (node:cluster's own round robin ignores load: it split
 * 40 calls 4/36), and, without Redis, keeps the workers' slots here: claims and releases, the owner of each id,
 * calls routed to the owning worker, and outputs fanned out to the workers whose clients
 * listen. A worker that exits has its slots freed at once and is replaced (unless closing).
 *
 * @example
 * ```ts
 * // what launch({ port: 7860, workers: 4 }) does in the primary
 * const hub = await startWorkers({
 *   count: 4, drainTimeoutMs: 30_000, coordinate: true,
 *   port: 7860, host: "0.0.0.0", urlFor: (port) => `http://127.0.0.1:${port}`,
 * });
 * console.log(hub.url);
 * ```
 * @internal
 */
export async function startWorkers(options: WorkerHubOptions): Promise<WorkerHub> {
  const slots = new SlotTable();
  const members = new Map<string, Member>();
  /** Output subscriptions: connection id → nodes listening. */
  const subscribers = new Map<string, Set<string>>();
  /** Forwarded calls: primary rid → who asked and under which rid. */
  const forwarded = new Map<number, { from: string; rid: number; to: string }>();
  let prid = 0;
  let closing = false;
  let serial = 0;

  const send = (node: string, message: ToWorker): boolean => {
    const m = members.get(node);
    if (!m?.worker.isConnected()) return false;
    try {
      return m.worker.send(message);
    } catch {
      return false;
    }
  };
  const answer = (node: string, rid: number, reply: IpcReply) =>
    send(node, { fastrtc: "answer", rid, ...reply });

  const onMessage = (from: string, message: ToPrimary) => {
    switch (message.fastrtc) {
      case "claim":
        answer(from, message.rid, {
          ok: true,
          value: slots.claim(message.id, from, message.limit ?? Number.POSITIVE_INFINITY),
        });
        return;
      case "release":
        slots.release(message.id, from);
        return;
      case "owner":
        answer(from, message.rid, { ok: true, value: slots.owner(message.id) });
        return;
      case "count":
        answer(from, message.rid, { ok: true, value: slots.size });
        return;
      case "call": {
        const id = ++prid;
        const target = members.get(message.to);
        if (!target) {
          answer(from, message.rid, { ok: false, error: `${message.to} is gone` });
          return;
        }
        forwarded.set(id, { from, rid: message.rid, to: message.to });
        target.owed.add(id);
        if (!send(message.to, { fastrtc: "call", rid: id, call: message.call })) {
          forwarded.delete(id);
          target.owed.delete(id);
          answer(from, message.rid, { ok: false, error: `${message.to} is gone` });
        }
        return;
      }
      case "reply": {
        const f = forwarded.get(message.rid);
        if (!f) return;
        forwarded.delete(message.rid);
        members.get(f.to)?.owed.delete(message.rid);
        const { fastrtc: _k, rid: _r, ...reply } = message;
        answer(f.from, f.rid, reply as IpcReply);
        return;
      }
      case "publish":
        for (const node of subscribers.get(message.id) ?? []) {
          if (node !== from)
            send(node, { fastrtc: "out", id: message.id, message: message.message });
        }
        if ((message.message as OutputMessage).kind === "end") subscribers.delete(message.id);
        return;
      case "subscribe": {
        let set = subscribers.get(message.id);
        if (!set) {
          set = new Set();
          subscribers.set(message.id, set);
        }
        set.add(from);
        return;
      }
      case "unsubscribe":
        subscribers.get(message.id)?.delete(from);
        if (subscribers.get(message.id)?.size === 0) subscribers.delete(message.id);
        return;
      case "ready":
      case "load":
      case "failed":
        return;
    }
  };

  const fork = (): Promise<void> => {
    const node = `w${++serial}`;
    const worker = cluster.fork({ ...options.env, [WORKER_NODE_ENV]: node });
    const member: Member = {
      worker,
      node,
      owed: new Set(),
      ready: false,
      open: 0,
      received: 0,
      sent: 0,
    };
    members.set(node, member);
    const started = new Promise<void>((resolve, reject) => {
      worker.on("message", (message: unknown) => {
        if (!isClusterMessage(message)) return;
        const m = message as ToPrimary;
        if (m.fastrtc === "ready") {
          member.ready = true;
          resolve();
        } else if (m.fastrtc === "load") {
          member.open = m.open;
          member.received = m.received;
        } else if (m.fastrtc === "failed") reject(new Error(`worker ${node}: ${m.error}`));
        else if (options.coordinate) onMessage(node, m);
      });
      worker.once("exit", (code, signal) => {
        reject(new Error(`worker ${node} exited (${signal ?? code}) before it was ready`));
      });
    });
    worker.once("exit", (code, signal) => {
      members.delete(node);
      const freed = slots.releaseNode(node);
      for (const set of subscribers.values()) set.delete(node);
      for (const id of member.owed) {
        const f = forwarded.get(id);
        forwarded.delete(id);
        if (f) answer(f.from, f.rid, { ok: false, error: `${node} exited` });
      }
      if (closing) return;
      log.warn("worker exited; starting another", { node, code, signal, slotsFreed: freed });
      fork().catch((err) => log.error("could not replace a worker", { err }));
    });
    return started;
  };

  let turn = 0;
  const handOut = (socket: Socket) => {
    const target = leastLoaded(members.values(), turn++);
    if (!target) {
      socket.destroy();
      return;
    }
    target.sent++;
    try {
      target.worker.send({ fastrtc: "socket" } satisfies ToWorker, socket, (err) => {
        if (err) socket.destroy();
      });
    } catch {
      socket.destroy();
    }
  };

  let listener: Server | null = null;
  try {
    await Promise.all(Array.from({ length: options.count }, () => fork()));
    const server = createServer({ pauseOnConnect: true }, handOut);
    listener = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    closing = true;
    listener?.close();
    for (const m of members.values()) m.worker.kill("SIGKILL");
    throw err;
  }
  const address = listener.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;

  return {
    port,
    url: options.urlFor(port),
    nodes: () => [...members.keys()],
    close: async () => {
      closing = true;
      listener?.close();
      const exits = [...members.values()].map(
        (m) =>
          new Promise<void>((resolve) => {
            if (m.worker.isDead()) return resolve();
            m.worker.once("exit", () => resolve());
            send(m.node, { fastrtc: "drain", timeoutMs: options.drainTimeoutMs });
            const kill = setTimeout(() => m.worker.kill("SIGKILL"), options.drainTimeoutMs + 5000);
            kill.unref();
          }),
      );
      await Promise.all(exits);
    },
  };
}
