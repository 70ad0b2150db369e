/**
 * WebSocket rates against the real server: FastRTC's protocol carries none, so a client at other
 * rates than the handler's used to connect and be heard as noise; a fastrtc-ts client announces
 * its rates in `start` and a mismatch is refused with the handler's rates.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { AudioChunk } from "../audio/types.js";
import { ReplyOnPause } from "../handlers/ReplyOnPause.js";
import { EnergyVad } from "../handlers/testing/fakes.js";
import { configureLogger } from "../logger.js";
import { Stream } from "../server/Stream.js";
import type { LaunchedServer } from "../server/streamTypes.js";
import { openWs, type WsPeer } from "../server/testing/wsPeer.js";
import { NodeWebSocketClient, OfferRejectedError, SampleRateMismatchError } from "./node.js";

async function* echo(audio: AudioChunk) {
  yield audio;
}

const servers: LaunchedServer[] = [];
const clients: NodeWebSocketClient[] = [];
const peers: WsPeer[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop().catch(() => {})));
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
  configureLogger({ level: "silent" });
});

/** A stream whose handler takes 16 kHz and sends 24 kHz. */
async function serve(): Promise<{ stream: Stream; server: LaunchedServer }> {
  const stream = new Stream({
    handler: new ReplyOnPause(echo, { model: new EnergyVad(), inputSampleRate: 16000 }),
    modality: "audio",
  });
  const server = await stream.launch({ port: 0 });
  servers.push(server);
  return { stream, server };
}

function client(url: string, inputSampleRate?: number): NodeWebSocketClient {
  const c = new NodeWebSocketClient({
    url,
    connectTimeoutMs: 10_000,
    ...(inputSampleRate === undefined ? {} : { inputSampleRate }),
  });
  clients.push(c);
  return c;
}

describe("WebSocket sample rates", () => {
  it("a client at the default 48 kHz is refused with the handler's rates, on both sides", async () => {
    const warnings: string[] = [];
    configureLogger({
      level: "warn",
      sink: { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} },
    });
    const { stream, server } = await serve();
    const c = client(server.url);
    const err = await c.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SampleRateMismatchError);
    expect(err).toBeInstanceOf(OfferRejectedError);
    const mismatch = err as SampleRateMismatchError;
    expect(mismatch.code).toBe("sample_rate_mismatch");
    expect(mismatch.inputSampleRate).toBe(16000);
    expect(mismatch.outputSampleRate).toBe(24000);
    expect(mismatch.message).toBe(
      "The server's handler takes 16000 Hz audio and sends 24000 Hz: create the client with { inputSampleRate: 16000, outputSampleRate: 24000 }",
    );
    expect(c.state).toBe("failed");
    expect(stream.liveConnections).toBe(0);
    expect(warnings.filter((w) => w.includes("sample rate mismatch"))).toEqual([
      "websocket client refused: sample rate mismatch: this stream's handler takes 16000 Hz audio and sends 24000 Hz, the client announced 48000 Hz in and 24000 Hz out",
    ]);
  });

  it("a client at the handler's rates connects and is served", async () => {
    const { stream, server } = await serve();
    const c = client(server.url, 16000);
    await c.connect();
    expect(c.state).toBe("connected");
    expect(stream.handlers.has(c.websocketId)).toBe(true);
  });

  it("on the wire: a failed message with the rates, close 1008; no announcement keeps FastRTC's behaviour", async () => {
    const { stream, server } = await serve();
    const wsUrl = `${server.url.replace(/^http/, "ws")}/websocket/offer`;
    const wrong = await openWs(wsUrl);
    peers.push(wrong);
    wrong.send({ event: "start", websocket_id: "r1", input_sample_rate: 8000 });
    const closed = await wrong.waitClosed();
    expect(closed.code).toBe(1008);
    expect(wrong.messages).toEqual([
      {
        status: "failed",
        meta: {
          error: "sample_rate_mismatch",
          input_sample_rate: 16000,
          output_sample_rate: 24000,
          message:
            "sample rate mismatch: this stream's handler takes 16000 Hz audio and sends 24000 Hz, the client announced 8000 Hz in and ? Hz out",
        },
      },
    ]);
    expect(stream.handlers.has("r1")).toBe(false);

    const nonsense = await openWs(wsUrl);
    peers.push(nonsense);
    nonsense.send({ event: "start", websocket_id: "r2", output_sample_rate: "fast" });
    expect((await nonsense.waitClosed()).code).toBe(1008);

    const right = await openWs(wsUrl);
    peers.push(right);
    right.send({
      event: "start",
      websocket_id: "r3",
      input_sample_rate: 16000,
      output_sample_rate: 24000,
    });
    right.send({ event: "ping" });
    await right.waitFor(() => right.of("pong").length === 1, "pong");
    expect(stream.handlers.has("r3")).toBe(true);

    const plain = await openWs(wsUrl); // a FastRTC client: no rates, taken to be the handler's
    peers.push(plain);
    plain.send({ event: "start", websocket_id: "r4" });
    plain.send({ event: "ping" });
    await plain.waitFor(() => plain.of("pong").length === 1, "pong");
    expect(stream.handlers.has("r4")).toBe(true);
    expect(plain.of("failed")).toEqual([]);
  });
});
