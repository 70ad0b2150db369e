import { afterEach, describe, expect, it } from "vitest";
import { WebSocketUpgradeError } from "./errors.js";
import { NodeWebSocketClient, type NodeWebSocketClientOptions } from "./node.js";
import {
  FakeWebSocketServer,
  type FakeWebSocketServerOptions,
} from "./testing/fakeWebSocketServer.js";

const servers: FakeWebSocketServer[] = [];
const clients: NodeWebSocketClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(
  serverOptions: FakeWebSocketServerOptions = {},
  clientOptions: NodeWebSocketClientOptions = {},
) {
  const server = await FakeWebSocketServer.start(serverOptions);
  servers.push(server);
  const client = new NodeWebSocketClient({
    url: server.url,
    connectTimeoutMs: 5000,
    ...clientOptions,
  });
  clients.push(client);
  return { server, client };
}

function tone(rate: number, hz: number, seconds: number, amplitude = 0.3): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * hz * i) / rate));
  }
  return out;
}

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("NodeWebSocketClient", () => {
  it("connects with the ws package and sends the upgrade headers", async () => {
    const { server, client } = await setup({}, { headers: { Authorization: "Bearer t0k" } });
    await client.connect();
    expect(client.state).toBe("connected");
    expect(server.upgrades[0]!.headers.authorization).toBe("Bearer t0k");
  });

  it("a refused upgrade → WebSocketUpgradeError with status and body", async () => {
    const { client } = await setup({
      rejectUpgrade: () => ({ status: 403, body: '{"detail":"forbidden"}' }),
    });
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebSocketUpgradeError);
    expect(error).toMatchObject({ status: 403, body: '{"detail":"forbidden"}', opened: false });
    expect(client.state).toBe("failed");
  });

  it("playAudio streams 20 ms messages in real time, resampled, and flushes the tail", async () => {
    const { server, client } = await setup({ echo: false });
    await client.connect();
    const conn = await server.connection();
    const arrivals: number[] = [];
    conn.socket.on("message", (data) => {
      if (String(data).includes('"media"')) arrivals.push(performance.now());
    });
    const started = performance.now();
    await client.playAudio(tone(16000, 440, 0.3), 16000);
    const took = performance.now() - started;
    // Paced: 0.3 s of audio takes at least about 0.3 s (no upper bound: a loaded machine is slow).
    expect(took).toBeGreaterThanOrEqual(290);
    await conn.waitFor(() => conn.receivedAudio().length === 14400);
    expect(conn.mediaSizes).toEqual(new Array(15).fill(960));
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(200);
  });

  it("playAudio with realtime false sends everything at once; a signal stops playback", async () => {
    const { server, client } = await setup({ echo: false }, { inputSampleRate: 24000 });
    await client.connect();
    const conn = await server.connection();
    const started = performance.now();
    await client.playAudio(tone(24000, 440, 1), 24000, { realtime: false });
    // Not paced: 1 s of audio goes out faster than real time.
    expect(performance.now() - started).toBeLessThan(1000);
    await conn.waitFor(() => conn.mediaSizes.length === 50);
    expect(conn.mediaSizes.every((n) => n === 480)).toBe(true);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const t0 = performance.now();
    await client.playAudio(tone(24000, 440, 2), 24000, { signal: controller.signal });
    // Stopped early: fewer than the 100 messages of the whole 2 s were sent.
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(client.mediaMessagesSent).toBeLessThan(50 + 100);
  });

  it("collects received audio and clears; collectAudio false keeps nothing", async () => {
    const { server, client } = await setup({}, { outputSampleRate: 8000 });
    await client.connect();
    const conn = await server.connection();
    conn.sendAudio(tone(8000, 300, 0.02));
    conn.clear();
    conn.sendAudio(tone(8000, 300, 0.02));
    await waitFor(() => client.received.length === 2 && client.clears.length === 1);
    expect(client.receivedAudio().length).toBe(320);
    expect(client.received[0]!.sampleRate).toBe(8000);
    client.resetReceived();
    expect(client.received).toHaveLength(0);
    expect(client.clears).toHaveLength(0);

    const quiet = new NodeWebSocketClient({ url: server.url, collectAudio: false });
    clients.push(quiet);
    let events = 0;
    quiet.on("audio", () => events++);
    await quiet.connect();
    (await server.connection(1)).sendAudio(new Int16Array(160));
    await waitFor(() => events === 1);
    expect(quiet.received).toHaveLength(0);
  });

  it("echo round trip through playAudio", async () => {
    const { client } = await setup({}, { outputSampleRate: 48000 });
    await client.connect();
    await client.playAudio(tone(48000, 1000, 0.2), 48000, { realtime: false });
    await waitFor(() => client.receivedAudio().length === 9600);
    expect(client.received.every((a) => a.samples.length === 960)).toBe(true);
  });
});
