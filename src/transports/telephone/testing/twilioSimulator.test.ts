import { once } from "node:events";
import { readFileSync } from "node:fs";
import type { IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";
import { muLawDecode, muLawEncode } from "../../../audio/g711.js";
import { fixturePath } from "../../../audio/testing/fixtures.js";
import { readWavFile } from "../../../audio/wav.js";
import { VirtualClock } from "../../../utils/clock.js";
import { validateTwilioSignature } from "../twilioSignature.js";
import { TwilioCallSimulator } from "./twilioSimulator.js";

const MULAW_WAV = fixturePath("leopard__test__8k_mulaw.wav");

// biome-ignore lint/suspicious/noExplicitAny: test peers inspect arbitrary JSON.
type Json = any;

interface Peer {
  ws: WebSocket;
  headers: IncomingHttpHeaders;
  path: string;
  /** Parsed JSON text messages from the simulator. */
  messages: Json[];
  /** Raw frames from the simulator. */
  frames: Array<{ data: string | Buffer; binary: boolean }>;
  closed: Promise<{ code: number; reason: string }>;
}

interface TestServer {
  url: string;
  peers: Peer[];
  close(): Promise<void>;
}

const servers: TestServer[] = [];
const sims: TwilioCallSimulator[] = [];

afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.drop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A tiny Media Streams server; `onMessage` scripts its replies. */
async function startServer(
  options: { onMessage?: (peer: Peer, message: Json) => void; reject?: number } = {},
): Promise<TestServer> {
  const wss = new WebSocketServer({
    host: "127.0.0.1",
    port: 0,
    verifyClient: options.reject
      ? (_info, cb) => cb(false, options.reject, "Forbidden")
      : undefined,
  });
  await once(wss, "listening");
  const { port } = wss.address() as AddressInfo;
  const peers: Peer[] = [];
  wss.on("connection", (ws, req) => {
    const peer: Peer = {
      ws,
      headers: req.headers,
      path: req.url ?? "",
      messages: [],
      frames: [],
      closed: new Promise((resolve) =>
        ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
      ),
    };
    peers.push(peer);
    ws.on("message", (data, binary) => {
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      peer.frames.push({ data: binary ? buf : buf.toString("utf8"), binary });
      if (binary) return;
      let msg: Json;
      try {
        msg = JSON.parse(buf.toString("utf8"));
      } catch {
        return;
      }
      peer.messages.push(msg);
      options.onMessage?.(peer, msg);
    });
  });
  const server: TestServer = {
    url: `ws://127.0.0.1:${port}/telephone/handler`,
    peers,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
  servers.push(server);
  return server;
}

function simulator(
  options: ConstructorParameters<typeof TwilioCallSimulator>[0],
): TwilioCallSimulator {
  const sim = new TwilioCallSimulator(options);
  sims.push(sim);
  return sim;
}

async function until(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 2));
  }
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const mediaMsg = (streamSid: string, bytes: Uint8Array) =>
  JSON.stringify({ event: "media", streamSid, media: { payload: b64(bytes) } });
const markMsg = (streamSid: string, name: string) =>
  JSON.stringify({ event: "mark", streamSid, mark: { name } });
const clearMsg = (streamSid: string) => JSON.stringify({ event: "clear", streamSid });
const mediaOf = (peer: Peer) => peer.messages.filter((m) => m.event === "media");
/** `n` bytes of a recognisable µ-law pattern. */
const tone = (n: number, seed = 0) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) % 256);

