import { afterEach, describe, expect, it } from "vitest";
import { Stream } from "./Stream.js";
import type { LaunchedServer } from "./streamTypes.js";
import { FrameEcho } from "./testing/frameEcho.js";
import { makeOffer, post } from "./testing/peers.js";
import { openWs } from "./testing/wsPeer.js";

let server: LaunchedServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

describe("health and drain (one process)", () => {
  it("GET /health is 200 while serving and 503 while draining; drain waits for live sessions", async () => {
    const stream = new Stream({ handler: new FrameEcho(), concurrencyLimit: 5 });
    server = await stream.launch({ port: 0, handleSignals: false });
    const ok = await fetch(`${server.url}/health`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      status: "ok",
      cluster: "local",
      connections: 0,
      serviceConnections: 0,
      concurrencyLimit: 5,
      pid: process.pid,
    });

    const live = await openWs(`${server.url.replace(/^http/, "ws")}/websocket/offer`);
    live.send({ event: "start", websocket_id: "d-1" });
    live.send({ event: "ping" });
    await live.waitFor(() => live.of("pong").length > 0, "started");

    const drained = stream.drain(10_000);
    const during = await fetch(`${server.url}/health`);
    expect(during.status).toBe(503);
    expect(await during.json()).toMatchObject({ status: "draining", connections: 1 });
    const offer = await makeOffer();
    try {
      const refused = await post(`${server.url}/webrtc/offer`, {
        sdp: offer.sdp,
        type: "offer",
        webrtc_id: "d-2",
      });
      expect(refused.status).toBe(503);
      expect(refused.json).toMatchObject({ status: "failed", meta: { error: "server_draining" } });
    } finally {
      await offer.close();
    }
    const late = await openWs(`${server.url.replace(/^http/, "ws")}/websocket/offer`);
    late.send({ event: "start", websocket_id: "d-3" });
    await late.waitFor(() => late.messages.some((m) => m.status === "failed"), "refusal");
    expect(late.messages.find((m) => m.status === "failed")).toMatchObject({
      meta: { error: "server_draining" },
    });
    // The live session still echoes, and the drain ends when it leaves.
    const before = live.of("media").length;
    live.sendAudio(new Int16Array(480).fill(800));
    await live.waitFor(() => live.of("media").length > before, "echo while draining");
    await live.close();
    await drained;
    expect(stream.liveConnections).toBe(0);
  });

  it("a drain that runs out of time ends the sessions left (1001)", async () => {
    const stream = new Stream({ handler: new FrameEcho() });
    server = await stream.launch({ port: 0, handleSignals: false });
    const live = await openWs(`${server.url.replace(/^http/, "ws")}/websocket/offer`);
    live.send({ event: "start", websocket_id: "d-4" });
    live.send({ event: "ping" });
    await live.waitFor(() => live.of("pong").length > 0, "started");
    await stream.drain(100);
    expect((await live.waitClosed()).code).toBe(1001);
  });

  it("health: false leaves the route out of mount()", async () => {
    const { createServer } = await import("node:http");
    const stream = new Stream({ handler: new FrameEcho() });
    const http = createServer();
    stream.mount(http, { health: false, ui: false });
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    const port = (http.address() as { port: number }).port;
    try {
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(404);
    } finally {
      await stream.close();
      await new Promise((r) => http.close(r));
    }
  });

  it("udpPortRange: the answer's host candidates use ports in the range; a bad range is refused", async () => {
    expect(() => new Stream({ handler: new FrameEcho(), udpPortRange: [5000, 4000] })).toThrow(
      /udpPortRange/,
    );
    expect(
      () => new Stream({ handler: new FrameEcho(), udpPortRange: [0, 10] as [number, number] }),
    ).toThrow(/udpPortRange/);
    const stream = new Stream({ handler: new FrameEcho(), udpPortRange: [47100, 47199] });
    server = await stream.launch({ port: 0, handleSignals: false });
    const offer = await makeOffer();
    try {
      const res = await post(`${server.url}/webrtc/offer`, {
        sdp: offer.sdp,
        type: "offer",
        webrtc_id: "ports-1",
      });
      const sdp = (res.json as { sdp: string }).sdp;
      const ports = [...sdp.matchAll(/^a=candidate:\S+ \d+ udp \d+ \S+ (\d+) typ host/gim)].map(
        (m) => Number(m[1]),
      );
      expect(ports.length).toBeGreaterThan(0);
      for (const p of ports) {
        expect(p).toBeGreaterThanOrEqual(47100);
        expect(p).toBeLessThanOrEqual(47199);
      }
    } finally {
      await offer.close();
    }
  });
});
