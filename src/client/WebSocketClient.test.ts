import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import type { ClientState } from "./clientTypes.js";
import {
  ConcurrencyLimitError,
  ConnectAbortedError,
  ConnectTimeoutError,
  FastRTCClientError,
  OfferRejectedError,
  PingTimeoutError,
  WebSocketClosedError,
  WebSocketUpgradeError,
} from "./errors.js";
import {
  FakeWebSocketServer,
  type FakeWebSocketServerOptions,
} from "./testing/fakeWebSocketServer.js";
import { FastRTCWebSocketClient } from "./WebSocketClient.js";
import type {
  WebSocketAudio,
  WebSocketClientEvents,
  WebSocketClientOptions,
  WebSocketLike,
} from "./websocketTypes.js";

const servers: FakeWebSocketServer[] = [];
const clients: FastRTCWebSocketClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The plain `ws` socket (no upgrade-status capture: the client falls back to the error text). */
const plainWs = (url: string): WebSocketLike => new WebSocket(url);

async function setup(
  serverOptions: FakeWebSocketServerOptions = {},
  clientOptions: WebSocketClientOptions = {},
) {
  const server = await FakeWebSocketServer.start(serverOptions);
  servers.push(server);
  const client = newClient(server, clientOptions);
  return { server, client };
}

function newClient(server: FakeWebSocketServer, options: WebSocketClientOptions = {}) {
  const client = new FastRTCWebSocketClient({
    url: server.url,
    createWebSocket: plainWs,
    connectTimeoutMs: 5000,
    ...options,
  });
  clients.push(client);
  return client;
}

/** Records every event of `client`, in order. */
function record(client: FastRTCWebSocketClient) {
  const events: { name: keyof WebSocketClientEvents; payload: unknown }[] = [];
  const names: (keyof WebSocketClientEvents)[] = [
    "message",
    "send_input",
    "fetch_output",
    "log",
    "stopword",
    "end_stream",
    "update_connection",
    "error",
    "warning",
    "state",
    "audio",
    "clear",
    "pong",
    "close",
    "rejected",
  ];
  for (const name of names) client.on(name, (payload: unknown) => events.push({ name, payload }));
  return {
    events,
    of: (name: keyof WebSocketClientEvents) =>
      events.filter((e) => e.name === name).map((e) => e.payload),
    names: () => events.map((e) => e.name),
  };
}

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

function tone(rate: number, hz: number, seconds: number, amplitude = 0.3): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * hz * i) / rate));
  }
  return out;
}

/** Dominant frequency from upward zero crossings, and RMS (int16 units). */
function analyse(samples: Int16Array, rate: number): { hz: number; rms: number } {
  let crossings = 0;
  let energy = 0;
  for (let i = 1; i < samples.length; i++) {
    if (samples[i - 1]! < 0 && samples[i]! >= 0) crossings++;
    energy += samples[i]! * samples[i]!;
  }
  return { hz: (crossings * rate) / samples.length, rms: Math.sqrt(energy / samples.length) };
}

