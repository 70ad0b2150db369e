/**
 * Issue 12, D3, D4, D6, D7 as classes: offers werift cannot use answer 400 at once and free
 * their slot; error bodies echo a bounded copy of the input; every reader of an id gets every
 * output.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AdditionalOutputs } from "../handlers/outputs.js";
import { checkOfferSdp, InvalidSdpError } from "../transports/webrtc/WebRtcConnection.js";
import { boundedEcho, safeJsonStringify } from "./boundedJson.js";
import { OutputsBus } from "./outputsBus.js";
import { Stream } from "./Stream.js";
import type { LaunchedServer } from "./streamTypes.js";
import { FrameEcho } from "./testing/frameEcho.js";
import { makeOffer, post } from "./testing/peers.js";

let stream: Stream;
let server: LaunchedServer;
let url: string;

beforeAll(async () => {
  stream = new Stream({ handler: new FrameEcho(), concurrencyLimit: 3, ioRoutes: true });
  server = await stream.launch({ port: 0 });
  url = server.url;
});

afterAll(async () => {
  await server.close();
});

const deep = (n: number) => `${"[".repeat(n)}1${"]".repeat(n)}`;

describe("D3: offers with no usable media section", () => {
  const bad = [
    "v=0\r\n\nm=",
    "v=0\n\nm=",
    "v=0\r\nm=\r\n",
    "v=0\r\nm=audio\r\n",
    "v=0\r\n\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n",
    "v=0\r\nx\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n",
    "v=1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n",
    "v=0\r\n",
  ];
  for (const sdp of bad) {
    it(`${JSON.stringify(sdp)} is refused before werift sees it`, () => {
      expect(() => checkOfferSdp(sdp)).toThrow(InvalidSdpError);
    });
  }

  it("accepts real offers with CRLF or LF line ends", async () => {
    const o = await makeOffer();
    expect(checkOfferSdp(o.sdp)).toContain("audio");
    expect(checkOfferSdp(o.sdp.replace(/\r\n/g, "\n"))).toContain("audio");
    await o.close();
  });

  it("three D3 offers on a server with 3 slots: each 400 at once, then a good offer is answered", async () => {
    for (let i = 0; i < 3; i++) {
      const r = await post(`${url}/webrtc/offer`, {
        sdp: "v=0\r\n\nm=",
        type: "offer",
        webrtc_id: `d3-${i}`,
      });
      expect(r.status).toBe(400);
      expect(stream.liveConnections).toBe(0);
    }
    const o = await makeOffer();
    const r = await post(`${url}/webrtc/offer`, { sdp: o.sdp, type: "offer", webrtc_id: "d3-ok" });
    expect(r.status).toBe(200);
    await stream.closeConnection("d3-ok");
    await o.close();
  });
});

describe("D7: data-channel-only offers", () => {
  it("an application section werift cannot answer -> 400, slot freed", async () => {
    const r = await post(`${url}/webrtc/offer`, {
      sdp: "v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n",
      type: "offer",
      webrtc_id: "d7",
    });
    expect(r.status).toBe(400);
    expect(stream.liveConnections).toBe(0);
  });

  it("a real data-only offer is still answered (FastRTC counts data-only peers, items 10-11)", async () => {
    const o = await makeOffer({ audio: false });
    const r = await post(`${url}/webrtc/offer`, { sdp: o.sdp, type: "offer", webrtc_id: "d7-ok" });
    expect(r.status).toBe(200);
    await stream.closeConnection("d7-ok");
    await o.close();
  });
});

describe("D6: deeply nested JSON", () => {
  for (const [route, body] of [
    ["/webrtc/offer", `{"type":"offer","webrtc_id":${deep(5000)}}`],
    ["/webrtc/offer", deep(5000)],
    ["/input_hook", deep(5000)],
    ["/input_hook", `{"webrtc_id":${deep(5000)}}`],
  ] as const) {
    it(`${route} ${body.slice(0, 20)}… -> 422 with a bounded body`, async () => {
      const r = await post(`${url}${route}`, body, { raw: true });
      expect(r.status).toBe(422);
      expect(r.text.length).toBeLessThan(16_384);
    });
  }

  it("boundedEcho keeps a few levels and cuts the rest; safeJsonStringify never throws", () => {
    let v: unknown = 1;
    for (let i = 0; i < 10_000; i++) v = { a: v };
    expect(JSON.stringify(boundedEcho(v))).toBe('{"a":{"a":{"a":{"a":{"a":{"a":"…"}}}}}}');
    expect(JSON.stringify(boundedEcho("x".repeat(10_000))).length).toBeLessThan(300);
    expect(safeJsonStringify(v).length).toBeLessThan(16_384);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => safeJsonStringify({ detail: cyclic, n: 10n })).not.toThrow();
  });
});

describe("D4: every reader of an id gets every output", () => {
  it("two readers both get all outputs; a reader that left takes nothing", async () => {
    const bus = new OutputsBus();
    const a = bus.stream("x");
    const b = bus.stream("x");
    const gone = bus.stream("x");
    const pendingGone = gone.next();
    await gone.return(undefined);
    expect(await pendingGone).toEqual({ done: true, value: undefined });
    expect(bus.readers("x")).toBe(2);
    const nextA = a.next();
    const nextB = b.next();
    bus.push("x", new AdditionalOutputs(1));
    bus.push("x", new AdditionalOutputs(2));
    expect((await nextA).value?.args).toEqual([1]);
    expect((await nextB).value?.args).toEqual([1]);
    expect((await a.next()).value?.args).toEqual([2]);
    expect((await b.next()).value?.args).toEqual([2]);
    bus.end("x");
    expect((await a.next()).done).toBe(true);
    expect((await b.next()).done).toBe(true);
  });

  it("outputs pushed before anyone reads wait for the first reader", async () => {
    const bus = new OutputsBus();
    bus.push("y", new AdditionalOutputs("early"));
    const r = bus.stream("y");
    expect((await r.next()).value?.args).toEqual(["early"]);
    await expect(bus.next("y", 20)).rejects.toThrow(/No outputs/);
    bus.end("y");
    expect((await r.next()).done).toBe(true);
  });

  it("a break out of for-await unsubscribes at once", async () => {
    const bus = new OutputsBus();
    const seen: unknown[] = [];
    const loop = (async () => {
      for await (const out of bus.stream("z")) {
        seen.push(out.args[0]);
        break;
      }
    })();
    await Promise.resolve();
    bus.push("z", new AdditionalOutputs("a"));
    await loop;
    expect(bus.readers("z")).toBe(0);
    const late = bus.stream("z");
    bus.push("z", new AdditionalOutputs("b"));
    expect((await late.next()).value?.args).toEqual(["b"]);
    expect(seen).toEqual(["a"]);
  });
});
