import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AudioChunk } from "../audio/types.js";
import { ReplyOnPause } from "../handlers/ReplyOnPause.js";
import { EnergyVad } from "../handlers/testing/fakes.js";
import { Stream } from "./Stream.js";
import type { LaunchedServer } from "./streamTypes.js";
import { makeOffer, post, type RawOffer } from "./testing/peers.js";

async function* echo(audio: AudioChunk) {
  yield audio;
}

let stream: Stream;
let server: LaunchedServer;
let url: string;
const peers: RawOffer[] = [];

beforeAll(async () => {
  stream = new Stream({
    handler: new ReplyOnPause(echo, { model: new EnergyVad() }),
    modality: "audio",
  });
  server = await stream.launch({ port: 0 });
  url = `${server.url}/webrtc/offer`;
});

afterAll(async () => {
  await server.close();
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
  for (const id of stream.handlers.keys()) await stream.closeConnection(id);
  expect(stream.liveConnections).toBe(0);
});

async function offer(shape: Parameters<typeof makeOffer>[0] = {}): Promise<RawOffer> {
  const o = await makeOffer(shape);
  peers.push(o);
  return o;
}

describe("POST /webrtc/offer with bad input: documented answers, server stays up, no slot leaks", () => {
  it("not JSON -> 422 json_invalid", async () => {
    const r = await post(url, "{not json", { raw: true });
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ detail: [{ type: "json_invalid", loc: ["body", 0] }] });
    expect(stream.liveConnections).toBe(0);
  });

  it("JSON that is not an object -> 422", async () => {
    const r = await post(url, [1, 2]);
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ detail: [{ type: "model_attributes_type", loc: ["body"] }] });
  });

  it("missing webrtc_id and type (items 6, 7) -> 422 with one issue per field", async () => {
    const r = await post(url, { sdp: "v=0" });
    expect(r.status).toBe(422);
    const detail = (r.json as { detail: { loc: string[]; type: string; msg: string }[] }).detail;
    expect(detail.map((d) => d.loc.join("."))).toEqual(["body.type", "body.webrtc_id"]);
    expect(detail.every((d) => d.type === "missing" && d.msg === "Field required")).toBe(true);
  });

  it("wrong types -> 422 string_type / dict_type", async () => {
    const r = await post(url, { type: 5, webrtc_id: "x", sdp: 3, candidate: "c" });
    expect(r.status).toBe(422);
    const types = (r.json as { detail: { type: string }[] }).detail.map((d) => d.type);
    expect(types).toEqual(["string_type", "dict_type", "string_type"]);
  });

  it("garbage SDP -> 400 with a detail, slot released", async () => {
    const r = await post(url, { type: "offer", webrtc_id: "garbage", sdp: "hello there" });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ detail: expect.stringMatching(/SDP/) });
    expect(stream.liveConnections).toBe(0);
  });

  it("SDP-looking garbage -> 400, slot released", async () => {
    const r = await post(url, {
      type: "offer",
      webrtc_id: "garbage2",
      sdp: "v=0\r\nm=audio nonsense\r\n",
    });
    expect([400, 500]).toContain(r.status);
    expect(stream.liveConnections).toBe(0);
  });

  it("an offer without sdp -> 400", async () => {
    const r = await post(url, { type: "offer", webrtc_id: "nosdp" });
    expect(r.status).toBe(400);
    expect(stream.liveConnections).toBe(0);
  });

  it("only video for an audio stream (item 13) -> 500 with FastRTC's message; slot released (Q26)", async () => {
    const o = await offer({ audio: false, video: true });
    const r = await post(url, { type: "offer", webrtc_id: "video-only", sdp: o.sdp });
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ detail: "Unsupported track kind 'video' for modality 'audio'" });
    expect(stream.liveConnections).toBe(0);
    // the id is not stuck either
    const again = await offer();
    const ok = await post(url, { type: "offer", webrtc_id: "video-only", sdp: again.sdp });
    expect(ok.status).toBe(200);
  });

  it("a 1 MB body -> 413, nothing allocated", async () => {
    const big = JSON.stringify({
      type: "offer",
      webrtc_id: "big",
      sdp: "v=0\r\n".padEnd(1024 * 1024, "a"),
    });
    const r = await post(url, big, { raw: true });
    expect(r.status).toBe(413);
    expect(r.json).toMatchObject({ detail: expect.stringMatching(/larger than/) });
    expect(stream.liveConnections).toBe(0);
  });

  it("unknown id for a candidate (item 15) -> unknown_connection", async () => {
    const r = await post(url, {
      type: "ice-candidate",
      webrtc_id: "nobody",
      candidate: {
        candidate: "candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host generation 0",
        sdpMid: "0",
      },
    });
    expect(r).toMatchObject({
      status: 200,
      json: { status: "failed", meta: { error: "unknown_connection" } },
    });
  });

  it("candidate for a closed connection (item 18) -> connection_closed", async () => {
    const o = await offer();
    const r = await post(url, { type: "offer", webrtc_id: "gone", sdp: o.sdp });
    expect(r.status).toBe(200);
    await stream.closeConnection("gone");
    const c = await post(url, {
      type: "ice-candidate",
      webrtc_id: "gone",
      candidate: {
        candidate: "candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host generation 0",
        sdpMid: "0",
      },
    });
    expect(c.json).toEqual({ status: "failed", meta: { error: "connection_closed" } });
  });

  it("wrong method -> 405; unknown path -> 404", async () => {
    const r = await fetch(url);
    expect(r.status).toBe(405);
    const n = await fetch(`${server.url}/nope`);
    expect(n.status).toBe(404);
  });

  it("after all of that the server still answers a good offer", async () => {
    const o = await offer();
    const r = await post(url, { type: "offer", webrtc_id: "fine", sdp: o.sdp });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ type: "answer" });
    expect(stream.liveConnections).toBe(1);
  });
});
