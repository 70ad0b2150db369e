import { afterEach, describe, expect, it } from "vitest";
import { muLawDecode, muLawEncode } from "../audio/g711.js";
import { warning } from "../handlers/errors.js";
import { AdditionalOutputs, CloseStream } from "../handlers/outputs.js";
import { Stream } from "./Stream.js";
import type { InterruptionEvent } from "./streamEvents.js";
import type { LaunchedServer, StreamOptions } from "./streamTypes.js";
import { waitFor } from "./testing/peers.js";
import { Probe, type ProbeLog, type Script, tone } from "./testing/probe.js";
import { openWs, type WsPeer } from "./testing/wsPeer.js";

const servers: LaunchedServer[] = [];
const peers: WsPeer[] = [];

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(
  options: Partial<StreamOptions> & { record?: ProbeLog; script?: Script } = {},
) {
  const record = options.record ?? { events: [], frames: 0 };
  const stream = new Stream({ handler: new Probe(record, options.script), ...options });
  const server = await stream.launch({ port: 0 });
  servers.push(server);
  const wsUrl = `${server.url.replace(/^http/, "ws")}/websocket/offer`;
  const connect = async (id?: string, query = "", headers: Record<string, string> = {}) => {
    const peer = await openWs(`${wsUrl}${query}`, headers);
    peers.push(peer);
    if (id !== undefined) peer.send({ event: "start", websocket_id: id });
    return peer;
  };
  return { stream, server, record, connect, wsUrl };
}