function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe("FastRTCWebSocketClient: connecting", () => {
  it("derives the URL, sends start first, confirms with a ping and becomes connected", async () => {
    const { server, client } = await setup(
      { path: "/voice/websocket/offer" },
      { websocketId: "ws-1", path: "voice" },
    );
    expect(newClient(server, { path: "voice" }).url).toBe(
      `${server.url.replace("http:", "ws:")}/voice/websocket/offer`,
    );
    const rec = record(client);
    expect(client.state).toBe("idle");
    await client.connect();
    expect(client.state).toBe("connected");
    expect(rec.of("state")).toEqual(["connecting", "connected"]);
    expect(client.websocketId).toBe("ws-1");

    const conn = await server.connection();
    expect(conn.requestUrl).toBe("/voice/websocket/offer");
    expect(JSON.parse(conn.raw[0]!)).toEqual({
      event: "start",
      websocket_id: "ws-1",
      input_sample_rate: 48000,
      output_sample_rate: 24000,
    });
    expect(JSON.parse(conn.raw[1]!)).toEqual({ event: "ping" });
    expect(conn.websocketId).toBe("ws-1");
    expect(conn.accepted).toBe(true);
    // the confirmation pong is reported like any other
    expect(rec.of("pong")).toHaveLength(1);
  });

  it("keeps a query string of the base URL (e.g. an access token) and picks a random id", async () => {
    const server = await FakeWebSocketServer.start();
    servers.push(server);
    const client = newClient(server, { url: `${server.url}/?token=abc` });
    await client.connect();
    expect(server.upgrades[0]!.url).toBe("/websocket/offer?token=abc");
    expect(client.websocketId).toMatch(/^[a-z0-9]+$/);
    expect((await server.connection()).websocketId).toBe(client.websocketId);
  });

  it("with confirmStart false resolves once start is sent", async () => {
    const { server, client } = await setup({ answerPings: false }, { confirmStart: false });
    await client.connect();
    const conn = await server.connection();
    await conn.waitFor(() => conn.messages.length >= 1);
    expect(conn.messages).toEqual([
      {
        event: "start",
        websocket_id: client.websocketId,
        input_sample_rate: 48000,
        output_sample_rate: 24000,
      },
    ]);
  });

  it("rejects a second connect() and validates options", async () => {
    const { client } = await setup();
    await client.connect();
    await expect(client.connect()).rejects.toThrow(/only be called once/);
    expect(() => new FastRTCWebSocketClient({ url: "http://x", inputSampleRate: 0 })).toThrow(
      RangeError,
    );
    expect(() => new FastRTCWebSocketClient({ url: "http://x", connectTimeoutMs: 0 })).toThrow(
      RangeError,
    );
    expect(() => new FastRTCWebSocketClient({ url: "" })).toThrow(FastRTCClientError);
  });

  it("without a WebSocket implementation, connect() rejects with a hint", async () => {
    expect((globalThis as { WebSocket?: unknown }).WebSocket).toBeUndefined(); // Node 20
    const client = new FastRTCWebSocketClient({ url: "http://127.0.0.1:9" });
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FastRTCClientError);
    expect(String(error)).toMatch(/NodeWebSocketClient/);
    expect(client.state).toBe("failed");
  });

  it("uses the global WebSocket by default", async () => {
    const server = await FakeWebSocketServer.start();
    servers.push(server);
    (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
    try {
      const client = new FastRTCWebSocketClient({ url: server.url });
      clients.push(client);
      await client.connect();
      expect(client.state).toBe("connected");
    } finally {
      delete (globalThis as { WebSocket?: unknown }).WebSocket;
    }
  });
});

