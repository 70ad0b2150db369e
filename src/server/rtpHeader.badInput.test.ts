/**
 * Bad input on the media path: an RTP packet whose header extension claims more bytes than the
 * packet has. werift's own parser walks such a block to its declared end, copying its list of
 * extensions at each step (about 30 s of the event loop for 16,384 words), and runs it before the
 * packet is authenticated; the server parses headers itself (rtpHeaderParser.ts) and drops the
 * packet. The sender and every other session keep working.
 */
import { afterEach, describe, expect, it } from "vitest";
import { NodeAudioClient, type ReceivedAudio } from "../client/node.js";
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

/** A connected client whose echoed (non-silent) frames are counted. */
async function echoClient(url: string, id: string) {
  const client = new NodeAudioClient({ url, webrtcId: id });
  clients.push(client);
  let heard = 0;
  client.on("audio", (a: ReceivedAudio) => {
    if (!a.concealed && a.samples.some((v) => Math.abs(v) > 1000)) heard++;
  });
  await client.connect();
  return { client, heard: () => heard };
}

/** Sends `frames` 20 ms frames of a 440 Hz tone, paced. */
async function sendTone(client: NodeAudioClient, frames: number): Promise<void> {
  const tone = new Int16Array(960);
  for (let f = 0; f < frames; f++) {
    for (let i = 0; i < 960; i++)
      tone[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (f * 960 + i)) / 48000));
    client.sendAudio([48000, tone]);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("RTP header extension longer than the packet", () => {
  it("is dropped at once: the sender and another session still get their echo", async () => {
    const stream = new Stream({ handler: new FrameEcho() });
    const server = await stream.launch({ port: 0 });
    servers.push(server);
    const attacker = await echoClient(server.url, "bomb-sender");
    const bystander = await echoClient(server.url, "bomb-bystander");

    // RTP version 2 with the extension bit, one-byte profile, 65,535 words declared, 32 bytes present (SRTP parses all but the 10-byte tag);
    // sent as it is on the peer's ICE path, so the server's SRTP layer parses its header.
    const bomb = Buffer.from(`90ef1234000003c0deadbeefbedeffff10ff${"00".repeat(30)}`, "hex");
    const pc = attacker.client.peerConnection;
    const dtls = pc?.dtlsTransports[0];
    if (!dtls) throw new Error("no DTLS transport");
    for (let i = 0; i < 5; i++) await dtls.iceTransport.connection.send(bomb);

    await Promise.all([sendTone(attacker.client, 40), sendTone(bystander.client, 40)]);
    await waitFor(
      () => attacker.heard() >= 10 && bystander.heard() >= 10,
      10_000,
      "both sessions echoed after the malformed packets",
    );
    expect(stream.isLive("bomb-sender")).toBe(true);
    expect(stream.isLive("bomb-bystander")).toBe(true);
  }, 30_000);
});
