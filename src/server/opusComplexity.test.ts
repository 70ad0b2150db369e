/**
 * `opusComplexity`: refused when out of range; a WebRTC echo through a server encoding at a low
 * complexity still sends the client its audio back.
 */
import { afterAll, describe, expect, it } from "vitest";
import { NodeAudioClient, type ReceivedAudio } from "../client/node.js";
import { Stream } from "./Stream.js";
import type { LaunchedServer } from "./streamTypes.js";
import { FrameEcho } from "./testing/frameEcho.js";
import { waitFor } from "./testing/peers.js";

const servers: LaunchedServer[] = [];
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

  it("a WebRTC echo encoded at complexity 2 reaches the client at its level", async () => {
    const stream = new Stream({ handler: new FrameEcho(), opusComplexity: 2 });
    const server = await stream.launch({ port: 0 });
    servers.push(server);
    const client = new NodeAudioClient({ url: server.url, webrtcId: "opus-2" });
    const heard: ReceivedAudio[] = [];
    client.on("audio", (a: ReceivedAudio) => {
      if (!a.concealed) heard.push(a);
    });
    try {
      await client.connect();
      const tone = new Int16Array(960);
      for (let f = 0; f < 50 && heard.length < 25; f++) {
        for (let i = 0; i < 960; i++)
          tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (f * 960 + i)) / 48000));
        client.sendAudio([48000, tone]);
        await new Promise((r) => setTimeout(r, 20));
      }
      await waitFor(() => heard.length >= 25, 10_000, "echoed audio");
      const last = heard.at(-1)?.samples ?? new Int16Array(0);
      let sum = 0;
      for (const v of last) sum += v * v;
      expect(Math.sqrt(sum / Math.max(1, last.length))).toBeGreaterThan(8000 / Math.SQRT2 / 2);
    } finally {
      await client.stop();
    }
  }, 30_000);
});