describe("WebSocket /websocket/offer (spec §6.1–6.4, checklist 80–87)", () => {
  it("80: start registers the id for setInput and outputStream", async () => {
    const { stream, connect, record } = await serve();
    await connect("ws-80");
    await waitFor(() => stream.handlers.has("ws-80"), 5000, "registration");
    expect(stream.setInput("ws-80", "formal", 3)).toBe(true);
    expect(stream.handlers.get("ws-80")?.latestArgs).toEqual(["__webrtc_value__", "formal", 3]);
    await waitFor(() => record.events.includes("startUp"), 5000, "startUp");
  });

  it("81: media is decoded from µ-law and reaches receive() labelled inputSampleRate, unresampled", async () => {
    const frames: Array<[number, number]> = [];
    const record: ProbeLog = { events: [], frames: 0 };
    class Recorder extends Probe {
      override async receive(frame: readonly [number, Int16Array | Float32Array]) {
        frames.push([frame[0], frame[1].length]);
        await super.receive(frame as never);
      }
      override copy(): Recorder {
        return new Recorder(this.record, this.script);
      }
    }
    const stream = new Stream({ handler: new Recorder(record) });
    const server = await stream.launch({ port: 0 });
    servers.push(server);
    const peer = await openWs(`${server.url.replace(/^http/, "ws")}/websocket/offer`);
    peers.push(peer);
    peer.send({ event: "start", websocket_id: "ws-81" });
    const [, pcm] = tone(0.1, 48000);
    for (let i = 0; i < 5; i++)
      peer.sendAudio((pcm as Int16Array).subarray(i * 960, (i + 1) * 960));
    await waitFor(() => frames.length >= 5, 5000, "5 frames");
    // Labelled with the handler's 48 kHz as sent; frames keep the client's message size.
    expect(frames).toEqual(Array(5).fill([48000, 960]));
  });

  it("82: outbound audio is µ-law at outputSampleRate in 20 ms messages", async () => {
    let sent = false;
    const { connect } = await serve({
      script: () => {
        if (sent) return null;
        sent = true;
        return tone(0.5, 24000);
      },
    });
    const peer = await connect("ws-82");
    await peer.waitFor(() => peer.of("media").length >= 25, "25 media messages");
    const sizes = peer
      .of("media")
      .map((m) => Buffer.from((m.media as { payload: string }).payload, "base64").length);
    expect(new Set(sizes)).toEqual(new Set([480]));
    const got = peer.audio();
    const [, want] = tone(0.5, 24000);
    const expected = muLawDecode(muLawEncode(want as Int16Array));
    expect(got.length).toBe(expected.length);
    expect(Array.from(got.subarray(0, 200))).toEqual(Array.from(expected.subarray(0, 200)));
  });

  it("83: ping gets pong (also before start)", async () => {
    const { connect } = await serve();
    const peer = await connect();
    peer.send({ event: "ping" });
    await peer.waitFor(() => peer.of("pong").length === 1, "pong");
    expect(peer.messages[0]).toEqual({ event: "pong" });
  });

  it("84: stop closes the socket, ends outputStream, calls shutdown() once and frees the slot", async () => {
    const { stream, connect, record } = await serve();
    const peer = await connect("ws-84");
    await waitFor(() => stream.liveConnections === 1, 5000, "registered");
    const ended = (async () => {
      for await (const _ of stream.outputStream("ws-84")) {
        /* drain */
      }
      return true;
    })();
    peer.send({ event: "stop" });
    expect((await peer.waitClosed()).code).toBe(1000);
    expect(await ended).toBe(true);
    await waitFor(() => stream.liveConnections === 0, 5000, "slot freed");
    await waitFor(() => record.events.includes("reset"), 5000, "reset");
    expect(record.events.filter((e) => e === "shutdown")).toHaveLength(1);
  });

  it("85: over the concurrency limit: the failure JSON, then close (1013)", async () => {
    const { connect } = await serve({ concurrencyLimit: 1 });
    const first = await connect("ws-85a");
    first.send({ event: "ping" });
    await first.waitFor(() => first.of("pong").length === 1, "first is live");
    const second = await connect("ws-85b");
    const closed = await second.waitClosed();
    expect(second.messages[0]).toEqual({
      status: "failed",
      meta: { error: "concurrency_limit_reached", limit: 1 },
    });
    expect(closed.code).toBe(1013);
    first.send({ event: "ping" });
    await first.waitFor(() => first.of("pong").length === 2, "first unaffected");
  });

  it("86: send_input and log messages arrive as text frames; setInput answers waitForArgs", async () => {
    let phase = 0;
    const { stream, connect } = await serve({
      script: async (h) => {
        if (phase === 0) {
          phase = 1;
          await h.sendMessage({ type: "log", data: "hello" });
          await h.waitForArgs();
          phase = 2;
          return new AdditionalOutputs(...h.latestArgs.slice(1));
        }
        return null;
      },
    });
    const peer = await connect("ws-86");
    await peer.waitFor(() => peer.of("send_input").length === 1, "send_input");
    expect(peer.of("log")[0]).toEqual({ type: "log", data: "hello" });
    const next = stream.fetchLatestOutput("ws-86");
    stream.setInput("ws-86", "blue", 7);
    expect((await next).args).toEqual(["blue", 7]);
    // Beyond FastRTC: fetch_output reaches WebSocket clients too.
    await peer.waitFor(() => peer.of("fetch_output").length === 1, "fetch_output");
  });

  it("87: CloseStream sends end_stream after the audio, then closes with 1000", async () => {
    let step = 0;
    const { connect, stream } = await serve({
      script: () => {
        step++;
        if (step === 1) return tone(0.3, 24000);
        if (step === 2) return new CloseStream("bye");
        return null;
      },
    });
    const peer = await connect("ws-87");
    const closed = await peer.waitClosed();
    expect(closed.code).toBe(1000);
    expect(peer.of("media")).toHaveLength(15);
    const endIndex = peer.messages.findIndex((m) => m.type === "end_stream");
    expect(peer.messages[endIndex]).toEqual({ type: "end_stream", data: "bye" });
    expect(endIndex).toBeGreaterThan(peer.messages.lastIndexOf(peer.of("media").at(-1) ?? {}));
    await waitFor(() => stream.liveConnections === 0, 5000, "slot freed");
  });
});

