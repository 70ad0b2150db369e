import { Agent } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../server/testing/peers.js";
import type { WsPeer } from "../server/testing/wsPeer.js";
import { httpCall } from "./testing/http.js";
import { failure, startSession, websocketUrl } from "./testing/sessions.js";
import { spawnNode, type TestNode } from "./testing/spawnNode.js";
import { offerWithoutCandidates } from "./testing/tricklePeer.js";

/**
 * `launch({ workers: 2 })` with no Redis: two worker processes share one port and their
 * primary keeps the slots. Every request goes on a new TCP connection, so node:cluster hands
 * it to either worker: the routing must make that invisible.
 */

/** One request on its own TCP connection (no keep-alive pool). */
const fresh = (method: "GET" | "POST", url: string, body?: unknown) =>
  httpCall(false, method, url, body);

/**
 * The health answer of each worker. The primary hands a new connection to the worker with the
 * fewest open sockets, so fresh requests one after another could all reach the same one: each
 * answer's socket is held open (keep-alive) until every worker answered, then closed. The answer
 * kept for a worker is its first, when it held no socket of ours.
 */
async function eachWorker(url: string, workers = 2): Promise<Map<string, Record<string, unknown>>> {
  const agents: Agent[] = [];
  const first = new Map<string, Record<string, unknown>>();
  try {
    for (let i = 0; i < 40 && first.size < workers; i++) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      agents.push(agent);
      const h = await httpCall(agent, "GET", `${url}/health`);
      expect(h.status).toBe(200);
      const node = String(h.json.node);
      if (!first.has(node)) first.set(node, h.json);
    }
  } finally {
    for (const a of agents) a.destroy();
  }
  expect(first.size).toBe(workers);
  return first;
}

/**
 * Waits until no session is left in the service and each worker holds no socket but the health
 * request asking it, so the primary's counts start from 0 + 0. Sockets closed by a test before
 * (its sessions, its health requests) close on the server a moment after the client sees them
 * closed.
 */
async function settled(url: string): Promise<void> {
  await expect
    .poll(
      async () =>
        [...(await eachWorker(url)).values()].every(
          (h) => h.serviceConnections === 0 && h.sockets === 1,
        ),
      { timeout: 15_000, interval: 100 },
    )
    .toBe(true);
}

/** Closes `peers` (whatever the test's outcome) and waits for the service to settle. */
async function closeAll(url: string, peers: WsPeer[]): Promise<void> {
  await Promise.allSettled(peers.map((p) => p.close()));
  await settled(url);
}

describe("launch({ workers: 2 }) without Redis", () => {
  let node: TestNode;
  const open: WsPeer[] = [];

  beforeAll(async () => {
    node = await spawnNode({
      FASTRTC_TEST_WORKERS: "2",
      FASTRTC_TEST_LIMIT: "3",
      FASTRTC_TEST_DRAIN: "2",
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(open.map((p) => p.close()));
    await node?.kill();
  });

  it("two worker processes answer on one port", async () => {
    expect(node.workers).toHaveLength(2);
    const health = await eachWorker(node.url);
    for (const h of health.values()) expect(h.cluster).toBe("workers");
    expect([...health.keys()].sort()).toEqual([...node.workers].sort());
  });

  it("the concurrency limit is counted across the workers", async () => {
    const peers: WsPeer[] = [];
    try {
      for (const id of ["w-1", "w-2", "w-3"])
        peers.push(await startSession(websocketUrl(node.url), id));
      expect(peers.map(failure)).toEqual([null, null, null]);
      const fourth = await startSession(websocketUrl(node.url), "w-4");
      peers.push(fourth);
      expect(failure(fourth)).toBe("concurrency_limit_reached");
      expect((await fresh("GET", `${node.url}/health`)).json.serviceConnections).toBe(3);
    } finally {
      await closeAll(node.url, peers);
    }
  }, 40_000);

  it("new connections go to the worker with the fewest live ones", async () => {
    await settled(node.url);
    const peers: WsPeer[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        peers.push(await startSession(websocketUrl(node.url), `spread-${i}`));
      }
      // Three sessions, one at a time: 2 + 1 whatever the order (node:cluster's round robin
      // ignores load and once put 36 of 40 calls on one worker). The health sockets of the
      // wait above, one per worker, may still be counted: evenly, so the split is the same.
      const counts = [...(await eachWorker(node.url)).values()].map((h) => Number(h.connections));
      expect(counts.sort()).toEqual([1, 2]);
    } finally {
      await closeAll(node.url, peers);
    }
  }, 40_000);

  it("WebRTC candidates, /input_hook and /outputs reach the worker that owns the connection", async () => {
    const offer = await offerWithoutCandidates();
    try {
      const id = "w-rtc";
      const answer = await fresh("POST", `${node.url}/webrtc/offer`, {
        sdp: offer.bareSdp,
        type: "offer",
        webrtc_id: id,
      });
      expect(answer.status).toBe(200);
      for (const candidate of offer.candidates) {
        const res = await fresh("POST", `${node.url}/webrtc/offer`, {
          type: "ice-candidate",
          webrtc_id: id,
          candidate,
        });
        expect(res.json).toEqual({ status: "success" });
      }
      await offer.pc.setRemoteDescription(answer.json as { sdp: string; type: "answer" });
      await waitFor(() => offer.pc.connectionState === "connected", 15_000, "connected");
      for (let i = 0; i < 6; i++) {
        const hook = await fresh("POST", `${node.url}/input_hook`, {
          webrtc_id: id,
          note: `n${i}`,
        });
        expect(hook).toMatchObject({ status: 200, json: { status: "ok" } });
      }
      // /outputs from either worker starts with the current values.
      for (let i = 0; i < 4; i++) {
        const ctl = new AbortController();
        const res = await fetch(`${node.url}/outputs?webrtc_id=${id}`, {
          signal: ctl.signal,
          headers: { connection: "close" },
        });
        expect(res.status).toBe(200);
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        let text = "";
        while (!text.includes("\n\n")) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        expect(text).toContain('data: ["n5"]');
        ctl.abort();
      }
    } finally {
      await offer.close();
    }
  }, 40_000);

  it("a killed worker's slots are freed at once and a new worker takes its place", async () => {
    const peer = await startSession(websocketUrl(node.url), "w-kill");
    open.push(peer);
    expect(failure(peer)).toBeNull();
    // The WebRTC connection of the test before may still be live on a worker: kill every
    // worker that holds a connection.
    const holders = [...(await eachWorker(node.url)).values()]
      .filter((h) => Number(h.connections) > 0)
      .map((h) => Number(h.pid));
    expect(holders.length).toBeGreaterThan(0);
    for (const pid of holders) process.kill(pid, "SIGKILL");
    await peer.waitClosed();
    await expect
      .poll(async () => (await fresh("GET", `${node.url}/health`)).json.serviceConnections, {
        timeout: 10_000,
      })
      .toBe(0);
    const again = await startSession(websocketUrl(node.url), "w-kill");
    open.push(again);
    expect(failure(again)).toBeNull();
    await again.close();
  }, 40_000);

  it("SIGTERM on the primary drains the workers and exits", async () => {
    node.child.kill("SIGTERM");
    const code = await node.exited;
    expect(code === 0 || code === null).toBe(true);
  }, 30_000);
});