describe("FastRTCWebSocketClient: connection failures", () => {
  it("concurrency failure → ConcurrencyLimitError with the limit, rejected event, close 1013", async () => {
    const { server, client } = await setup({ concurrencyLimit: 1 });
    await client.connect();
    const second = newClient(server);
    const rec = record(second);
    const error = await second.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrencyLimitError);
    expect(error).toBeInstanceOf(OfferRejectedError);
    expect((error as ConcurrencyLimitError).limit).toBe(1);
    expect(second.state).toBe("failed");
    expect(rec.of("rejected")).toEqual([error]);
    await waitFor(() => rec.of("close").length === 1);
    expect(rec.of("close")).toEqual([
      { code: 1013, reason: "concurrency limit reached", wasClean: true },
    ]);
    expect(second.closeInfo?.code).toBe(1013);
    expect(rec.of("state")).toEqual(["connecting", "failed"]);
    // the first session is unaffected
    expect(client.state).toBe("connected");
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
  });

  it("a failure after connect (confirmStart false) emits rejected and fails the client", async () => {
    const { server, client } = await setup({}, { confirmStart: false });
    const rec = record(client);
    await client.connect();
    const conn = await server.connection();
    conn.fail(3);
    await waitFor(() => rec.of("close").length === 1);
    const rejected = rec.of("rejected");
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as ConcurrencyLimitError).limit).toBe(3);
    expect(client.state).toBe("failed");
    expect((rec.of("close")[0] as { code: number }).code).toBe(1013);
  });

  it("upgrade rejected with 401 → WebSocketUpgradeError with the status", async () => {
    const { client } = await setup({
      rejectUpgrade: (req) =>
        req.headers.authorization === undefined ? { status: 401, body: "no token" } : undefined,
    });
    const rec = record(client);
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketUpgradeError);
    expect(error).toBeInstanceOf(WebSocketClosedError);
    expect((error as WebSocketUpgradeError).status).toBe(401);
    expect((error as WebSocketUpgradeError).opened).toBe(false);
    expect(client.state).toBe("failed");
    expect((rec.of("close")[0] as { code: number }).code).toBe(1006);
  });

  it("a wrong path is an upgrade rejected with 404", async () => {
    const { server } = await setup();
    const client = newClient(server, { path: "/nope" });
    const error = await client.connect().catch((e: unknown) => e);
    expect((error as WebSocketUpgradeError).status).toBe(404);
  });

  it("an unreachable server → WebSocketClosedError (not opened)", async () => {
    const server = await FakeWebSocketServer.start();
    const url = server.url;
    await server.close();
    const client = new FastRTCWebSocketClient({ url, createWebSocket: plainWs });
    clients.push(client);
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketClosedError);
    expect(error).not.toBeInstanceOf(WebSocketUpgradeError);
    expect((error as WebSocketClosedError).opened).toBe(false);
    expect(client.state).toBe("failed");
  });

  it("the server closing before accepting → WebSocketClosedError (opened) with its code", async () => {
    const { server, client } = await setup({ answerPings: false });
    const pending = client.connect().catch((e: unknown) => e);
    const conn = await server.connection();
    await conn.waitFor(() => conn.messages.length >= 2);
    conn.close(1008, "policy");
    const error = await pending;
    expect(error).toBeInstanceOf(WebSocketClosedError);
    expect(error).toMatchObject({ code: 1008, reason: "policy", opened: true });
    expect(client.state).toBe("failed");
  });

  it("connect timeout while the upgrade stalls → ConnectTimeoutError", async () => {
    const { client } = await setup({ stallUpgrade: true }, { connectTimeoutMs: 200 });
    const rec = record(client);
    const started = performance.now();
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectTimeoutError);
    expect((error as ConnectTimeoutError).timeoutMs).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(client.state).toBe("failed");
    await waitFor(() => rec.of("close").length === 1);
  });

  it("connect timeout when the start is never confirmed (no pong)", async () => {
    const { server, client } = await setup({ answerPings: false }, { connectTimeoutMs: 200 });
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectTimeoutError);
    const conn = await server.connection();
    // the client said stop and closed the socket
    expect((await conn.closed).code).toBe(1000);
    expect(conn.events("stop")).toHaveLength(1);
  });

  it("stop() during connect → ConnectAbortedError and state closed", async () => {
    const { client } = await setup({ stallUpgrade: true });
    const pending = client.connect().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 20));
    await client.stop();
    expect(await pending).toBeInstanceOf(ConnectAbortedError);
    expect(client.state).toBe("closed");
  });
});

