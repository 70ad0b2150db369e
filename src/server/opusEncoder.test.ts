/**
 * `opusComplexity`, `opusApplication`, `opusBitrate`: refused when out of range; a WebRTC echo
 * through a server encoding at a low complexity, or CELT only, still sends the client its audio
 * back, in the mode asked for.
 */
import { afterAll, describe, expect, it } from "vitest";
import type { MediaStreamTrack } from "werift";
import { fixturePath } from "../audio/testing/fixtures.js";
import { readWavFile } from "../audio/wav.js";
import { NodeAudioClient, type ReceivedAudio } from "../client/node.js";
import { Stream } from "./Stream.js";
import type { LaunchedServer } from "./streamTypes.js";
import { FrameEcho } from "./testing/frameEcho.js";
import { waitFor } from "./testing/peers.js";

const servers: LaunchedServer[] = [];
/** `two_turns.wav` at 48 kHz: its first turn starts at 0.5 s (synthetic/MANIFEST.md). */
const SPEECH_START = 24_000;
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe("Stream opusComplexity", () => {
  it("refuses values other than an integer 0..10", () => {
    for (const bad of [-1, 11, 4.5, "3"]) {
      expect(() => new Stream({ handler: new FrameEcho(), opusComplexity: bad as number })).toThrow(
        /opusComplexity must be an integer from 0 to 10/,
      );
    }
    expect(() => new Stream({ handler: new FrameEcho(), opusComplexity: null })).not.toThrow();
  });

  it("refuses an unknown opusApplication and a bitrate out of 6000..510000", () => {
    for (const bad of ["music", 3, "VOIP"]) {
      expect(
        () => new Stream({ handler: new FrameEcho(), opusApplication: bad as "voip" }),
      ).toThrow(/opusApplication must be one of "voip", "audio", "restricted_lowdelay"/);
    }
    for (const bad of [5000, 600_000, 32_000.5, "32000"]) {
      expect(() => new Stream({ handler: new FrameEcho(), opusBitrate: bad as number })).toThrow(
        /opusBitrate must be an integer from 6000 to 510000/,
      );
    }
    expect(
      () => new Stream({ handler: new FrameEcho(), opusApplication: null, opusBitrate: null }),
    ).not.toThrow();
  });

  it("a WebRTC echo encoded at complexity 2 reaches the client at its level", async () => {
    const { level } = await echoThrough(
      new Stream({ handler: new FrameEcho(), opusComplexity: 2 }),
    );
    expect(level).toBeGreaterThan(8000 / Math.SQRT2 / 2);
  }, 30_000);

  it.each([0, 1])(
    "opusApplication restricted_lowdelay at 32 kb/s (media threads: %i): the echo of speech reaches the client in CELT packets only",
    async (threads) => {
      const stream = new Stream({
        handler: new FrameEcho(),
        opusApplication: "restricted_lowdelay",
        opusBitrate: 32_000,
        webrtcMediaThreads: threads,
      });
      const { level, configs } = await echoThrough(stream);
      expect(level).toBeGreaterThan(8000 / Math.SQRT2 / 2);
      expect(configs.length).toBeGreaterThan(0);
      // Opus TOC configurations 16–31 are CELT (RFC 6716, 3.1).
      expect(configs.every((c) => c >= 16)).toBe(true);
    },
    30_000,
  );

  it("by default (voip) the echo of speech reaches the client in SILK or hybrid packets", async () => {
    const { configs } = await echoThrough(new Stream({ handler: new FrameEcho() }), "speech");
    expect(configs.length).toBeGreaterThan(20);
    // Opus TOC configurations 0–15 are SILK or hybrid (RFC 6716, 3.1).
    expect(configs.some((c) => c < 16)).toBe(true);
  }, 30_000);
});

/**
 * Sends a 440 Hz tone (or the speech of `two_turns.wav`, from its first word) through
 * `stream`'s echo and returns the level of the last 20 ms heard and the Opus TOC configuration
 * of every reply packet received.
 */
async function echoThrough(
  stream: Stream,
  signal: "tone" | "speech" = "tone",
): Promise<{ level: number; configs: number[] }> {
  const speech = (await readWavFile(fixturePath("synthetic/48k/two_turns.wav")))
    .samples as Int16Array;
  const server = await stream.launch({ port: 0 });
  servers.push(server);
  const client = new NodeAudioClient({ url: server.url });
  const heard: ReceivedAudio[] = [];
  const configs: number[] = [];
  client.on("audio", (a: ReceivedAudio) => {
    if (!a.concealed) heard.push(a);
  });
  client.on("track", (event) => {
    (event.track as MediaStreamTrack).onReceiveRtp.subscribe((rtp) => {
      configs.push((rtp.payload[0] ?? 0) >> 3);
    });
  });
  try {
    await client.connect();
    const tone = new Int16Array(960);
    for (let f = 0; f < 50 && heard.length < 25; f++) {
      for (let i = 0; i < 960; i++)
        tone[i] =
          signal === "tone"
            ? Math.round(8000 * Math.sin((2 * Math.PI * 440 * (f * 960 + i)) / 48000))
            : (speech[SPEECH_START + f * 960 + i] ?? 0);
      client.sendAudio([48000, tone]);
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(() => heard.length >= 25, 10_000, "echoed audio");
    const last = heard.at(-1)?.samples ?? new Int16Array(0);
    let sum = 0;
    for (const v of last) sum += v * v;
    return { level: Math.sqrt(sum / Math.max(1, last.length)), configs };
  } finally {
    await client.stop();
  }
}
