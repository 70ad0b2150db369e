/**
 * `webrtcMediaThreads`: WebRTC peers hosted by worker threads. The option is validated; a
 * werift client talks to an echo through a media thread (audio both ways, data-channel text);
 * a bad offer is refused with 400 while a neighbour keeps talking; a client that leaves frees
 * its slot; a stopped thread ends its peers' connections.
 */
import { afterAll, describe, expect, it } from "vitest";
import { NodeAudioClient, type ReceivedAudio } from "../client/node.js";
import type { EmitType } from "../handlers/emit.js";
import { AsyncStreamHandler } from "../handlers/StreamHandler.js";
import { tone as toneAt } from "../handlers/testing/fakes.js";
import { configureLogger, type LogSink } from "../logger.js";
import { MediaThreadPool } from "../transports/webrtc/mediaThread/MediaThreadPool.js";
import type { PeerState } from "../transports/webrtc/webrtcTypes.js";
import { VirtualClock } from "../utils/clock.js";
import { Stream } from "./Stream.js";
import type { InterruptionEvent } from "./streamEvents.js";
import type { LaunchedServer } from "./streamTypes.js";
import { FrameEcho } from "./testing/frameEcho.js";
import { waitFor } from "./testing/peers.js";

const servers: LaunchedServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** One second of 440 Hz at 48 kHz: a whole number of cycles, so its 20 ms slices loop smoothly. */
const SECOND_OF_TONE = toneAt(1, 48000, 440, 8000);

/** Sends 20 ms tone frames until `enough()` or `frames` were sent. */
async function speak(client: NodeAudioClient, frames: number, enough: () => boolean) {
  for (let f = 0; f < frames && !enough(); f++) {
    const at = (f % 50) * 960;
    client.sendAudio([48000, SECOND_OF_TONE.subarray(at, at + 960)]);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const v of samples) sum += v * v;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

describe("Stream webrtcMediaThreads", () => {
  it("refuses values other than an integer 0..64", () => {
    for (const bad of [-1, 65, 1.5, "1", null]) {
      expect(
        () => new Stream({ handler: new FrameEcho(), webrtcMediaThreads: bad as number }),
      ).toThrow(/webrtcMediaThreads must be an integer from 0 to 64/);
    }
    expect(() => new Stream({ handler: new FrameEcho(), webrtcMediaThreads: 0 })).not.toThrow();
  });

  it("refuses media threads on a virtual clock (their pacing is in real time)", () => {
    const clock = new VirtualClock();
    expect(() => new Stream({ handler: new FrameEcho(), webrtcMediaThreads: 1, clock })).toThrow(
      /webrtcMediaThreads needs the real clock/,
    );
    expect(
      () => new Stream({ handler: new FrameEcho(), webrtcMediaThreads: 0, clock }),
    ).not.toThrow();
  });

  it("an echo through a media thread: audio both ways, data-channel text, slot freed on leave", async () => {
    const stream = new Stream({ handler: new FrameEcho(), webrtcMediaThreads: 1 });
    const server = await stream.launch({ port: 0 });
    servers.push(server);
    const client = new NodeAudioClient({ url: server.url, webrtcId: "thread-echo" });
    const heard: ReceivedAudio[] = [];
    client.on("audio", (a: ReceivedAudio) => {
      if (!a.concealed) heard.push(a);
    });
    const logs: unknown[] = [];
    client.on("log", (m: unknown) => logs.push(m));
    try {
      await client.connect();
      expect(stream.liveConnections).toBe(1);
      await speak(client, 100, () => heard.length >= 25);
      await waitFor(() => heard.length >= 25, 10_000, "echoed audio");
      expect(rms(heard.at(-1)?.samples ?? new Int16Array(0))).toBeGreaterThan(
        8000 / Math.SQRT2 / 2,
      );
      client.send("hello");
      await waitFor(
        () => logs.some((m) => (m as { data?: unknown }).data === "Server received: hello"),
        5_000,
        "the data-channel echo",
      );
    } finally {
      await client.stop();
    }
    await waitFor(() => stream.liveConnections === 0, 10_000, "the slot to be freed");
  }, 30_000);

  it("a malformed offer gets 400 and a neighbour on the same thread keeps its echo", async () => {
    const stream = new Stream({ handler: new FrameEcho(), webrtcMediaThreads: 1 });
    const server = await stream.launch({ port: 0 });
    servers.push(server);
    const client = new NodeAudioClient({ url: server.url, webrtcId: "thread-neighbour" });
    let heard = 0;
    client.on("audio", (a: ReceivedAudio) => {
      if (!a.concealed) heard++;
    });
    try {
      await client.connect();
      for (const sdp of ["v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF\r\n", "hello", "v=0\r\nx"]) {
        const res = await fetch(`${server.url}/webrtc/offer`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ sdp, type: "offer", webrtc_id: `bad-${sdp.length}` }),
        });
        expect(res.status).toBe(400);
      }
      await speak(client, 100, () => heard >= 25);
      await waitFor(() => heard >= 25, 10_000, "the neighbour's echo");
      expect(stream.liveConnections).toBe(1);
    } finally {
      await client.stop();
    }
  }, 30_000);
});