describe("FastRTCWebSocketClient: audio", () => {
  it("round trip at 48 kHz: 20 ms messages, echoed audio as audio events, small µ-law error", async () => {
    const { server, client } = await setup({}, { inputSampleRate: 48000, outputSampleRate: 48000 });
    const audio: WebSocketAudio[] = [];
    client.on("audio", (a) => audio.push(a));
    await client.connect();
    const conn = await server.connection();
    const src = tone(48000, 440, 1, 0.5);
    let sent = 0;
    for (let i = 0; i < src.length; i += 1234) sent += client.sendAudio(src.subarray(i, i + 1234));
    sent += client.flushAudio();
    expect(sent).toBe(50);
    expect(client.mediaMessagesSent).toBe(50);
    await conn.waitFor(() => conn.mediaSizes.length === 50);
    expect(conn.mediaSizes.every((n) => n === 960)).toBe(true);
    expect(conn.events("media")[0]).toEqual({
      event: "media",
      media: { payload: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) },
    });

    await waitFor(() => audio.length === 50);
    expect(client.mediaMessagesReceived).toBe(50);
    expect(audio.every((a) => a.samples.length === 960 && a.sampleRate === 48000)).toBe(true);
    expect(audio[1]!.receivedAt).toBeGreaterThanOrEqual(audio[0]!.receivedAt);
    const back = concat(audio.map((a) => a.samples));
    let errEnergy = 0;
    let sigEnergy = 0;
    for (let i = 0; i < src.length; i++) {
      errEnergy += (back[i]! - src[i]!) ** 2;
      sigEnergy += src[i]! ** 2;
    }
    // G.711 µ-law: SNR ≈ 38 dB for a loud tone
    expect(10 * Math.log10(sigEnergy / errEnergy)).toBeGreaterThan(33);
  });

  it("resamples 16 kHz input up to a 48 kHz handler", async () => {
    const { server, client } = await setup({ echo: false });
    await client.connect();
    const conn = await server.connection();
    const src = tone(16000, 500, 1);
    for (let i = 0; i < src.length; i += 320) client.sendAudio(src.subarray(i, i + 320), 16000);
    client.flushAudio();
    await conn.waitFor(() => conn.receivedAudio().length === 48000);
    expect(conn.mediaSizes.slice(0, -1).every((n) => n === 960)).toBe(true);
    const { hz, rms } = analyse(conn.receivedAudio(), 48000);
    expect(hz).toBeGreaterThan(490);
    expect(hz).toBeLessThan(510);
    expect(rms).toBeGreaterThan(0.3 * 32767 * 0.69);
    expect(rms).toBeLessThan(0.3 * 32767 * 0.73);
  });

  it("resamples 48 kHz float32 input down to a 16 kHz handler (320-sample messages)", async () => {
    const { server, client } = await setup({ echo: false }, { inputSampleRate: 16000 });
    await client.connect();
    const conn = await server.connection();
    const f = new Float32Array(48000);
    for (let i = 0; i < f.length; i++) f[i] = 0.3 * Math.sin((2 * Math.PI * 1000 * i) / 48000);
    expect(client.sendAudio(f, 48000)).toBe(49); // the last frame waits for the resampler tail
    client.flushAudio();
    await conn.waitFor(() => conn.receivedAudio().length === 16000);
    expect(conn.mediaSizes.every((n) => n === 320)).toBe(true);
    const { hz } = analyse(conn.receivedAudio(), 16000);
    expect(hz).toBeGreaterThan(990);
    expect(hz).toBeLessThan(1010);
  });

  it("sendAudio and flushAudio need a connected client", async () => {
    const { client } = await setup();
    expect(() => client.sendAudio(new Int16Array(960))).toThrow(/needs a connected client/);
    await client.connect();
    await client.stop();
    expect(() => client.sendAudio(new Int16Array(960))).toThrow(FastRTCClientError);
    expect(() => client.flushAudio()).toThrow(FastRTCClientError);
  });

  it("clear → clear event, between audio events", async () => {
    const { server, client } = await setup({}, { outputSampleRate: 8000 });
    const rec = record(client);
    await client.connect();
    const conn = await server.connection();
    conn.sendAudio(new Int16Array(160));
    conn.clear();
    conn.sendAudio(new Int16Array(160));
    await waitFor(() => rec.of("audio").length === 2);
    const order = rec.names().filter((n) => n === "audio" || n === "clear");
    expect(order).toEqual(["audio", "clear", "audio"]);
    expect(rec.of("clear")[0]).toEqual({ receivedAt: expect.any(Number) });
    expect((rec.of("audio")[0] as WebSocketAudio).sampleRate).toBe(8000);
  });

  it("streams real-time paced server audio", async () => {
    const { server, client } = await setup({}, { outputSampleRate: 24000 });
    const audio: WebSocketAudio[] = [];
    client.on("audio", (a) => audio.push(a));
    await client.connect();
    const conn = await server.connection();
    await conn.streamAudio(tone(24000, 300, 0.2), 24000);
    await waitFor(() => audio.length === 10);
    const span = audio[9]!.receivedAt - audio[0]!.receivedAt;
    expect(span).toBeGreaterThan(150); // 9 × 20 ms, with some slack for timers
    expect(audio.every((a) => a.samples.length === 480)).toBe(true);
  });
});

