import { afterEach, describe, expect, it } from "vitest";
import { RtpHeader, RtpPacket } from "werift";
import { downmixToMono } from "../audio/convert.js";
import { OpusStreamDecoder } from "../transports/webrtc/opus.js";
import { OpusPacketizer } from "../transports/webrtc/opusPacketizer.js";
import { NodeAudioClient, type NodeAudioClientOptions, type ReceivedAudio } from "./node.js";
import {
  FakeFastRTCServer,
  type FakeServerOptions,
  waitConnected,
} from "./testing/weriftServer.js";

const clients: NodeAudioClient[] = [];
const servers: FakeFastRTCServer[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function setup(serverOptions: FakeServerOptions = {}, clientOptions: NodeAudioClientOptions = {}) {
  const server = new FakeFastRTCServer(serverOptions);
  servers.push(server);
  const client = new NodeAudioClient({
    url: "http://fastrtc.test",
    fetch: server.fetch,
    connectTimeoutMs: 10_000,
    ...clientOptions,
  });
  clients.push(client);
  return { server, client };
}

function tone(rate: number, hz: number, seconds: number, amplitude: number): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) {
    out[i] = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * hz * i) / rate));
  }
  return out;
}

/** Dominant frequency from upward zero crossings, and RMS (int16 units). */
function analyse(samples: Int16Array, rate: number): { hz: number; rms: number } {
  let crossings = 0;
  let energy = 0;
  for (let i = 1; i < samples.length; i++) {
    if (samples[i - 1]! < 0 && samples[i]! >= 0) crossings++;
    energy += samples[i]! * samples[i]!;
  }
  return { hz: (crossings * rate) / samples.length, rms: Math.sqrt(energy / samples.length) };
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("NodeAudioClient", () => {
  it("sends paced Opus RTP that decodes on the server to the tone that was played", async () => {
    const { server, client } = setup();
    await client.connect();
    const conn = server.only();
    expect(conn.offerSdp).toMatch(/m=audio .*\r?\n(.*\r?\n)*a=sendrecv/);
    await waitConnected(conn.pc);

    const started = performance.now();
    await client.playAudio([16000, tone(16000, 440, 0.6, 0.3)]);
    const elapsed = performance.now() - started;
    // Paced in real time: 0.6 s of audio is not sent at once (no upper bound: a slow host only delays).
    expect(elapsed).toBeGreaterThan(560);
    // 0.6 s = 30 frames; the resampler holds back a few samples, so the last one may wait
    expect(client.packetsSent).toBeGreaterThanOrEqual(29);
    await waitFor(() => conn.received.length >= client.packetsSent);

    const received = [...conn.received].sort(
      (a, b) => ((a.header.sequenceNumber - b.header.sequenceNumber + 0x8000) & 0xffff) - 0x8000,
    );
    const decoder = new OpusStreamDecoder();
    const pcm = concat(received.map((p) => downmixToMono(decoder.decode(p.payload), 2)));
    expect(pcm.length).toBe(received.length * 960);
    const { hz, rms } = analyse(pcm.subarray(4800), 48000); // skip 100 ms of codec warm-up
    expect(hz).toBeGreaterThan(430);
    expect(hz).toBeLessThan(450);
    const expectedRms = (0.3 * 32767) / Math.SQRT2;
    expect(rms).toBeGreaterThan(expectedRms * 0.7);
    expect(rms).toBeLessThan(expectedRms * 1.3);
    expect(received[0]!.header.marker).toBe(true);
    expect(received[0]!.header.payloadType).toBe(conn.audioTransceiver?.codecs[0]?.payloadType);
  });

  it("receives the server's Opus RTP as 48 kHz mono `audio` events", async () => {
    const { server, client } = setup({ sendAudio: true });
    const audio: ReceivedAudio[] = [];
    client.on("audio", (a) => audio.push(a));
    const track = new Promise((resolve) => client.once("track", resolve));
    await client.connect();
    await track;
    const conn = server.only();
    await waitConnected(conn.pc);
    const sender = conn.audioTransceiver!.sender;

    const packetizer = new OpusPacketizer();
    const payloads = packetizer.push(tone(48000, 660, 0.4, 0.25), 48000, true);
    expect(payloads).toHaveLength(20);
    for (const p of payloads) {
      const header = new RtpHeader({
        sequenceNumber: p.sequenceNumber,
        timestamp: p.timestamp,
        marker: p.marker,
        payloadType: 111,
      });
      await sender.sendRtp(new RtpPacket(header, Buffer.from(p.payload)));
      await new Promise((r) => setTimeout(r, 2));
    }
    await waitFor(() => audio.length >= 20);

    expect(client.packetsReceived).toBe(20);
    expect(
      audio.every((a) => !a.concealed && a.samples.length === 960 && a.sampleRate === 48000),
    ).toBe(true);
    for (let i = 1; i < audio.length; i++) {
      expect((audio[i]!.rtp.sequenceNumber - audio[i - 1]!.rtp.sequenceNumber) & 0xffff).toBe(1);
      expect(audio[i]!.receivedAt).toBeGreaterThanOrEqual(audio[i - 1]!.receivedAt);
    }
    expect(audio[0]!.rtp.marker).toBe(true);
    const { hz, rms } = analyse(concat(audio.map((a) => a.samples)).subarray(4800), 48000);
    expect(hz).toBeGreaterThan(650);
    expect(hz).toBeLessThan(670);
    expect(rms).toBeGreaterThan(((0.25 * 32767) / Math.SQRT2) * 0.7);
  });

  it("conceals a lost packet and reports it", async () => {
    const { server, client } = setup({ sendAudio: true }, { mode: "receive" });
    const audio: ReceivedAudio[] = [];
    client.on("audio", (a) => audio.push(a));
    await client.connect();
    const conn = server.only();
    await waitConnected(conn.pc);
    const payloads = new OpusPacketizer().push(tone(48000, 500, 0.2, 0.2), 48000, true);
    const lost = payloads[5]!.sequenceNumber;
    for (const p of payloads) {
      if (p.sequenceNumber === lost) continue;
      const header = new RtpHeader({
        sequenceNumber: p.sequenceNumber,
        timestamp: p.timestamp,
        marker: p.marker,
        payloadType: 111,
      });
      await conn.audioTransceiver!.sender.sendRtp(new RtpPacket(header, Buffer.from(p.payload)));
      await new Promise((r) => setTimeout(r, 2));
    }
    await waitFor(() => audio.length >= 10);
    expect(client.packetsReceived).toBe(9);
    expect(client.packetsLost).toBe(1);
    expect(audio.map((a) => a.concealed)).toEqual([
      ...Array<boolean>(5).fill(false),
      true,
      ...Array<boolean>(4).fill(false),
    ]);
    const concealed = audio[5]!;
    expect(concealed.rtp.sequenceNumber).toBe(lost);
    expect(concealed.rtp.timestamp).toBe(payloads[5]!.timestamp);
    expect(concealed.samples).toHaveLength(960);
  });

  it("receive mode negotiates recvonly audio and refuses to send", async () => {
    const { server, client } = setup({ sendAudio: true }, { mode: "receive" });
    await client.connect();
    expect(server.only().offerSdp).toMatch(/a=recvonly/);
    expect(() => client.sendAudio([48000, new Int16Array(960)])).toThrow(/receive mode/);
  });

  it("sendAudio needs a connected client; realtime:false sends at once", async () => {
    const { server, client } = setup();
    expect(() => client.sendAudio([48000, new Int16Array(960)])).toThrow(/receive mode|connected/);
    await client.connect();
    await waitConnected(server.only().pc);
    await client.playAudio([48000, new Int16Array(48000)], { realtime: false });
    expect(client.packetsSent).toBe(50);
    // stereo AudioChunks are downmixed: 20 ms of interleaved stereo is one packet
    expect(client.sendAudio([48000, new Float32Array(1920), "stereo"])).toBe(1);
    await client.stop();
    expect(() => client.sendAudio([48000, new Int16Array(960)])).toThrow(/connected/);
  });
});
