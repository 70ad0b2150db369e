/**
 * Issue 12, dead peers: a WebRTC peer that stops sending (its network dropped: RTP, RTCP and
 * SCTP stop, only ICE checks go on) is ended after `inactivityTimeout` and its slot is free; a
 * peer that keeps sending is not. A WebSocket that sends nothing and answers no ping is closed;
 * a quiet one that answers pings stays. Timing runs on a VirtualClock: virtual time only moves
 * when the test says so, with real pauses between steps for packets to arrive.
 */
import { afterEach, describe, expect, it } from "vitest";
import { NodeAudioClient } from "../client/node.js";
import { VirtualClock } from "../utils/clock.js";
import { Stream } from "./Stream.js";
import type { LaunchedServer, StreamOptions } from "./streamTypes.js";
import { FrameEcho } from "./testing/frameEcho.js";
import { waitFor } from "./testing/peers.js";
import { openWs, type WsPeer } from "./testing/wsPeer.js";

const servers: LaunchedServer[] = [];
const clients: NodeAudioClient[] = [];
const sockets: WsPeer[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await Promise.all(sockets.splice(0).map((s) => s.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FRAME = new Int16Array(480); // 20 ms at 24 kHz

async function serve(options: Partial<StreamOptions> = {}) {
  const clock = new VirtualClock();
  const stream = new Stream({
    handler: new FrameEcho(),
    concurrencyLimit: 1,
    inactivityTimeout: 2,
    clock,
    ...options,
  });
  const server = await stream.launch({ port: 0 });
  servers.push(server);
  return { stream, server, clock };
}

/** Sends 20 ms of silence every 20 ms (real time) until stopped. */
function keepTalking(client: NodeAudioClient): () => void {
  const timer = setInterval(() => {
    if (client.state === "connected") client.sendAudio([24000, FRAME]);
  }, 20);
  return () => clearInterval(timer);
}

/** Moves virtual time `totalMs` forward in `stepMs` steps with a real pause after each. */
async function advance(clock: VirtualClock, totalMs: number, stepMs = 250, pauseMs = 60) {
  for (let t = 0; t < totalMs; t += stepMs) {
    await clock.advance(stepMs);
    await sleep(pauseMs);
  }
}

describe("dead WebRTC peers (inactivityTimeout)", () => {
  it("a peer that keeps sending stays; once its network drops it is ended and the slot is free", async () => {
    const { stream, server, clock } = await serve();
    const client = new NodeAudioClient({ url: server.url, webrtcId: "alive-then-dead" });
    clients.push(client);
    await client.connect();
    await waitFor(() => stream.isLive("alive-then-dead"), 5000, "slot taken");
    const stop = keepTalking(client);
    try {
      // 3x the timeout of virtual time while packets flow: still there.
      await advance(clock, 6000);
      expect(stream.isLive("alive-then-dead")).toBe(true);

      // The network drops: nothing the client sends leaves any more (ICE checks aside).
      const pc = client.peerConnection;
      if (!pc) throw new Error("no peer connection");
      for (const dtls of pc.dtlsTransports) {
        dtls.iceTransport.connection.send = async () => {};
      }
      await sleep(200); // packets already in flight arrive
      await advance(clock, 3000);
      await waitFor(() => stream.liveConnections === 0, 5000, "slot freed");
    } finally {
      stop();
    }

    // The slot (limit 1) takes the next caller.
    const next = new NodeAudioClient({ url: server.url, webrtcId: "next" });
    clients.push(next);
    await next.connect();
    await waitFor(() => stream.isLive("next"), 5000, "next caller");
  }, 60_000);

  it("inactivityTimeout: null keeps a silent peer (FastRTC's behaviour: ICE consent only)", async () => {
    const { stream, server, clock } = await serve({ inactivityTimeout: null });
    const client = new NodeAudioClient({ url: server.url, webrtcId: "silent" });
    clients.push(client);
    await client.connect();
    await waitFor(() => stream.isLive("silent"), 5000, "slot taken");
    const pc = client.peerConnection;
    if (!pc) throw new Error("no peer connection");
    for (const dtls of pc.dtlsTransports) dtls.iceTransport.connection.send = async () => {};
    await advance(clock, 6000);
    expect(stream.isLive("silent")).toBe(true);
  }, 60_000);

  it("a client that only receives gets at least 15 s (browsers send RTCP every few seconds)", async () => {
    const { stream, server, clock } = await serve({
      mode: "receive",
      handler: async function* () {
        for (;;) yield [24000, FRAME] as [number, Int16Array]; // plays silence, paced by the clock
      },
    });
    const client = new NodeAudioClient({ url: server.url, webrtcId: "listener", mode: "receive" });
    clients.push(client);
    await client.connect();
    await waitFor(() => stream.isLive("listener"), 5000, "slot taken");
    const pc = client.peerConnection;
    if (!pc) throw new Error("no peer connection");
    for (const dtls of pc.dtlsTransports) dtls.iceTransport.connection.send = async () => {};
    await sleep(200);
    await advance(clock, 6000, 500, 20);
    expect(stream.isLive("listener")).toBe(true); // past inactivityTimeout (2 s), under 15 s
    await advance(clock, 10_000, 500, 20);
    await waitFor(() => stream.liveConnections === 0, 5000, "slot freed");
  }, 60_000);

  it("rejects a non-positive inactivityTimeout", () => {
    expect(() => new Stream({ handler: new FrameEcho(), inactivityTimeout: 0 })).toThrow(
      RangeError,
    );
  });
});

describe("dead WebSocket peers (inactivityTimeout)", () => {
  async function connect(url: string, id: string) {
    const peer = await openWs(`${url.replace(/^http/, "ws")}/websocket/offer`);
    sockets.push(peer);
    peer.send({ event: "start", websocket_id: id });
    return peer;
  }

  it("a quiet socket that answers pings stays; one that answers nothing is closed and frees its slot", async () => {
    const { stream, server, clock } = await serve();
    const quiet = await connect(server.url, "quiet");
    await waitFor(() => stream.isLive("quiet"), 5000, "slot taken");
    let pings = 0;
    quiet.socket.on("ping", () => pings++);
    await advance(clock, 6000);
    expect(pings).toBeGreaterThan(0);
    expect(stream.isLive("quiet")).toBe(true);
    expect(quiet.closed).toBeNull();

    // The client vanishes without closing: its socket stops reading (no pong, nothing).
    const raw = (quiet.socket as unknown as { _socket: { pause(): void } })._socket;
    raw.pause();
    await advance(clock, 3000);
    await waitFor(() => stream.liveConnections === 0, 5000, "slot freed");
  }, 60_000);

  it("a socket that keeps sending media is not pinged", async () => {
    const { stream, server, clock } = await serve();
    const talker = await connect(server.url, "talker");
    await waitFor(() => stream.isLive("talker"), 5000, "slot taken");
    let pings = 0;
    talker.socket.on("ping", () => pings++);
    const timer = setInterval(() => talker.sendAudio(new Int16Array(480)), 20);
    try {
      await advance(clock, 6000);
    } finally {
      clearInterval(timer);
    }
    expect(stream.isLive("talker")).toBe(true);
    expect(pings).toBe(0);
  }, 60_000);
});