describe("FastRTCWebSocketClient: ping, side-band messages, bad messages", () => {
  it("ping() resolves with the RTT and pong events carry it; unsolicited pongs have none", async () => {
    const { server, client } = await setup();
    const rec = record(client);
    await client.connect();
    const rtts = await Promise.all([client.ping(), client.ping(), client.ping()]);
    for (const rtt of rtts) {
      expect(rtt).toBeGreaterThanOrEqual(0);
      expect(rtt).toBeLessThan(1000);
    }
    const pongs = rec.of("pong") as { rttMs: number | undefined }[];
    expect(pongs).toHaveLength(4); // confirmation + 3
    expect(pongs.slice(1).map((p) => p.rttMs)).toEqual(rtts);
    (await server.connection()).send({ event: "pong" });
    await waitFor(() => rec.of("pong").length === 5);
    expect((rec.of("pong")[4] as { rttMs: unknown }).rttMs).toBeUndefined();
  });

  it("ping() rejects with PingTimeoutError when no pong comes, and needs a connection", async () => {
    const { client } = await setup({ answerPings: false }, { confirmStart: false });
    await expect(client.ping()).rejects.toThrow(/needs a connected client/);
    await client.connect();
    const error = await client.ping(50).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PingTimeoutError);
    expect((error as PingTimeoutError).timeoutMs).toBe(50);
    expect(client.state).toBe("connected"); // a manual ping timeout does not close anything
  });

  it("keep-alive pings while connected; an unanswered one fails the connection", async () => {
    const { server, client } = await setup({}, { pingIntervalMs: 30 });
    await client.connect();
    const conn = await server.connection();
    await conn.waitFor(() => conn.events("ping").length >= 4);

    const silent = await FakeWebSocketServer.start({ answerPings: false });
    servers.push(silent);
    const dead = newClient(silent, { confirmStart: false, pingIntervalMs: 30, pingTimeoutMs: 60 });
    const rec = record(dead);
    await dead.connect();
    await waitFor(() => dead.state === "failed");
    expect(rec.of("warning")).toEqual([
      {
        type: "warning",
        message: expect.stringMatching(/Keep-alive: No pong within 60 ms/),
        origin: "client",
      },
    ]);
    await waitFor(() => rec.of("close").length === 1);
  });

  it("maps every side-band message to its typed event (Python json.dumps spacing)", async () => {
    const { server, client } = await setup();
    const rec = record(client);
    await client.connect();
    const conn = await server.connection();
    const lines = [
      '{"type": "send_input", "data": []}',
      '{"type": "fetch_output", "data": []}',
      '{"type": "log", "data": "pause_detected"}',
      '{"type": "stopword", "data": ""}',
      '{"type": "update_connection", "data": "closed"}',
      '{"type": "error", "message": "boom"}',
      '{"type": "warning", "message": "careful"}',
      '{"type": "end_stream", "data": "bye"}',
      '{"type": "something_new", "data": 1}',
    ];
    for (const line of lines) conn.send(line);
    await waitFor(() => rec.of("message").length === lines.length);
    expect(rec.of("send_input")).toEqual([{ type: "send_input", data: [] }]);
    expect(rec.of("fetch_output")).toEqual([{ type: "fetch_output", data: [] }]);
    expect(rec.of("log")).toEqual([{ type: "log", data: "pause_detected" }]);
    expect(rec.of("stopword")).toEqual([{ type: "stopword", data: "" }]);
    expect(rec.of("update_connection")).toEqual([{ type: "update_connection", data: "closed" }]);
    expect(rec.of("error")).toEqual([{ type: "error", message: "boom" }]);
    expect(rec.of("warning")).toEqual([{ type: "warning", message: "careful" }]);
    expect(rec.of("end_stream")).toEqual([{ type: "end_stream", data: "bye" }]);
    expect(rec.of("message").at(-1)).toEqual({
      type: "unknown",
      raw: '{"type": "something_new", "data": 1}',
    });
    // each typed event directly follows its `message` event
    const names = rec.names().filter((n) => n !== "pong" && n !== "state");
    expect(names.slice(0, 4)).toEqual(["message", "send_input", "message", "fetch_output"]);
    // none of these closes the socket (the server does that)
    expect(client.state).toBe("connected");
  });

  it("bad server messages become client warnings and unknown messages, not crashes", async () => {
    const { server, client } = await setup();
    const rec = record(client);
    await client.connect();
    const conn = await server.connection();
    conn.send("this is not json");
    conn.send("[1, 2]");
    conn.send({ event: "media", media: {} });
    conn.send({ event: "media", media: { payload: "%%%" } });
    conn.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    conn.send({ event: "mark", mark: { name: "x" } }); // unknown event: no warning
    conn.send({ type: "log", data: "still alive" });
    await waitFor(() => rec.of("log").length === 1);
    const warnings = rec.of("warning") as { message: string; origin?: string }[];
    expect(warnings.map((w) => w.origin)).toEqual([
      "client",
      "client",
      "client",
      "client",
      "client",
    ]);
    expect(warnings[0]!.message).toMatch(/not JSON\): this is not json/);
    expect(warnings[1]!.message).toMatch(/not a JSON object/);
    expect(warnings[2]!.message).toMatch(/without a string media.payload/);
    expect(warnings[3]!.message).toMatch(/not base64/);
    expect(warnings[4]!.message).toMatch(/binary/);
    const unknown = rec.of("message").filter((m) => (m as { type: string }).type === "unknown");
    expect(unknown.map((m) => (m as { raw: string }).raw)).toEqual([
      "this is not json",
      "[1, 2]",
      '{"event":"media","media":{}}',
      '{"event":"media","media":{"payload":"%%%"}}',
      '{"event":"mark","mark":{"name":"x"}}',
    ]);
    expect(rec.of("audio")).toHaveLength(0);
    expect(client.state).toBe("connected");
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
  });

  it("send() sends raw messages; the server's protocol errors arrive as error events", async () => {
    const { server, client } = await setup();
    const rec = record(client);
    expect(() => client.send({ event: "x" })).toThrow(/not open/);
    await client.connect();
    client.send({ hello: 1 });
    client.send("not json");
    await waitFor(() => rec.of("error").length === 2);
    expect(rec.of("error")).toEqual([
      { type: "error", message: "Message without an event" },
      { type: "error", message: "Invalid JSON" },
    ]);
    expect((await server.connection()).raw.slice(-2)).toEqual(['{"hello":1}', "not json"]);
  });
});

