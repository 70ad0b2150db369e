/** The SDK's WebSocket client against the real server (issue: WebSocket client tests). */
import { afterEach, describe, expect, it } from "vitest";
import type { AudioChunk } from "../audio/types.js";
import { ConcurrencyLimitError, NodeWebSocketClient } from "../client/node.js";
import type { EmitType } from "../handlers/emit.js";
import { CloseStream, WebRTCData } from "../handlers/outputs.js";
import { ReplyOnPause } from "../handlers/ReplyOnPause.js";
import { EnergyVad, silence, tone as toneSamples } from "../handlers/testing/fakes.js";
import { Stream } from "./Stream.js";
import type { LaunchedServer, StreamOptions } from "./streamTypes.js";
import { waitFor } from "./testing/peers.js";
import { Probe, type ProbeLog, type Script, tone } from "./testing/probe.js";

const servers: LaunchedServer[] = [];
const clients: NodeWebSocketClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(options: Partial<StreamOptions> & { script?: Script } = {}) {
  const record: ProbeLog = { events: [], frames: 0 };
  const stream = new Stream({ handler: new Probe(record, options.script), ...options });
  const server = await stream.launch({ port: 0 });
  servers.push(server);
  const client = (id?: string) => {
    const c = new NodeWebSocketClient({
      url: server.url,
      ...(id ? { websocketId: id } : {}),
      inputSampleRate: 48000,
      outputSampleRate: 24000,
    });
    clients.push(c);
    return c;
  };
  return { stream, server, client, record };
}

describe("NodeWebSocketClient <-> Stream", () => {
  it("ping/pong round trip", async () => {
    const { client } = await serve();
    const c = client("c-ping");
    await c.connect();
    expect(await c.ping()).toBeGreaterThanOrEqual(0);
  });

  it("send_input -> setInput round trip", async () => {
    let asked = false;
    const { client, stream } = await serve({
      script: async (h) => {
        if (asked) return null;
        asked = true;
        await h.waitForArgs();
        return null;
      },
    });
    const c = client("c-input");
    const got = new Promise<void>((resolve) => c.on("send_input", () => resolve()));
    await c.connect();
    await got;
    expect(stream.setInput("c-input", "blue")).toBe(true);
    await waitFor(() => stream.handlers.get("c-input")?.argsSet === true, 5000, "args set");
    expect(stream.handlers.get("c-input")?.latestArgs).toEqual(["__webrtc_value__", "blue"]);
  });

  it("the concurrency limit rejects connect() with ConcurrencyLimitError", async () => {
    const { client } = await serve({ concurrencyLimit: 1 });
    await client("c-1").connect();
    const second = client("c-2");
    const err = await second.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConcurrencyLimitError);
    expect((err as ConcurrencyLimitError).limit).toBe(1);
  });

  it("CloseStream: end_stream after the audio, then the socket closes (1000)", async () => {
    let step = 0;
    const { client } = await serve({
      script: (): EmitType => {
        step++;
        if (step === 1) return tone(0.4, 24000);
        if (step === 2) return new CloseStream("goodbye");
        return null;
      },
    });
    const c = client("c-close");
    const ended = new Promise<string>((r) => c.on("end_stream", (m) => r(String(m.data))));
    const closed = new Promise<number>((r) => c.on("close", (e) => r(e.code)));
    await c.connect();
    expect(await ended).toBe("goodbye");
    expect(await closed).toBe(1000);
    const samples = c.received.reduce((n, a) => n + a.samples.length, 0);
    expect(samples).toBe(0.4 * 24000);
  });

  it("handler errors reach the client as error events", async () => {
    const { client } = await serve({
      script: () => {
        throw new Error("kaput");
      },
    });
    const c = client("c-err");
    const error = new Promise<string>((r) => c.on("error", (m) => r(m.message)));
    await c.connect();
    expect(await error).toBe("kaput");
  });

  it("an echo ReplyOnPause answers a spoken turn; a typed turn reaches fn as WebRTCData", async () => {
    const texts: string[] = [];
    const stream = new Stream({
      handler: new ReplyOnPause(
        async function* (first: AudioChunk | WebRTCData) {
          if (first instanceof WebRTCData) {
            texts.push(`${first.webrtcId}:${first.textbox}`);
            yield [24000, toneSamples(0.2, 24000)] as AudioChunk;
            return;
          }
          yield first;
        },
        { acceptsText: true, model: new EnergyVad() },
      ),
    });
    const server = await stream.launch({ port: 0 });
    servers.push(server);
    const c = new NodeWebSocketClient({ url: server.url, websocketId: "c-echo" });
    clients.push(c);
    await c.connect();
    expect(stream.textTurns).toBe(true);
    const speech = new Int16Array([
      ...silence(0.6, 48000),
      ...toneSamples(1, 48000),
      ...silence(1.2, 48000),
    ]);
    await c.playAudio(speech, 48000, { realtime: false });
    await waitFor(() => c.received.length >= 40, 10_000, "echo reply");
    c.sendText("what time is it?");
    await waitFor(() => texts.length === 1, 5000, "text turn");
    expect(texts).toEqual(["c-echo:what time is it?"]);
  }, 30_000);
});

describe("stream.handlers.get(id).triggerResponse()", () => {
  it("answers at once with the audio collected so far", async () => {
    const lengths: number[] = [];
    const stream = new Stream({
      handler: new ReplyOnPause(
        async function* (audio: AudioChunk) {
          lengths.push(audio[1].length / audio[0]);
          yield audio;
        },
        { model: new EnergyVad() },
      ),
    });
    const server = await stream.launch({ port: 0 });
    servers.push(server);
    const c = new NodeWebSocketClient({ url: server.url, websocketId: "c-trigger" });
    clients.push(c);
    await c.connect();
    // 1.2 s of speech and no pause: no reply by itself.
    await c.playAudio(toneSamples(1.2, 48000), 48000, { realtime: false });
    await new Promise((r) => setTimeout(r, 300));
    expect(lengths).toEqual([]);
    stream.handlers.get("c-trigger")?.triggerResponse();
    await waitFor(() => lengths.length === 1, 5000, "triggered reply");
    expect(lengths[0]).toBeGreaterThan(0.5);
    await waitFor(() => c.received.length > 0, 5000, "reply audio");
  });
});