describe("WebSocket beyond FastRTC", () => {
  it("delivers error and warning messages (Q9 fixed)", async () => {
    let step = 0;
    const { connect } = await serve({
      script: async () => {
        step++;
        if (step === 1) {
          await warning("careful");
          return null;
        }
        if (step === 2) throw new Error("boom");
        return null;
      },
    });
    const peer = await connect("ws-err");
    await peer.waitFor(() => peer.of("error").length === 1, "error");
    expect(peer.of("warning")[0]).toEqual({ type: "warning", message: "careful" });
    expect(peer.of("error")[0]).toEqual({ type: "error", message: "boom" });
  });

  it("idle emits create no backlog: audio after 1.5 s of None goes out at once (Q10 fixed)", async () => {
    let readyAt = 0;
    const start = Date.now();
    const { connect } = await serve({
      script: () => {
        if (readyAt === 0 && Date.now() - start > 1500) {
          readyAt = Date.now();
          return tone(0.2, 24000);
        }
        return null;
      },
    });
    const peer = await connect("ws-idle");
    let firstAt = 0;
    peer.socket.on("message", () => {
      firstAt ||= Date.now();
    });
    await peer.waitFor(() => peer.of("media").length > 0, "media");
    // FastRTC queues one 20 ms slot per None: ~75 slots = 1.5 s behind. Here: one emit poll.
    expect(firstAt - readyAt).toBeLessThan(500);
  });

  it("a socket closed before start cleans up without error (Q22 fixed)", async () => {
    const { stream, connect } = await serve();
    const peer = await connect();
    await peer.close();
    const other = await connect("ws-after");
    other.send({ event: "ping" });
    await other.waitFor(() => other.of("pong").length === 1, "pong");
    expect(stream.liveConnections).toBe(1);
  });

  it("timeLimit ends the session (Q9 fixed)", async () => {
    const { connect, record } = await serve({ timeLimit: 0.3 });
    const peer = await connect("ws-limit");
    const closed = await peer.waitClosed();
    expect(closed).toEqual({ code: 1000, reason: "time limit reached" });
    await waitFor(() => record.events.includes("shutdown"), 5000, "shutdown");
  });

  it("an interruption sends clear and reports what was sent", async () => {
    let sent = false;
    const events: InterruptionEvent[] = [];
    const { connect, stream } = await serve({
      script: () => {
        if (sent) return null;
        sent = true;
        return tone(3, 24000);
      },
    });
    stream.on("interrupted", (e) => events.push(e));
    const peer = await connect("ws-clear");
    await peer.waitFor(() => peer.of("media").length >= 20, "some audio");
    stream.handlers.get("ws-clear")?.clearQueue();
    await peer.waitFor(() => peer.of("clear").length === 1, "clear");
    const mediaBefore = peer.of("media").length;
    await new Promise((r) => setTimeout(r, 200));
    expect(peer.of("media").length).toBe(mediaBefore);
    expect(events).toHaveLength(1);
    expect(events[0]?.transport).toBe("websocket");
    expect(events[0]?.sentMs).toBe(mediaBefore * 20);
    expect((events[0]?.sentMs ?? 0) + (events[0]?.droppedMs ?? 0)).toBeLessThanOrEqual(3000);
  });

  it("a second start with a live id is refused", async () => {
    const { connect } = await serve();
    await connect("ws-dup");
    const second = await connect("ws-dup");
    const closed = await second.waitClosed();
    expect(second.messages[0]).toEqual({
      status: "failed",
      meta: { error: "connection_already_exists" },
    });
    expect(closed.code).toBe(1008);
  });

  it("the auth hook runs before the upgrade", async () => {
    const seen: string[] = [];
    const { connect } = await serve({
      auth: ({ url, headers, transport }) => {
        seen.push(transport);
        if (url.searchParams.get("token") === "good") return true;
        if (headers.authorization === "Bearer good") return true;
        return url.searchParams.has("token") ? { status: 403, detail: "bad token" } : false;
      },
    });
    await expect(connect()).rejects.toMatchObject({ status: 401 });
    await expect(connect(undefined, "?token=bad")).rejects.toMatchObject({ status: 403 });
    const ok = await connect("ws-auth", "?token=good");
    ok.send({ event: "ping" });
    await ok.waitFor(() => ok.of("pong").length === 1, "pong");
    const byHeader = await connect("ws-auth2", "", { authorization: "Bearer good" });
    byHeader.send({ event: "ping" });
    await byHeader.waitFor(() => byHeader.of("pong").length === 1, "pong");
    expect(new Set(seen)).toEqual(new Set(["websocket"]));
  });
});