describe("FastRTCWebSocketClient: closing", () => {
  it("stop() sends stop, closes with 1000, emits close then resolves; it is idempotent", async () => {
    const { server, client } = await setup();
    const rec = record(client);
    await client.connect();
    const conn = await server.connection();
    const first = client.stop();
    expect(client.state).toBe("closed");
    expect(client.stop()).toBe(first);
    await first;
    expect(rec.of("close")).toEqual([{ code: 1000, reason: "", wasClean: true }]);
    expect(conn.events("stop")).toHaveLength(1);
    expect(conn.raw.at(-1)).toBe('{"event":"stop"}');
    expect((await conn.closed).code).toBe(1000);
    expect(rec.of("state")).toEqual(["connecting", "connected", "closed"]);
    await expect(client.ping()).rejects.toThrow(FastRTCClientError);
  });

  it("stop() before connect() just closes", async () => {
    const { client } = await setup();
    await client.stop();
    expect(client.state).toBe("closed");
    await expect(client.connect()).rejects.toThrow(/only be called once/);
  });

  it.each([
    [1000, "closed"],
    [1001, "closed"],
    [1011, "failed"],
    [4000, "failed"],
  ] as const)("server close %i → state %s and a close event", async (code, state) => {
    const { server, client } = await setup();
    const rec = record(client);
    await client.connect();
    (await server.connection()).close(code, "bye");
    await waitFor(() => rec.of("close").length === 1);
    expect(rec.of("close")).toEqual([{ code, reason: "bye", wasClean: true }]);
    expect(client.state).toBe(state);
    expect((rec.of("state") as ClientState[]).at(-1)).toBe(state);
    // close comes before the final state
    expect(rec.names().slice(-2)).toEqual(["close", "state"]);
  });

  it("a message bigger than the server allows → server closes with 1009 → failed", async () => {
    const { client } = await setup({ maxPayload: 4096 });
    const rec = record(client);
    await client.connect();
    client.send({ event: "media", media: { payload: "A".repeat(8000) } });
    await waitFor(() => rec.of("close").length === 1);
    expect((rec.of("close")[0] as { code: number }).code).toBe(1009);
    expect(client.state).toBe("failed");
  });

  it("end_stream then the server's close 1000 → end_stream event, then closed", async () => {
    const { server, client } = await setup();
    const rec = record(client);
    await client.connect();
    const conn = await server.connection();
    conn.sendAudio(new Int16Array(480));
    conn.send('{"type": "end_stream", "data": "Stream closed"}');
    conn.close(1000);
    await waitFor(() => rec.of("close").length === 1);
    const order = rec.names().filter((n) => ["audio", "end_stream", "close", "state"].includes(n));
    expect(order.slice(-4)).toEqual(["audio", "end_stream", "close", "state"]);
    expect(client.state).toBe("closed");
  });

  it("stop() gives up waiting for the close handshake after closeTimeoutMs", async () => {
    const { client } = await setup({}, { closeTimeoutMs: 50 });
    const rec = record(client);
    await client.connect();
    // a socket whose close() never completes
    const socket = client.socket!;
    const close = socket.close.bind(socket);
    (socket as { close: (code?: number) => void }).close = () => {};
    const started = performance.now();
    await client.stop();
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(rec.of("close")).toEqual([
      { code: 1006, reason: "close handshake timed out", wasClean: false },
    ]);
    close(1000);
  });
});