describe("TwilioCallSimulator: what it sends", () => {
  it("connect() signs the upgrade and sends connected, then start, as documented", async () => {
    const server = await startServer();
    const sim = simulator({
      url: server.url,
      authToken: "secret-token",
      streamSid: "MZ0123456789abcdef0123456789abcdef",
      callSid: "CA0123456789abcdef0123456789abcdef",
      accountSid: "AC0123456789abcdef0123456789abcdef",
      customParameters: { caller: "+14155550100", tenant: "a&b" },
    });
    await sim.connect();
    expect(sim.isOpen).toBe(true);
    await until(() => server.peers[0]?.messages.length === 2);
    const peer = server.peers[0]!;
    expect(peer.path).toBe("/telephone/handler");
    expect(
      validateTwilioSignature({
        authToken: "secret-token",
        signature: peer.headers["x-twilio-signature"],
        url: server.url,
      }),
    ).toBe(true);
    expect(peer.messages[0]).toEqual({ event: "connected", protocol: "Call", version: "1.0.0" });
    expect(peer.messages[1]).toEqual({
      event: "start",
      sequenceNumber: "1",
      start: {
        accountSid: "AC0123456789abcdef0123456789abcdef",
        streamSid: "MZ0123456789abcdef0123456789abcdef",
        callSid: "CA0123456789abcdef0123456789abcdef",
        tracks: ["inbound"],
        mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
        customParameters: { caller: "+14155550100", tenant: "a&b" },
      },
      streamSid: "MZ0123456789abcdef0123456789abcdef",
    });
    expect(peer.frames.every((f) => !f.binary)).toBe(true);
  });

  it("defaults: unique Twilio-shaped SIDs, no signature header, explicit headers kept", async () => {
    const server = await startServer();
    const a = simulator({ url: server.url, headers: { "X-Twilio-Signature": "given" } });
    const b = simulator({
      url: server.url,
      authToken: "t",
      headers: { "x-twilio-signature": "kept" },
    });
    const c = simulator({ url: server.url });
    expect(a.streamSid).toMatch(/^MZ[0-9a-f]{32}$/);
    expect(a.callSid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(a.accountSid).toMatch(/^AC[0-9a-f]{32}$/);
    expect(new Set([a.streamSid, b.streamSid, c.streamSid]).size).toBe(3);
    await a.connect();
    await b.connect();
    await c.connect();
    await until(() => server.peers.length === 3);
    const sigs = server.peers.map((p) => p.headers["x-twilio-signature"]).sort();
    expect(sigs).toEqual(["given", "kept", undefined].sort());
  });

  it("sendAudio (fast): 160-byte media frames, counters from 1, last frame padded with silence", async () => {
    const server = await startServer();
    // A virtual clock keeps the stream clock at 0, so timestamps are exactly 0, 20, 40.
    const sim = simulator({ url: server.url, clock: new VirtualClock() });
    await sim.connect();
    const samples = Int16Array.from({ length: 400 }, (_, i) => Math.round(8000 * Math.sin(i / 5)));
    const result = await sim.sendAudio(samples, { pace: "fast" });
    expect(result).toEqual({ chunks: 3, samples: 400, complete: true });
    await until(() => mediaOf(server.peers[0]!).length === 3);
    const media = mediaOf(server.peers[0]!);
    expect(media.map((m) => m.sequenceNumber)).toEqual(["2", "3", "4"]);
    expect(media.map((m) => m.media.chunk)).toEqual(["1", "2", "3"]);
    expect(media.map((m) => m.media.timestamp)).toEqual(["0", "20", "40"]);
    for (const m of media) {
      expect(Object.keys(m).sort()).toEqual(["event", "media", "sequenceNumber", "streamSid"]);
      expect(m.streamSid).toBe(sim.streamSid);
      expect(m.media.track).toBe("inbound");
      expect(Buffer.from(m.media.payload, "base64")).toHaveLength(160);
    }
    const sent = Buffer.concat(media.map((m) => Buffer.from(m.media.payload, "base64")));
    const expected = new Uint8Array(480).fill(0xff);
    expected.set(muLawEncode(samples));
    expect(new Uint8Array(sent)).toEqual(expected);
  });

  it("sendAudio (realtime) sends frame i at (i+1)·20 ms on the clock; timestamps follow the stream clock", async () => {
    const clock = new VirtualClock();
    const server = await startServer();
    const sim = simulator({ url: server.url, clock });
    await sim.connect();
    const mediaSent = () => sim.sent.filter((m) => (m as Json).event === "media").length;
    const sending = sim.sendAudio(new Int16Array(160 * 5), { pace: "realtime" });
    await clock.advance(19);
    expect(mediaSent()).toBe(0);
    await clock.advance(1);
    expect(mediaSent()).toBe(1);
    await clock.advance(40);
    expect(mediaSent()).toBe(3);
    await clock.advance(40);
    expect(await sending).toEqual({ chunks: 5, samples: 800, complete: true });
    // A pause: the stream's clock runs on, so the next frame's timestamp jumps.
    await clock.advance(1000);
    const more = sim.sendAudio(new Int16Array(160));
    await clock.advance(20);
    await more;
    await until(() => mediaOf(server.peers[0]!).length === 6);
    expect(mediaOf(server.peers[0]!).map((m) => m.media.timestamp)).toEqual([
      "0",
      "20",
      "40",
      "60",
      "80",
      "1100",
    ]);
    expect(mediaOf(server.peers[0]!).map((m) => m.media.chunk)).toEqual([
      "1",
      "2",
      "3",
      "4",
      "5",
      "6",
    ]);
  });

  it("sendAudio of the µ-law WAV fixture sends the file's bytes", async () => {
    const server = await startServer();
    const sim = simulator({ url: server.url });
    await sim.connect();
    const wav = await readWavFile(MULAW_WAV);
    expect(wav.format).toBe("mulaw");
    const n = wav.samples.length;
    const result = await sim.sendAudio(MULAW_WAV, { pace: "fast" });
    expect(result).toEqual({ chunks: Math.ceil(n / 160), samples: n, complete: true });
    await until(() => mediaOf(server.peers[0]!).length === result.chunks);
    const sent = Buffer.concat(
      mediaOf(server.peers[0]!).map((m) => Buffer.from(m.media.payload, "base64")),
    );
    const file = readFileSync(MULAW_WAV);
    // The data chunk ends the file: compare with the raw bytes.
    expect(new Uint8Array(sent.subarray(0, n))).toEqual(
      new Uint8Array(file.subarray(file.length - n)),
    );
    expect(sent.subarray(n).every((b) => b === 0xff)).toBe(true);
  });

  it("sendAudio rejects audio Twilio would not carry, and { mulaw } goes out as is", async () => {
    const server = await startServer();
    const sim = simulator({ url: server.url });
    await expect(sim.sendAudio(new Int16Array(160))).rejects.toThrow(/connect\(\)/);
    await sim.connect();
    await expect(sim.sendAudio(fixturePath("leopard__test.wav"), { pace: "fast" })).rejects.toThrow(
      /8 kHz mono; this file is 16000 Hz/,
    );
    await expect(sim.sendAudio(new Float32Array(160) as never)).rejects.toThrow(TypeError);
    await expect(sim.sendAudio(new Int16Array(160), { pace: "slow" as never })).rejects.toThrow(
      /pace/,
    );
    const raw = Uint8Array.from([0x7f, 0x00, 0x80]);
    expect(await sim.sendAudio({ mulaw: raw }, { pace: "fast" })).toEqual({
      chunks: 1,
      samples: 3,
      complete: true,
    });
    await until(() => mediaOf(server.peers[0]!).length === 1);
    const bytes = Buffer.from(mediaOf(server.peers[0]!)[0].media.payload, "base64");
    expect([...bytes.subarray(0, 4)]).toEqual([0x7f, 0x00, 0x80, 0xff]);
  });

  it("sendDtmf and stop() send the documented messages, then the socket closes", async () => {
    const server = await startServer();
    const sim = simulator({ url: server.url });
    await sim.connect();
    expect(() => sim.sendDtmf("A")).toThrow(/0-9, \* or #/);
    expect(() => sim.sendDtmf("12")).toThrow(TypeError);
    expect(sim.sendDtmf("#")).toBe(true);
    await sim.stop();
    expect(sim.isOpen).toBe(false);
    expect(sim.closeCode).toBe(1000);
    const peer = server.peers[0]!;
    expect((await peer.closed).code).toBe(1000);
    expect(peer.messages.slice(2)).toEqual([
      {
        event: "dtmf",
        streamSid: sim.streamSid,
        sequenceNumber: "2",
        dtmf: { track: "inbound_track", digit: "#" },
      },
      {
        event: "stop",
        sequenceNumber: "3",
        streamSid: sim.streamSid,
        stop: { accountSid: sim.accountSid, callSid: sim.callSid },
      },
    ]);
    expect(sim.sendDtmf("1")).toBe(false);
    expect(await sim.sendAudio(new Int16Array(160), { pace: "fast" })).toEqual({
      chunks: 0,
      samples: 0,
      complete: false,
    });
  });

  it("stop({ close: false }) keeps the socket open for the server to close", async () => {
    const server = await startServer({
      onMessage: (peer, m) => {
        if (m.event === "stop") peer.ws.close(1000, "done");
      },
    });
    const sim = simulator({ url: server.url });
    await sim.connect();
    await sim.stop({ close: false });
    expect(await sim.closed).toEqual({ code: 1000, reason: "done" });
    expect(sim.closeReason).toBe("done");
  });

  it("sendRaw sends text and binary frames untouched", async () => {
    const server = await startServer();
    const sim = simulator({ url: server.url });
    expect(sim.sendRaw("x")).toBe(false);
    await sim.connect();
    expect(sim.sendRaw('{"event":')).toBe(true);
    expect(sim.sendRaw(Uint8Array.from([1, 2, 3]))).toBe(true);
    await until(() => server.peers[0]!.frames.length === 4);
    const frames = server.peers[0]!.frames.slice(2);
    expect(frames[0]).toEqual({ data: '{"event":', binary: false });
    expect(frames[1]?.binary).toBe(true);
    expect([...((frames[1]?.data ?? Buffer.alloc(0)) as Buffer)]).toEqual([1, 2, 3]);
  });

  it("an abort signal stops real-time sending early", async () => {
    const clock = new VirtualClock();
    const server = await startServer();
    const sim = simulator({ url: server.url, clock });
    await sim.connect();
    const ac = new AbortController();
    const sending = sim.sendAudio(new Int16Array(8000), { signal: ac.signal });
    await clock.advance(60);
    ac.abort();
    expect(await sending).toEqual({ chunks: 3, samples: 480, complete: false });
  });
});

describe("TwilioCallSimulator: playback model", () => {
  it("plays server audio in real time on the clock and answers each mark when playback reaches it", async () => {
    const clock = new VirtualClock();
    const first = tone(1600, 1);
    const second = tone(800, 2);
    const server = await startServer({
      onMessage: (peer, m) => {
        if (m.event !== "start") return;
        peer.ws.send(mediaMsg(m.streamSid, first));
        peer.ws.send(markMsg(m.streamSid, "a"));
        peer.ws.send(mediaMsg(m.streamSid, second));
        peer.ws.send(markMsg(m.streamSid, "b"));
      },
    });
    const sim = simulator({ url: server.url, clock });
    await sim.connect();
    await sim.waitFor((s) => s.received.length === 4);
    expect(sim.protocolErrors).toEqual([]);
    expect(sim.receivedMedia.map((m) => [m.samples, m.streamSid, m.accepted])).toEqual([
      [1600, sim.streamSid, true],
      [800, sim.streamSid, true],
    ]);
    expect(sim.playedMs).toBe(0);
    expect(sim.bufferedMs).toBe(300);
    expect(sim.receivedSamples).toBe(2400);

    await clock.advance(199);
    expect(sim.marksEchoed).toEqual([]);
    expect(sim.playedMs).toBe(199);
    await clock.advance(1);
    expect(sim.marksEchoed).toEqual([
      { name: "a", at: 200, queuedAt: 0, flushed: false, sequenceNumber: "2" },
    ]);
    await clock.advance(99);
    expect(sim.marksEchoed).toHaveLength(1);
    await clock.advance(1);
    expect(sim.marksEchoed.map((m) => [m.name, m.at, m.flushed])).toEqual([
      ["a", 200, false],
      ["b", 300, false],
    ]);
    expect(sim.playedMs).toBe(300);
    expect(sim.bufferedMs).toBe(0);
    await clock.advance(1000);
    expect(sim.playedMs).toBe(300);

    // The server sees Twilio's mark messages, byte for byte in the documented shape.
    const peer = server.peers[0]!;
    await until(() => peer.messages.filter((m) => m.event === "mark").length === 2);
    const marks = peer.frames.map((f) => f.data).filter((d) => String(d).includes('"mark"'));
    expect(marks).toEqual([
      `{"event":"mark","sequenceNumber":"2","streamSid":"${sim.streamSid}","mark":{"name":"a"}}`,
      `{"event":"mark","sequenceNumber":"3","streamSid":"${sim.streamSid}","mark":{"name":"b"}}`,
    ]);

    const heard = sim.receivedAudio();
    expect(heard).toEqual(muLawDecode(Uint8Array.from([...first, ...second])));
    expect(sim.receivedMulaw()).toEqual(Uint8Array.from([...first, ...second]));
  });

  it("a mark with nothing buffered is answered at once; later audio starts playing when it arrives", async () => {
    const clock = new VirtualClock();
    let peer: Peer | undefined;
    const server = await startServer({
      onMessage: (p, m) => {
        if (m.event === "start") {
          peer = p;
          p.ws.send(markMsg(m.streamSid, "idle"));
        }
      },
    });
    const sim = simulator({ url: server.url, clock });
    await sim.connect();
    await sim.waitFor((s) => s.marksEchoed.length === 1);
    expect(sim.marksEchoed[0]).toMatchObject({ name: "idle", at: 0, flushed: false });

    await clock.advance(500);
    peer!.ws.send(mediaMsg(sim.streamSid, tone(160)));
    peer!.ws.send(markMsg(sim.streamSid, "after"));
    await sim.waitFor((s) => s.received.length === 3);
    await clock.advance(19);
    expect(sim.marksEchoed).toHaveLength(1);
    await clock.advance(1);
    expect(sim.marksEchoed[1]).toMatchObject({ name: "after", at: 520, queuedAt: 500 });
  });

  it("clear discards the buffer and answers every pending mark at once", async () => {
    const clock = new VirtualClock();
    let peer: Peer | undefined;
    const server = await startServer({
      onMessage: (p, m) => {
        if (m.event !== "start") return;
        peer = p;
        p.ws.send(mediaMsg(m.streamSid, tone(16000))); // 2 s
        p.ws.send(markMsg(m.streamSid, "m1"));
        p.ws.send(mediaMsg(m.streamSid, tone(800))); // 100 ms
        p.ws.send(markMsg(m.streamSid, "m2"));
      },
    });
    const sim = simulator({ url: server.url, clock });
    await sim.connect();
    await sim.waitFor((s) => s.received.length === 4);
    await clock.advance(500);
    expect(sim.playedMs).toBe(500);
    peer!.ws.send(clearMsg(sim.streamSid));
    await sim.waitFor((s) => s.clears.length === 1);
    expect(sim.clears[0]).toEqual({
      at: 500,
      streamSid: sim.streamSid,
      discardedSamples: 12000 + 800,
      discardedMs: 1600,
      flushedMarks: ["m1", "m2"],
      accepted: true,
    });
    expect(sim.marksEchoed.map((m) => [m.name, m.at, m.flushed])).toEqual([
      ["m1", 500, true],
      ["m2", 500, true],
    ]);
    expect(sim.bufferedMs).toBe(0);
    await clock.advance(3000);
    expect(sim.playedMs).toBe(500);
    await until(() => peer!.messages.filter((m) => m.event === "mark").length === 2);

    // Audio after the clear plays from when it arrives.
    peer!.ws.send(mediaMsg(sim.streamSid, tone(160)));
    await sim.waitFor((s) => s.receivedMedia.length === 3);
    await clock.advance(20);
    expect(sim.playedMs).toBe(520);
    // A clear with nothing buffered is recorded with nothing discarded.
    peer!.ws.send(clearMsg(sim.streamSid));
    await sim.waitFor((s) => s.clears.length === 2);
    expect(sim.clears[1]).toMatchObject({ discardedSamples: 0, flushedMarks: [], accepted: true });
  });

  it("records messages Twilio would reject, and does not play them", async () => {
    const server = await startServer({
      onMessage: (p, m) => {
        if (m.event !== "start") return;
        const sid = m.streamSid;
        p.ws.send(mediaMsg("MZ-someone-else", tone(160)));
        p.ws.send(JSON.stringify({ event: "media", media: { payload: b64(tone(160)) } }));
        p.ws.send(JSON.stringify({ event: "media", streamSid: sid, media: { payload: "%%%" } }));
        p.ws.send(JSON.stringify({ event: "media", streamSid: sid, media: {} }));
        p.ws.send(JSON.stringify({ event: "mark", streamSid: sid, mark: {} }));
        p.ws.send(JSON.stringify({ event: "clear", streamSid: "MZ-nope" }));
        p.ws.send(JSON.stringify({ event: "foo", streamSid: sid }));
        p.ws.send(JSON.stringify({ streamSid: sid }));
        p.ws.send("not json");
        p.ws.send(Buffer.from([1, 2, 3]));
        // Valid, with an extra field: noted, still played.
        p.ws.send(
          JSON.stringify({
            event: "media",
            streamSid: sid,
            media: { payload: b64(tone(160)), track: "outbound" },
          }),
        );
      },
    });
    const clock = new VirtualClock();
    const sim = simulator({ url: server.url, clock });
    await sim.connect();
    await sim.waitFor((s) => s.received.length === 11);
    expect(sim.protocolErrors.map((e) => e.kind)).toEqual([
      "wrong-stream-sid",
      "missing-field",
      "bad-payload",
      "missing-field",
      "missing-field",
      "wrong-stream-sid",
      "unknown-event",
      "missing-field",
      "not-json",
      "binary-frame",
      "extra-field",
    ]);
    expect(sim.receivedMedia.map((m) => [m.streamSid, m.accepted])).toEqual([
      ["MZ-someone-else", false],
      [undefined, false],
      [sim.streamSid, true],
    ]);
    expect(sim.clears).toEqual([expect.objectContaining({ accepted: false, discardedSamples: 0 })]);
    expect(sim.bufferedSamples).toBe(160);
    expect(sim.receivedAudio()).toHaveLength(160);
    expect(sim.received[8]).toMatchObject({ raw: "not json", message: undefined });
    expect(sim.received[9]?.raw).toEqual(Uint8Array.from([1, 2, 3]));
  });

  it("when the server closes: close code and reason recorded, sending stops, playback freezes", async () => {
    const server = await startServer({
      onMessage: (p, m) => {
        if (m.event === "start") p.ws.send(mediaMsg(m.streamSid, tone(8000)));
        if (m.event === "media" && m.media.chunk === "3") p.ws.close(4000, "bye");
      },
    });
    const sim = simulator({ url: server.url });
    await sim.connect();
    const result = await sim.sendAudio(new Int16Array(8000)); // 1 s in real time
    expect(result.complete).toBe(false);
    expect(result.chunks).toBeGreaterThanOrEqual(3);
    expect(result.chunks).toBeLessThan(50);
    expect(sim.closeCode).toBe(4000);
    expect(sim.closeReason).toBe("bye");
    expect(sim.isOpen).toBe(false);
    const played = sim.playedSamples;
    expect(played).toBeGreaterThan(0);
    expect(played + sim.bufferedSamples).toBe(8000);
    await new Promise((r) => setTimeout(r, 30));
    expect(sim.playedSamples).toBe(played);
  });
});

describe("TwilioCallSimulator: connection handling and waitFor", () => {
  it("connect() rejects when the server refuses the upgrade", async () => {
    const server = await startServer({ reject: 403 });
    const sim = simulator({ url: server.url, authToken: "wrong" });
    await expect(sim.connect()).rejects.toThrow(/403/);
    expect(sim.isOpen).toBe(false);
    await expect(sim.connect()).rejects.toThrow(/already/);
  });

  it("connect() rejects when nothing listens", async () => {
    const server = await startServer();
    const url = server.url;
    await server.close();
    servers.length = 0;
    const sim = simulator({ url });
    await expect(sim.connect()).rejects.toThrow(/could not connect/);
  });

  it("waitFor resolves on the event that makes the predicate true and times out with a summary", async () => {
    const server = await startServer({
      onMessage: (p, m) => {
        if (m.event === "start") setTimeout(() => p.ws.send(mediaMsg(m.streamSid, tone(160))), 20);
      },
    });
    const sim = simulator({ url: server.url });
    await sim.connect();
    await sim.waitFor((s) => s.receivedMedia.length === 1, 2000);
    await expect(sim.waitFor((s) => s.clears.length > 0, 50)).rejects.toThrow(
      /timed out after 50 ms; received \{"media":1\}, media 1/,
    );
    await expect(
      sim.waitFor(() => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
  });

  it("rejects a constructor call without a url", () => {
    expect(() => new TwilioCallSimulator({} as never)).toThrow(/url/);
  });
});
