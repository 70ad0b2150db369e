import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdditionalOutputs } from "../handlers/outputs.js";
import { Stream } from "../server/Stream.js";
import { post, waitFor } from "../server/testing/peers.js";
import type { WsPeer } from "../server/testing/wsPeer.js";
import { InputEcho } from "./testing/inputEcho.js";
import { REDIS_SERVER_PATH, RedisServer } from "./testing/redisServer.js";
import { failure, startSession, websocketUrl } from "./testing/sessions.js";
import { spawnNode, type TestNode } from "./testing/spawnNode.js";
import { offerWithoutCandidates } from "./testing/tricklePeer.js";

/**
 * Three processes of one service on a real redis-server: nodes A and B are child processes
 * (`clusterNode.ts`, limit 3, lease 2 s); C is a Stream in this process, for the API calls
 * (`setInput`, `outputStream`, ...) made on a process that does not own the connection.
 */
const hasRedis = existsSync(REDIS_SERVER_PATH);

const wsUrl = (node: TestNode) => websocketUrl(node.url);

async function health(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/health`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe.runIf(hasRedis)("one service on Redis: two processes and this one", () => {
  let redis: RedisServer;
  let a: TestNode;
  let b: TestNode;
  let c: Stream;
  const open: WsPeer[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    const env = { FASTRTC_TEST_REDIS: redis.url, FASTRTC_TEST_LIMIT: "3", FASTRTC_TEST_LEASE: "2" };
    [a, b] = await Promise.all([spawnNode(env), spawnNode(env)]);
    c = new Stream({
      handler: new InputEcho(),
      concurrencyLimit: 3,
      additionalOutputs: [{ type: "json" }],
      cluster: { redisUrl: redis.url, leaseSeconds: 2 },
    });
    await c.startCluster();
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(open.map((p) => p.close()));
    await c?.close();
    await Promise.allSettled([a?.kill(), b?.kill()]);
    await redis?.stop();
  });

  it("health: every process is ready and sees the service's count", async () => {
    const [ha, hb] = await Promise.all([health(a.url), health(b.url)]);
    expect(ha).toMatchObject({ status: 200, body: { status: "ok", cluster: "redis" } });
    expect(hb.body.serviceConnections).toBe(0);
    expect(ha.body.node).not.toBe(hb.body.node);
  });

  it("the concurrency limit is counted across processes; a slot freed on A is taken on B", async () => {
    const a1 = await startSession(wsUrl(a), "lim-1");
    const a2 = await startSession(wsUrl(a), "lim-2");
    const b1 = await startSession(wsUrl(b), "lim-3");
    open.push(a1, a2, b1);
    expect([a1, a2, b1].map(failure)).toEqual([null, null, null]);
    const b2 = await startSession(wsUrl(b), "lim-4");
    expect(failure(b2)).toBe("concurrency_limit_reached");
    expect((await b2.waitClosed()).code).toBe(1013);
    // The same id as a live session on another process is refused too.
    const dup = await startSession(wsUrl(b), "lim-1");
    expect(failure(dup)).not.toBeNull();
    await a1.close();
    await expect
      .poll(async () => (await health(b.url)).body.serviceConnections, { timeout: 10_000 })
      .toBe(2);
    const b3 = await startSession(wsUrl(b), "lim-5");
    open.push(b3);
    expect(failure(b3)).toBeNull();
    await Promise.all([a2.close(), b1.close(), b3.close()]);
    await expect
      .poll(async () => (await health(a.url)).body.serviceConnections, { timeout: 10_000 })
      .toBe(0);
  });

  it("WebRTC: offer on A, trickled candidates on B; /input_hook and /outputs on B reach it", async () => {
    const offer = await offerWithoutCandidates();
    try {
      const id = "rtc-routed";
      const answer = await post(`${a.url}/webrtc/offer`, {
        sdp: offer.bareSdp,
        type: "offer",
        webrtc_id: id,
      });
      expect(answer.status).toBe(200);
      expect(offer.candidates.length).toBeGreaterThan(0);
      for (const candidate of offer.candidates) {
        const res = await post(`${b.url}/webrtc/offer`, {
          type: "ice-candidate",
          webrtc_id: id,
          candidate,
        });
        expect(res).toMatchObject({ status: 200, json: { status: "success" } });
      }
      await offer.pc.setRemoteDescription(answer.json as { sdp: string; type: "answer" });
      await waitFor(() => offer.pc.connectionState === "connected", 15_000, "connected");

      const ctl = new AbortController();
      const events = await fetch(`${b.url}/outputs?webrtc_id=${id}`, { signal: ctl.signal });
      expect(events.status).toBe(200);
      const reader = (events.body as ReadableStream<Uint8Array>).getReader();
      const hook = await post(`${b.url}/input_hook`, { webrtc_id: id, note: "from B" });
      expect(hook).toMatchObject({ status: 200, json: { status: "ok" } });
      let text = "";
      while (!text.includes("from B")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      expect(text).toContain('event: output\ndata: ["from B"]');
      ctl.abort();
      // Unknown ids are still 404 on every process.
      expect((await post(`${b.url}/input_hook`, { webrtc_id: "nobody", note: "x" })).status).toBe(
        404,
      );
      expect(
        await post(`${b.url}/webrtc/offer`, {
          type: "ice-candidate",
          webrtc_id: "nobody",
          candidate: offer.candidates[0],
        }),
      ).toMatchObject({ json: { status: "failed", meta: { error: "unknown_connection" } } });
    } finally {
      await offer.close();
    }
    // Ended from this process (routed to A), so the tests after start from an empty service.
    await c.closeConnection("rtc-routed");
    await expect
      .poll(async () => (await health(b.url)).body.serviceConnections, { timeout: 10_000 })
      .toBe(0);
  }, 40_000);

  it("setInput, outputStream, fetchLatestOutput, updateConnection, closeConnection from another process", async () => {
    const peer = await startSession(wsUrl(a), "api-1");
    open.push(peer);
    expect(failure(peer)).toBeNull();
    const seen: unknown[][] = [];
    const reading = (async () => {
      for await (const out of c.outputStream("api-1")) seen.push(out.args);
    })();
    const next = c.fetchLatestOutput("api-1", 10_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(await c.setInput("api-1", "hello")).toBe(true);
    expect(await next).toBeInstanceOf(AdditionalOutputs);
    expect((await next).args).toEqual(["hello"]);
    await waitFor(() => seen.length > 0, 10_000, "outputStream on C");
    expect(seen[0]).toEqual(["hello"]);
    expect(await c.updateConnection("api-1", "closed")).toBe(true);
    await peer.waitFor(() => peer.of("update_connection").length > 0, "update_connection");
    expect(peer.of("update_connection")[0]).toMatchObject({ data: "closed" });
    expect(await c.closeConnection("api-1")).toBe(true);
    await peer.waitClosed();
    await reading; // the stream ends when the connection ends on A
    expect(await c.setInput("api-1", "late")).toBe(false);
    expect(await c.closeConnection("api-1")).toBe(false);
  }, 30_000);

  it("Redis stopped under a live session: it keeps talking, new connections get a clear error, all recovers", async () => {
    const live = await startSession(wsUrl(a), "outage-1");
    open.push(live);
    expect(failure(live)).toBeNull();
    await redis.stop();
    await expect.poll(async () => (await health(b.url)).status, { timeout: 10_000 }).toBe(503);
    expect((await health(b.url)).body.status).toBe("cluster_unavailable");
    const refused = await startSession(wsUrl(b), "outage-2");
    expect(failure(refused)).toBe("cluster_unavailable");
    const offer = await post(`${b.url}/webrtc/offer`, {
      sdp: "v=0",
      type: "offer",
      webrtc_id: "outage-3",
    });
    expect(offer.status).toBe(503);
    expect(offer.json).toMatchObject({ status: "failed", meta: { error: "cluster_unavailable" } });
    // The live session still echoes.
    const before = live.of("media").length;
    live.sendAudio(new Int16Array(1600).fill(1000));
    await live.waitFor(() => live.of("media").length > before, "echo during the outage");

    await redis.restart();
    await expect.poll(async () => (await health(b.url)).status, { timeout: 15_000 }).toBe(200);
    // A's live session is counted again (its process put its slots back).
    await expect
      .poll(async () => (await health(b.url)).body.serviceConnections, { timeout: 15_000 })
      .toBe(1);
    const after = await startSession(wsUrl(b), "outage-4");
    open.push(after);
    expect(failure(after)).toBeNull();
    await Promise.all([live.close(), after.close()]);
  }, 60_000);

  it("a SIGKILLed process's slots come back within its lease", async () => {
    const doomed = await startSession(wsUrl(a), "kill-1");
    open.push(doomed);
    expect(failure(doomed)).toBeNull();
    await expect
      .poll(async () => (await health(b.url)).body.serviceConnections, { timeout: 10_000 })
      .toBe(1);
    await a.kill("SIGKILL");
    // Lease 2 s: the slot is free well within the 15 s bound.
    await expect
      .poll(async () => (await health(b.url)).body.serviceConnections, { timeout: 15_000 })
      .toBe(0);
    const again = await startSession(wsUrl(b), "kill-1");
    open.push(again);
    expect(failure(again)).toBeNull();
    await again.close();
  }, 40_000);

  it("launch({ workers: 2 }) with Redis: each worker is a process of the service", async () => {
    const both = await spawnNode({
      FASTRTC_TEST_REDIS: redis.url,
      FASTRTC_TEST_LIMIT: "3",
      FASTRTC_TEST_WORKERS: "2",
    });
    try {
      expect(both.workers).toHaveLength(2);
      const peer = await startSession(wsUrl(both), "wr-1");
      open.push(peer);
      expect(failure(peer)).toBeNull();
      await expect
        .poll(async () => (await health(b.url)).body.serviceConnections, { timeout: 10_000 })
        .toBe(1);
      // Routed from B to whichever worker holds it.
      expect((await post(`${b.url}/input_hook`, { webrtc_id: "wr-1", note: "x" })).status).toBe(
        200,
      );
      await peer.close();
    } finally {
      await both.kill("SIGTERM");
    }
  }, 40_000);

  it("SIGTERM drains: health 503, new connections refused, live ones finish, then the process exits", async () => {
    const live = await startSession(wsUrl(b), "drain-1");
    open.push(live);
    b.child.kill("SIGTERM");
    await expect.poll(async () => (await health(b.url)).status, { timeout: 10_000 }).toBe(503);
    expect((await health(b.url)).body.status).toBe("draining");
    const refused = await startSession(wsUrl(b), "drain-2");
    expect(failure(refused)).toBe("server_draining");
    const before = live.of("media").length;
    live.sendAudio(new Int16Array(1600).fill(1000));
    await live.waitFor(() => live.of("media").length > before, "echo while draining");
    await live.close();
    await b.exited;
  }, 40_000);
});
