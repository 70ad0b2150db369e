/**
 * When the server ends a WebRTC session (`closeConnection`, the dead-peer watchdog, a time
 * limit), the client learns it at once: the server closes its data channel and waits for the
 * client's acknowledgement before it closes the peer (werift sends no DTLS close alert, so
 * without the channel's close the client would stay "connected" until ICE consent expires,
 * ~30 s, and keep sending into nothing).
 */
import { afterEach, describe, expect, it } from "vitest";
import { NodeAudioClient } from "../client/node.js";
import { Stream } from "./Stream.js";
import type { LaunchedServer } from "./streamTypes.js";
import { FrameEcho } from "./testing/frameEcho.js";
import { waitFor } from "./testing/peers.js";

const servers: LaunchedServer[] = [];
const clients: NodeAudioClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("the server ends a WebRTC session", () => {
  it("closeConnection(): the client's state becomes closed well before ICE consent would expire", async () => {
    const stream = new Stream({ handler: new FrameEcho() });
    const server = await stream.launch({ port: 0 });
    servers.push(server);
    const client = new NodeAudioClient({ url: server.url, webrtcId: "ended-by-server" });
    clients.push(client);
    await client.connect();
    await waitFor(() => stream.isLive("ended-by-server"), 5000, "session live");
    expect(await stream.closeConnection("ended-by-server")).toBe(true);
    await waitFor(() => client.state === "closed", 5000, "client closed");
    expect(client.state).toBe("closed");
  }, 20_000);

  it("a client silent past inactivityTimeout is ended, and learns it", async () => {
    const stream = new Stream({ handler: new FrameEcho(), inactivityTimeout: 1 });
    const server = await stream.launch({ port: 0 });
    servers.push(server);
    const client = new NodeAudioClient({ url: server.url, webrtcId: "silent" });
    clients.push(client);
    await client.connect();
    await waitFor(() => !stream.isLive("silent"), 10_000, "session ended by the watchdog");
    await waitFor(() => client.state === "closed", 5000, "client closed");
    expect(client.state).toBe("closed");
  }, 30_000);
});