/** Replies once with 8 s of tone (in one piece: the session frames and paces it). */
class LongReply extends AsyncStreamHandler {
  #sent = false;
  constructor() {
    super({ inputSampleRate: 24000, outputSampleRate: 24000 });
  }
  async receive(): Promise<void> {}
  async emit(): Promise<EmitType> {
    if (this.#sent) return null;
    this.#sent = true;
    return [24000, toneAt(8, 24000, 300, 6000)];
  }
  copy(): LongReply {
    return new LongReply();
  }
}

describe.each([0, 1])("an interruption (webrtcMediaThreads: %i)", (mediaThreads) => {
  it("stops the reply at the client: what was queued (on the thread too) is dropped", async () => {
    const events: InterruptionEvent[] = [];
    const stream = new Stream({ handler: new LongReply(), webrtcMediaThreads: mediaThreads });
    stream.on("interrupted", (e) => events.push(e));
    const server = await stream.launch({ port: 0 });
    servers.push(server);
    const id = `interrupt-${mediaThreads}`;
    const client = new NodeAudioClient({ url: server.url, webrtcId: id });
    let replyFrames = 0;
    client.on("audio", (a: ReceivedAudio) => {
      if (!a.concealed && rms(a.samples) > 1000) replyFrames++;
    });
    try {
      await client.connect();
      await waitFor(() => replyFrames >= 50, 15_000, "1 s of the reply");
      stream.handlers.get(id)?.clearQueue();
      await waitFor(() => events.length >= 1, 5_000, "the interrupted event");
      const atEvent = replyFrames;
      await new Promise((r) => setTimeout(r, 1000));
      // What was on its way arrives; the remaining seconds of the 8 s reply do not.
      expect(replyFrames - atEvent).toBeLessThan(25);
      const e = events[0] as InterruptionEvent;
      expect(e.transport).toBe("webrtc");
      expect(e.sentMs).toBeGreaterThanOrEqual(900);
      expect(e.droppedMs).toBeGreaterThan(5000);
      expect(e.sentMs + e.droppedMs).toBe(8000);
    } finally {
      await client.stop();
    }
  }, 30_000);
});

describe("MediaThreadPool", () => {
  it("a stopped pool ends its peers (failed, then closed) and refuses new ones", async () => {
    const pool = new MediaThreadPool(1);
    const states: PeerState[] = [];
    const peer = pool.open({}, { onStateChange: (s) => states.push(s) });
    await expect(peer.applyOffer("not sdp")).rejects.toThrow(/not an SDP session description/);
    expect(pool.peers).toBe(1);
    await pool.close();
    expect(states).toEqual(["failed", "closed"]);
    expect(peer.state).toBe("closed");
    expect(peer.sendAudio(new Int16Array(480), 24000, false)).toBe(0);
    expect(peer.sendMessage("x")).toBe(false);
    await expect(peer.createAnswer()).rejects.toThrow(/closed/);
    await peer.close();
    expect(() => pool.open({}, {})).toThrow(/closed/);
  });

  it("the thread's log records reach the main thread's logger, errors with their stack", async () => {
    const records: { level: string; message: string; fields: Record<string, unknown> }[] = [];
    const capture = (level: string) => (message: string, fields?: Record<string, unknown>) =>
      void records.push({ level, message, fields: fields ?? {} });
    const sink: LogSink = {
      debug: capture("debug"),
      info: capture("info"),
      warn: capture("warn"),
      error: capture("error"),
    };
    configureLogger({ level: "debug", sink });
    const pool = new MediaThreadPool(1);
    try {
      const peer = pool.open({}, {});
      // No transceiver has this mid: the thread's peer throws, the thread logs it.
      peer.acceptAudio({ kind: "audio", mid: "nope", direction: "sendrecv" }, "sendrecv");
      await waitFor(
        () => records.some((r) => r.message === "media thread request failed"),
        5_000,
        "the forwarded record",
      );
      const forwarded = records.find((r) => r.message === "media thread request failed");
      expect(forwarded?.level).toBe("debug");
      expect(forwarded?.fields.component).toBe("webrtc");
      const err = forwarded?.fields.err;
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/No transceiver for mid nope/);
      expect((err as Error).stack).toMatch(/WebRtcConnection/);
      await waitFor(
        () => records.some((r) => r.level === "warn" && /request failed/.test(r.message)),
        5_000,
        "the main thread's warning",
      );
      await peer.close();
    } finally {
      configureLogger({ level: "warn" });
      await pool.close();
    }
  });

  it("a werift error on the thread comes back with its class (400 for a bad offer)", async () => {
    const pool = new MediaThreadPool(1);
    try {
      const peer = pool.open({}, {});
      // Well-formed lines but no usable media: werift refuses it on the thread.
      const err = await peer
        .applyOffer("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=text 9 RTP/AVP 0\r\n")
        .catch((e: unknown) => e);
      expect((err as Error).name).toBe("InvalidSdpError");
      await peer.close();
      expect(pool.peers).toBe(0);
    } finally {
      await pool.close();
    }
  });
});
