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
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) {
      const h = await fresh("GET", `${node.url}/health`);
      expect(h.status).toBe(200);
      expect(h.json.cluster).toBe("workers");
      seen.add(String(h.json.node));
    }
    expect([...seen].sort()).toEqual([...node.workers].sort());
  });

  it("the concurrency limit is counted across the workers", async () => {
    const peers: WsPeer[] = [];
    for (const id of ["w-1", "w-2", "w-3"])
      peers.push(await startSession(websocketUrl(node.url), id));
    open.push(...peers);
    expect(peers.map(failure)).toEqual([null, null, null]);
    const fourth = await startSession(websocketUrl(node.url), "w-4");
    expect(failure(fourth)).toBe("concurrency_limit_reached");
    expect((await fresh("GET", `${node.url}/health`)).json.serviceConnections).toBe(3);
    await Promise.all(peers.map((p) => p.close()));
    await expect
      .poll(async () => (await fresh("GET", `${node.url}/health`)).json.serviceConnections, {
        timeout: 10_000,
      })
      .toBe(0);
  });

  it("new connections go to the worker with the fewest live ones", async () => {
    const peers: WsPeer[] = [];
    for (let i = 0; i < 3; i++) {
      peers.push(await startSession(websocketUrl(node.url), `spread-${i}`));
    }
    open.push(...peers);
    // Three sessions, one at a time: 2 + 1 whatever the order (node:cluster's round robin
    // ignores load and once put 36 of 40 calls on one worker).
    const counts = new Map<string, number>();
    for (let i = 0; i < 40 && counts.size < 2; i++) {
      const h = await fresh("GET", `${node.url}/health`);
      counts.set(String(h.json.node), Number(h.json.connections));
    }
    expect([...counts.values()].sort()).toEqual([1, 2]);
    await Promise.all(peers.map((p) => p.close()));
    await expect
      .poll(async () => (await fresh("GET", `${node.url}/health`)).json.serviceConnections, {
        timeout: 10_000,
      })
      .toBe(0);
  });

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
    const holders = new Map<string, number>();
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) {
      const h = await fresh("GET", `${node.url}/health`);
      seen.add(String(h.json.node));
      if (Number(h.json.connections) > 0) holders.set(String(h.json.node), Number(h.json.pid));
    }
    expect(holders.size).toBeGreaterThan(0);
    for (const pid of holders.values()) process.kill(pid, "SIGKILL");
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
