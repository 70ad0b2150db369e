/**
 * Issue 12, D5: `NodeAudioClient.stop()` must be noticed by the server every time, so the slot
 * is free before the next client connects (without the fix about 1 in 4 stops went unnoticed
 * and the slot was held ~30 s, until ICE consent expired).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeAudioClient } from "../client/node.js";
import { Stream } from "./Stream.js";
import type { LaunchedServer } from "./streamTypes.js";
import { FrameEcho } from "./testing/frameEcho.js";
import { waitFor } from "./testing/peers.js";

let stream: Stream;
let server: LaunchedServer;

beforeAll(async () => {
  stream = new Stream({
    handler: new FrameEcho(),
    concurrencyLimit: 1,
  });
  server = await stream.launch({ port: 0 });
});

afterAll(async () => {
  await server.close();
});

describe("NodeAudioClient.stop() frees the server slot every time (D5)", () => {
  it("20 connect/stop cycles in a row on a server with one slot", async () => {
    let disconnects = 0;
    stream.on("disconnect", () => disconnects++);
    for (let i = 0; i < 20; i++) {
      const client = new NodeAudioClient({ url: server.url, webrtcId: `stop-${i}` });
      await client.connect();
      await waitFor(() => stream.isLive(`stop-${i}`), 5000, `slot ${i} taken`);
      await client.stop();
      // Generous bound: the close reaches the server in milliseconds; ICE consent would take 30 s.
      await waitFor(() => stream.liveConnections === 0, 5000, `slot ${i} freed after stop()`);
      expect(disconnects).toBe(i + 1);
    }
  }, 120_000);
});
