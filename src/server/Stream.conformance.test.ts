import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { RtpHeader, RtpPacket } from "werift";
import { NodeAudioClient, type ParsedServerMessage, type ReceivedAudio } from "../client/node.js";
import { warning } from "../handlers/errors.js";
import { AdditionalOutputs, CloseStream } from "../handlers/outputs.js";
import { OpusFrameEncoder } from "../transports/webrtc/opus.js";
import { createNodeListener } from "./http/node.js";
import { Stream } from "./Stream.js";
import type { LaunchedServer, StreamOptions } from "./streamTypes.js";
import { makeOffer, post, type RawOffer, waitFor } from "./testing/peers.js";
import { Probe, type ProbeLog, type Script, tone } from "./testing/probe.js";

const servers: LaunchedServer[] = [];
const clients: NodeAudioClient[] = [];
const raws: RawOffer[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await Promise.all(raws.splice(0).map((r) => r.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(
  options: Partial<StreamOptions> & { record?: ProbeLog; script?: Script } = {},
) {
  const record = options.record ?? { events: [], frames: 0 };
  const stream = new Stream({
    handler: new Probe(record, options.script),
    modality: "audio",
    ...options,
  });
  const server = await stream.launch({ port: 0 });
  servers.push(server);
  return { stream, server, record, url: `${server.url}/webrtc/offer` };
}

function client(
  url: string,
  extra: Partial<ConstructorParameters<typeof NodeAudioClient>[0]> = {},
) {
  const c = new NodeAudioClient({ url, ...extra });
  const messages: ParsedServerMessage[] = [];
  const audio: ReceivedAudio[] = [];
  c.on("message", (m) => messages.push(m));
  c.on("audio", (a) => audio.push(a));
  clients.push(c);
  return { c, messages, audio };
}

async function raw(shape: Parameters<typeof makeOffer>[0] = {}): Promise<RawOffer> {
  const r = await makeOffer(shape);
  raws.push(r);
  return r;
}

describe("Signalling (checklist 1-23)", () => {
  it("1: mount registers POST {path}/webrtc/offer under the prefix (Hono)", async () => {
    const stream = new Stream({ handler: new Probe({ events: [], frames: 0 }), modality: "audio" });
    const app = new Hono();
    stream.mount(app, { path: "/api/v1/llm" });
    const o = await raw();
    const res = await app.request("/api/v1/llm/webrtc/offer", {
      method: "POST",
      body: JSON.stringify({ sdp: o.sdp, type: "offer", webrtc_id: "mounted" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ type: "answer" });
    expect((await app.request("/webrtc/offer", { method: "POST", body: "{}" })).status).toBe(404);
    await stream.close();
    expect(stream.liveConnections).toBe(0);
  });

  it("2-5: the answer is {sdp, type: 'answer'} with the data channel, m=audio and every candidate", async () => {
    const { url } = await serve();
    const o = await raw();
    const r = await post(url, { sdp: o.sdp, type: "offer", webrtc_id: "a" });
    expect(r.status).toBe(200);
    const answer = r.json as { sdp: string; type: string };
    expect(Object.keys(answer).sort()).toEqual(["sdp", "type"]);
    expect(answer.type).toBe("answer");
    expect(answer.sdp).toContain("webrtc-datachannel");
    expect(answer.sdp).toContain("m=audio");
    expect(answer.sdp).toMatch(/a=candidate:\S+ 1 udp \d+ \S+ \d+ typ host/);
    expect(answer.sdp).toContain("a=end-of-candidates");
    // ours: the client starts DTLS (werift as DTLS client waits 100 ms before its first message)
    expect(answer.sdp).toContain("a=setup:passive");
  });

  it("host candidates on loopback when asked (additionalHostAddresses): the answer offers 127.0.0.1", async () => {
    const { url } = await serve({ additionalHostAddresses: ["127.0.0.1"] });
    const o = await raw();
    const r = await post(url, { sdp: o.sdp, type: "offer", webrtc_id: "lo" });
    expect((r.json as { sdp: string }).sdp).toMatch(
      /a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/,
    );
    await o.pc.setRemoteDescription(r.json as { sdp: string; type: "answer" });
    await waitFor(() => o.pc.connectionState === "connected", 5000, "connected");
  });

  it("8-9: an id with registered media -> connection_already_exists, checked before the limit", async () => {
    const { url } = await serve({ concurrencyLimit: 1 });
    const first = await raw();
    expect((await post(url, { sdp: first.sdp, type: "offer", webrtc_id: "dup" })).status).toBe(200);
    const second = await raw();
    const r = await post(url, { sdp: second.sdp, type: "offer", webrtc_id: "dup" });
    expect(r.json).toEqual({ status: "failed", meta: { error: "connection_already_exists" } });
  });

  it("8 (race): two offers with one new id at once: one answer, one connection_already_exists", async () => {
    const { url, stream } = await serve();
    const [a, b] = [await raw(), await raw()];
    const results = await Promise.all([
      post(url, { sdp: a.sdp, type: "offer", webrtc_id: "race" }),
      post(url, { sdp: b.sdp, type: "offer", webrtc_id: "race" }),
    ]);
    const statuses = results.map(
      (r) => (r.json as { type?: string; meta?: { error: string } }).type ?? r.json,
    );
    expect(statuses).toContainEqual("answer");
    expect(statuses).toContainEqual({
      status: "failed",
      meta: { error: "connection_already_exists" },
    });
    expect(stream.liveConnections).toBe(1);
  });

  it("10-11: data-only peers count toward the limit -> concurrency_limit_reached with the limit", async () => {
    const { url, stream } = await serve({ concurrencyLimit: 2 });
    for (const id of ["foo", "bar"]) {
      const o = await raw({ audio: false });
      expect((await post(url, { sdp: o.sdp, type: "offer", webrtc_id: id })).status).toBe(200);
    }
    expect(stream.liveConnections).toBe(2);
    const o = await raw({ audio: false });
    const r = await post(url, { sdp: o.sdp, type: "offer", webrtc_id: "baz" });
    expect(r.json).toEqual({
      status: "failed",
      meta: { error: "concurrency_limit_reached", limit: 2 },
    });
  });

  it("12 (deliberate change): the default limit is 10, null means no limit", () => {
    const h = new Probe({ events: [], frames: 0 });
    expect(new Stream({ handler: h }).concurrencyLimit).toBe(10);
    expect(new Stream({ handler: h, concurrencyLimit: null }).concurrencyLimit).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(() => new Stream({ handler: h, concurrencyLimit: 0 })).toThrow(/concurrencyLimit/);
  });

  it("13-14: a video track fails an audio stream unless allowExtraTracks (answer keeps both m-lines)", async () => {
    const strict = await serve();
    const o1 = await raw({ video: true });
    const r1 = await post(strict.url, { sdp: o1.sdp, type: "offer", webrtc_id: "v" });
    expect(r1.status).toBe(500);
    expect(r1.json).toEqual({ detail: "Unsupported track kind 'video' for modality 'audio'" });
    const lax = await serve({ allowExtraTracks: true });
    const o2 = await raw({ video: true });
    const r2 = await post(lax.url, { sdp: o2.sdp, type: "offer", webrtc_id: "v" });
    expect(r2.status).toBe(200);
    const sdp = (r2.json as { sdp: string }).sdp;
    expect(sdp).toContain("m=audio");
    expect(sdp).toContain("m=video");
  });

  it("15-17, 19: trickled candidates: accepted as soon as the offer is registered; malformed ones refused", async () => {
    const { url, stream } = await serve();
    const o = await raw();
    const candidateLine = /a=(candidate:[^\r\n]+)/.exec(o.sdp)?.[1] ?? "";
    const pending = post(url, { sdp: o.sdp, type: "offer", webrtc_id: "t" });
    await waitFor(() => stream.liveConnections === 1, 5000, "registration");
    const early = await post(url, {
      type: "ice-candidate",
      webrtc_id: "t",
      candidate: { candidate: candidateLine, sdpMid: "0", sdpMLineIndex: 0 },
    });
    expect(early.json).toEqual({ status: "success" });
    expect((await pending).status).toBe(200);
    for (const bad of ["", "candidate:1 1 udp 1 1.2.3.4 5 typ host"]) {
      const r = await post(url, {
        type: "ice-candidate",
        webrtc_id: "t",
        candidate: { candidate: bad, sdpMid: "0" },
      });
      expect(r.json).toEqual({ status: "failed", meta: { error: "invalid_candidate_format" } });
    }
    const nullCandidate = await post(url, {
      type: "ice-candidate",
      webrtc_id: "t",
      candidate: null,
    });
    expect(nullCandidate.json).toMatchObject({
      status: "failed",
      meta: { error: expect.any(String) },
    });
    const unknown = await post(url, {
      type: "ice-candidate",
      webrtc_id: "zz",
      candidate: { candidate: candidateLine },
    });
    expect(unknown.json).toEqual({ status: "failed", meta: { error: "unknown_connection" } });
  });

  it("trickle ICE end to end: the SDK client connects with trickled candidates", async () => {
    const { server } = await serve();
    const { c } = client(server.url, { trickle: true });
    await c.connect();
    expect(c.state).toBe("connected");
  });

  it("20: a connection that never connects is dropped after the connect timeout", async () => {
    const { url, stream, record } = await serve({ connectTimeout: 0.3 });
    const o = await raw();
    expect((await post(url, { sdp: o.sdp, type: "offer", webrtc_id: "never" })).status).toBe(200);
    expect(stream.liveConnections).toBe(1);
    await waitFor(() => stream.liveConnections === 0, 3000, "connect timeout");
    expect(record.events).toEqual([]);
  });

  it("21: timeLimit closes the connection that long after connected", async () => {
    const { server, stream, record } = await serve({ timeLimit: 0.5 });
    const { c } = client(server.url);
    await c.connect();
    expect(stream.liveConnections).toBe(1);
    await waitFor(() => stream.liveConnections === 0, 3000, "time limit");
    expect(record.events.filter((e) => e === "shutdown")).toHaveLength(1);
  });

  it("22-23: cleanup calls shutdown once then reset, ends output streams, and the id can be reused", async () => {
    const { server, stream, record } = await serve();
    const { c } = client(server.url, { webrtcId: "again" });
    await c.connect();
    await waitFor(() => record.events.includes("startUp"), 3000, "startUp");
    const outputs = stream.outputStream("again");
    const ended = (async () => {
      for await (const _ of outputs) {
        // no outputs expected
      }
      return "ended";
    })();
    await stream.closeConnection("again");
    expect(await ended).toBe("ended");
    expect(record.events).toEqual(["startUp", "shutdown", "reset"]);
    await c.stop();
    const second = client(server.url, { webrtcId: "again" });
    await second.c.connect();
    await waitFor(
      () => record.events.filter((e) => e === "startUp").length === 2,
      3000,
      "second startUp",
    );
    await second.c.stop();
    await waitFor(() => stream.liveConnections === 0, 3000, "client stop cleans up");
    expect(record.events.filter((e) => e === "shutdown")).toHaveLength(2);
  });
});

describe("Data channel (checklist 24-33)", () => {
  it("24-25: the client's 'text' channel is used; client text is echoed as a log", async () => {
    const { server } = await serve();
    const { c, messages } = client(server.url);
    await c.connect();
    c.send("hello there");
    await waitFor(() => messages.some((m) => m.type === "log"), 3000, "echo");
    expect(messages).toContainEqual({ type: "log", data: "Server received: hello there" });
  });

  it("26: without a data channel nothing runs: no startUp, no receive", async () => {
    const { url, stream, record } = await serve();
    const o = await raw({ dataChannel: false });
    const r = await post(url, { sdp: o.sdp, type: "offer", webrtc_id: "nodc" });
    await o.pc.setRemoteDescription(r.json as { sdp: string; type: "answer" });
    await waitFor(() => o.pc.connectionState === "connected", 5000, "connected");
    await new Promise((res) => setTimeout(res, 300));
    expect(stream.liveConnections).toBe(1);
    expect(record.events).toEqual([]);
    expect(record.frames).toBe(0);
  });

  it("26: with the data channel, audio reaches receive() in order", async () => {
    const { server, record } = await serve();
    const { c } = client(server.url);
    await c.connect();
    await c.playAudio(tone(0.4, 48000), { realtime: false });
    await waitFor(() => record.frames >= 15, 3000, "frames");
    expect(record.events).toContain("startUp");
  });

  it("27: AdditionalOutputs reach outputStream() and send fetch_output", async () => {
    let sent = false;
    const { server, stream } = await serve({
      script: () => {
        if (sent) return null;
        sent = true;
        return new AdditionalOutputs("transcript", 3);
      },
    });
    const { c, messages } = client(server.url, { webrtcId: "outs" });
    const first = stream.fetchLatestOutput("outs", 5000);
    await c.connect();
    expect((await first).args).toEqual(["transcript", 3]);
    await waitFor(() => messages.some((m) => m.type === "fetch_output"), 3000, "fetch_output");
    expect(messages).toContainEqual({ type: "fetch_output", data: [] });
  });

  it("29: CloseStream('bye') -> end_stream after the queued audio played", async () => {
    let step = 0;
    const { server } = await serve({
      script: () => {
        step++;
        if (step === 1) return tone(0.5);
        if (step === 2) return new CloseStream("bye");
        return null;
      },
    });
    const { c, messages, audio } = client(server.url);
    let packetsAtEnd = -1;
    c.on("end_stream", () => {
      packetsAtEnd = audio.length;
    });
    await c.connect();
    await waitFor(() => packetsAtEnd >= 0, 5000, "end_stream");
    expect(messages).toContainEqual({ type: "end_stream", data: "bye" });
    expect(packetsAtEnd).toBeGreaterThanOrEqual(20);
    // RTP: consecutive sequence numbers, +960 timestamps, a marker on the first packet, and
    // paced by the session (0.5 s of audio is not sent as one burst).
    const real = audio.filter((a) => !a.concealed);
    expect(real[0]?.rtp.marker).toBe(true);
    for (let i = 1; i < real.length; i++) {
      const prev = real[i - 1]?.rtp;
      const cur = real[i]?.rtp;
      expect(((cur?.sequenceNumber ?? 0) - (prev?.sequenceNumber ?? 0)) & 0xffff).toBe(1);
      expect(((cur?.timestamp ?? 0) - (prev?.timestamp ?? 0)) >>> 0).toBe(960);
    }
    const span = (real.at(-1)?.receivedAt ?? 0) - (real[0]?.receivedAt ?? 0);
    expect(span).toBeGreaterThan(250);
  });

  it("29: CloseStream() default message is 'Stream closed'", () => {
    expect(new CloseStream().msg).toBe("Stream closed");
  });

  it("30-31: a handler exception -> error with key message; warning() -> warning", async () => {
    let step = 0;
    const { server } = await serve({
      script: () => {
        step++;
        if (step === 1) warning("careful");
        if (step === 2) throw new Error("boom");
        return null;
      },
    });
    const { c, messages } = client(server.url);
    await c.connect();
    await waitFor(() => messages.some((m) => m.type === "error"), 3000, "error");
    expect(messages).toContainEqual({ type: "warning", message: "careful" });
    expect(messages).toContainEqual({ type: "error", message: "boom" });
  });

  it("32: updateConnection(id, 'closed') -> update_connection", async () => {
    const { server, stream } = await serve();
    const { c, messages } = client(server.url, { webrtcId: "upd", autoClose: false });
    await c.connect();
    expect(await stream.updateConnection("upd", "closed")).toBe(true);
    await waitFor(
      () => messages.some((m) => m.type === "update_connection"),
      3000,
      "update_connection",
    );
    expect(messages).toContainEqual({ type: "update_connection", data: "closed" });
    expect(await stream.updateConnection("nobody", "closed")).toBe(false);
  });

  it("33: waitForArgs() sends send_input and resolves only after setInput", async () => {
    let phase = "start";
    const { server, stream } = await serve({
      script: async (h) => {
        if (phase !== "start") return null;
        phase = "waiting";
        await h.waitForArgs();
        phase = `got ${JSON.stringify(h.latestArgs)}`;
        return null;
      },
    });
    const { c, messages } = client(server.url, { webrtcId: "args" });
    await c.connect();
    await waitFor(() => messages.some((m) => m.type === "send_input"), 3000, "send_input");
    expect(messages).toContainEqual({ type: "send_input", data: [] });
    await new Promise((r) => setTimeout(r, 100));
    expect(phase).toBe("waiting");
    expect(stream.setInput("args", "formal", 2)).toBe(true);
    await waitFor(() => phase.startsWith("got"), 3000, "args");
    expect(phase).toBe('got ["__webrtc_value__","formal",2]');
  });
});

describe("Media", () => {
  it("reordered and lost inbound packets: in order, each loss concealed with 20 ms", async () => {
    const { url, record } = await serve();
    const o = await raw();
    const r = await post(url, { sdp: o.sdp, type: "offer", webrtc_id: "lossy" });
    await o.pc.setRemoteDescription(r.json as { sdp: string; type: "answer" });
    await waitFor(() => o.pc.connectionState === "connected", 5000, "connected");
    await waitFor(() => record.events.includes("startUp"), 3000, "startUp");
    const encoder = new OpusFrameEncoder();
    const pcm = tone(1, 48000)[1] as Int16Array;
    const packets = Array.from(
      { length: 50 },
      (_, i) =>
        new RtpPacket(
          new RtpHeader({ sequenceNumber: 1000 + i, timestamp: i * 960, payloadType: 96 }),
          Buffer.from(encoder.encode(pcm.subarray(i * 960, (i + 1) * 960))),
        ),
    );
    const order = packets.map((_, i) => i).filter((i) => i !== 10 && i !== 25 && i !== 40);
    for (const [a, b] of [
      [5, 6],
      [30, 31],
    ] as const) {
      const ia = order.indexOf(a);
      const ib = order.indexOf(b);
      [order[ia], order[ib]] = [b, a];
    }
    for (const i of order) o.audioTrack?.writeRtp(packets[i] as RtpPacket);
    await waitFor(() => record.frames >= 50, 3000, "50 frames");
    await new Promise((res) => setTimeout(res, 100));
    expect(record.frames).toBe(50);
  });
});

describe("Modes (spec §4.5, §4.6)", () => {
  it("receive: a generator's audio is played; an item without audio does not end it (Q11)", async () => {
    const stream = new Stream({
      handler: async function* () {
        yield tone(0.2);
        yield new AdditionalOutputs("between");
        yield tone(0.2);
      },
      mode: "receive",
      modality: "audio",
    });
    const server = await stream.launch({ port: 0 });
    servers.push(server);
    const { c, audio, messages } = client(server.url, { mode: "receive" });
    await c.connect();
    await waitFor(() => messages.some((m) => m.type === "end_stream"), 5000, "end of generator");
    expect(audio.length).toBeGreaterThanOrEqual(18);
    expect(messages).toContainEqual({ type: "fetch_output", data: [] });
  });

  it("send: the handler runs but no audio comes back", async () => {
    const { server, record } = await serve({ mode: "send", script: () => tone(0.1) });
    const { c, audio } = client(server.url, { mode: "send" });
    await c.connect();
    await c.playAudio(tone(0.3, 48000), { realtime: false });
    await waitFor(() => record.frames >= 10, 3000, "frames");
    await new Promise((r) => setTimeout(r, 200));
    expect(audio).toHaveLength(0);
  });

  it("node:http listener falls through to next() for other paths", async () => {
    const stream = new Stream({ handler: new Probe({ events: [], frames: 0 }) });
    const listener = createNodeListener(stream, { path: "/rtc" });
    let fellThrough = false;
    listener({ url: "/other", method: "GET", headers: {} } as never, {} as never, () => {
      fellThrough = true;
    });
    expect(fellThrough).toBe(true);
    await stream.close();
  });
});
