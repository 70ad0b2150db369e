import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AudioChunk } from "../audio/types.js";
import type { EmitType } from "../handlers/emit.js";
import { AsyncStreamHandler } from "../handlers/StreamHandler.js";
import { Stream } from "./Stream.js";
import type { LaunchedServer } from "./streamTypes.js";
import { openWs, type WsPeer } from "./testing/wsPeer.js";

/** Sends every received frame straight back: a neighbour that keeps replying. */
class FrameEcho extends AsyncStreamHandler {
  readonly #frames: AudioChunk[] = [];
  constructor() {
    super({ inputSampleRate: 24000, outputSampleRate: 24000 });
  }
  async receive(frame: AudioChunk): Promise<void> {
    this.#frames.push(frame);
  }
  async emit(): Promise<EmitType> {
    return this.#frames.shift() ?? null;
  }
  copy(): FrameEcho {
    return new FrameEcho();
  }
}

let stream: Stream;
let server: LaunchedServer;
let url: string;
let neighbour: WsPeer;

function frame(): Int16Array {
  const s = new Int16Array(480);
  for (let i = 0; i < s.length; i++) s[i] = Math.round(6000 * Math.sin(i / 5));
  return s;
}

/** The neighbour sends one frame and must get one frame of audio back. */
async function neighbourStillServed(): Promise<void> {
  const before = neighbour.of("media").length;
  neighbour.sendAudio(frame());
  await neighbour.waitFor(() => neighbour.of("media").length > before, "neighbour reply");
}

async function fresh(id: string | null): Promise<WsPeer> {
  const peer = await openWs(url);
  if (id !== null) peer.send({ event: "start", websocket_id: id });
  return peer;
}

beforeAll(async () => {
  stream = new Stream({ handler: new FrameEcho(), maxMessageBytes: 1 << 20 });
  server = await stream.launch({ port: 0 });
  url = `${server.url.replace(/^http/, "ws")}/websocket/offer`;
  neighbour = await fresh("neighbour");
  await neighbourStillServed();
});

afterAll(async () => {
  await neighbour.close();
  await server.close();
});

describe("WebSocket bad input: a clear error or close, the neighbour unaffected", () => {
  const errorCases: Array<[string, string, string]> = [
    ["not JSON", "{not json", "Message is not valid JSON"],
    ["a JSON array", "[1,2]", "Message must be a JSON object"],
    ["no event", JSON.stringify({ media: { payload: "" } }), 'Message has no "event" string'],
    ["event of the wrong type", JSON.stringify({ event: 7 }), 'Message has no "event" string'],
    [
      "media without payload",
      JSON.stringify({ event: "media", media: {} }),
      '"media" message needs a "media.payload" base64 string',
    ],
    [
      "bad base64",
      JSON.stringify({ event: "media", media: { payload: "!!not base64!!" } }),
      '"media.payload" is not valid base64',
    ],
  ];
  for (const [name, raw, message] of errorCases) {
    it(`${name} -> {"type":"error"} and the socket stays usable`, async () => {
      const peer = await fresh(`bad-${name}`);
      peer.sendRaw(raw);
      await peer.waitFor(() => peer.of("error").length === 1, "error");
      expect(peer.of("error")[0]).toEqual({ type: "error", message });
      peer.send({ event: "ping" });
      await peer.waitFor(() => peer.of("pong").length === 1, "pong after the error");
      await peer.close();
      await neighbourStillServed();
    });
  }

  it("media before start -> error, and start still works afterwards", async () => {
    const peer = await fresh(null);
    peer.sendAudio(frame());
    await peer.waitFor(() => peer.of("error").length === 1, "error");
    expect(peer.of("error")[0]).toEqual({ type: "error", message: '"media" before "start"' });
    peer.send({ event: "start", websocket_id: "late-start" });
    peer.sendAudio(frame());
    await peer.waitFor(() => peer.of("media").length === 1, "echo after start");
    await peer.close();
    await neighbourStillServed();
  });

  it("an unknown event is ignored, as FastRTC (Twilio sends events we do not need)", async () => {
    const peer = await fresh("unknown-event");
    peer.send({ event: "something-else", x: 1 });
    peer.send({ event: "ping" });
    await peer.waitFor(() => peer.of("pong").length === 1, "pong");
    expect(peer.of("error")).toHaveLength(0);
    await peer.close();
  });

  it("an odd byte count is one sample per byte (µ-law), echoed intact", async () => {
    const peer = await fresh("odd-bytes");
    peer.sendAudio(frame().subarray(0, 479)); // 479 samples = 479 bytes
    peer.sendAudio(frame().subarray(0, 479));
    await peer.waitFor(() => peer.audio().length >= 479, "echo");
    expect(peer.of("error")).toHaveLength(0);
    await peer.close();
  });

  it("a start without websocket_id -> error, then close 1008", async () => {
    const peer = await fresh(null);
    peer.send({ event: "start" });
    const closed = await peer.waitClosed();
    expect(peer.of("error")[0]).toEqual({
      type: "error",
      message: '"start" needs a non-empty "websocket_id" string',
    });
    expect(closed.code).toBe(1008);
    await neighbourStillServed();
  });

  it("a duplicate start -> error, the session goes on", async () => {
    const peer = await fresh("dup-start");
    peer.send({ event: "start", websocket_id: "dup-start-2" });
    await peer.waitFor(() => peer.of("error").length === 1, "error");
    expect(peer.of("error")[0]).toEqual({ type: "error", message: 'Duplicate "start" message' });
    peer.sendAudio(frame());
    await peer.waitFor(() => peer.of("media").length === 1, "echo");
    await peer.close();
  });

  it("a binary frame -> error", async () => {
    const peer = await fresh("binary");
    peer.sendRaw(Buffer.from([1, 2, 3]));
    await peer.waitFor(() => peer.of("error").length === 1, "error");
    expect(String(peer.of("error")[0]?.message)).toMatch(/Binary frames are not supported/);
    await peer.close();
  });

  it("a 10 MB message closes that socket with 1009 only", async () => {
    const peer = await fresh("huge");
    const payload = "A".repeat(10 * 1024 * 1024);
    peer.sendRaw(JSON.stringify({ event: "media", media: { payload } }));
    const closed = await peer.waitClosed();
    expect(closed.code).toBe(1009);
    await neighbourStillServed();
    expect(stream.handlers.has("huge")).toBe(false);
  });

  it("too many invalid messages close the socket with 1008", async () => {
    const peer = await fresh("spammer");
    for (let i = 0; i < 25; i++) peer.sendRaw("nope");
    const closed = await peer.waitClosed();
    expect(closed).toEqual({ code: 1008, reason: "too many invalid messages" });
    await neighbourStillServed();
  });

  it("after all of it, only the neighbour holds a slot", async () => {
    await neighbour.waitFor(() => stream.liveConnections === 1, "slots freed");
    expect([...stream.handlers.keys()]).toEqual(["neighbour"]);
  });
});
