import { afterEach, describe, expect, it } from "vitest";
import type { AudioChunk } from "../audio/types.js";
import { NodeAudioClient } from "../client/node.js";
import { GeneratorHandler } from "../handlers/GeneratorHandler.js";
import { WebRTCData } from "../handlers/outputs.js";
import { ReplyOnPause } from "../handlers/ReplyOnPause.js";
import { EnergyVad } from "../handlers/testing/fakes.js";
import { Stream } from "./Stream.js";
import type { LaunchedServer } from "./streamTypes.js";
import { makeOffer, post } from "./testing/peers.js";

async function* echo(audio: AudioChunk) {
  yield audio;
}
const handler = () => new ReplyOnPause(echo, { model: new EnergyVad() });

const servers: LaunchedServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("new Stream(options)", () => {
  it("rejects modalities other than audio with a clear error", () => {
    expect(() => new Stream({ handler: handler(), modality: "video" as never })).toThrow(
      /modality "video" is not supported yet/,
    );
  });

  it("rejects unknown modes, bad limits and bad time limits", () => {
    expect(() => new Stream({ handler: handler(), mode: "both" as never })).toThrow(
      /mode must be one of/,
    );
    expect(() => new Stream({ handler: handler(), concurrencyLimit: -1 })).toThrow(
      /concurrencyLimit/,
    );
    expect(() => new Stream({ handler: handler(), timeLimit: 0 })).toThrow(/timeLimit/);
    expect(() => new Stream({ handler: handler(), connectTimeout: -5 })).toThrow(/connectTimeout/);
    expect(() => new Stream({ handler: handler(), maxMessageBytes: 0 })).toThrow(/maxMessageBytes/);
    expect(() => new Stream({ handler: handler(), auth: "yes" as never })).toThrow(/auth must be/);
    expect(
      () => new Stream({ handler: handler(), telephone: { publicUrl: "ftp://x.example" } }),
    ).toThrow(/publicUrl must be an http\(s\) or ws\(s\) URL/);
    expect(() => new Stream({ handler: handler(), telephone: { authToken: "" } })).toThrow(
      /authToken/,
    );
  });

  it("send-receive needs a handler instance; receive mode wraps a generator function", () => {
    expect(() => new Stream({ handler: async function* () {} as never })).toThrow(
      /must be a StreamHandler/,
    );
    const s = new Stream({ handler: async function* () {}, mode: "receive" });
    expect(s.handler).toBeInstanceOf(GeneratorHandler);
    expect(() => new Stream({ handler: 42 as never })).toThrow(/handler must be/);
  });

  it("defaults: audio, send-receive, limit 10, no time limit", () => {
    const s = new Stream({ handler: handler() });
    expect([s.modality, s.mode, s.concurrencyLimit, s.timeLimit]).toEqual([
      "audio",
      "send-receive",
      10,
      null,
    ]);
  });
});

describe("the page", () => {
  it("serves uiArgs and the rtcConfiguration from an async function, resolved per load", async () => {
    let calls = 0;
    const stream = new Stream({
      handler: handler(),
      uiArgs: { title: "My <b>app</b>", pulseColor: "#ff0000" },
      rtcConfiguration: async () => {
        calls++;
        return {
          iceServers: [
            { urls: `turn:turn.example.com?n=${calls}`, username: "u", credential: "c" },
          ],
        };
      },
      trackConstraints: { echoCancellation: false },
    });
    const server = await stream.launch({ port: 0 });
    servers.push(server);
    const first = await (await fetch(`${server.url}/`)).text();
    const second = await (await fetch(`${server.url}/`)).text();
    expect(first).toContain("turn:turn.example.com?n=1");
    expect(second).toContain("turn:turn.example.com?n=2");
    expect(first).toContain("#ff0000");
    expect(first).toContain('"echoCancellation":false');
  });

  it("a failing rtcConfiguration function gives a 500 with its message, the server keeps going", async () => {
    const stream = new Stream({
      handler: handler(),
      rtcConfiguration: () => {
        throw new Error("TURN service down");
      },
    });
    const server = await stream.launch({ port: 0 });
    servers.push(server);
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      detail: "The page could not be rendered: TURN service down",
    });
    const offer = await fetch(`${server.url}/webrtc/offer`, { method: "POST", body: "{}" });
    expect(offer.status).toBe(422);
  });

  it("ui.launch is launch (FastRTC's stream.ui.launch)", async () => {
    const stream = new Stream({ handler: handler() });
    const server = await stream.ui.launch({ port: 0 });
    servers.push(server);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${server.url}/`)).status).toBe(200);
  });
});

describe("the auth hook on POST /webrtc/offer", () => {
  it("refuses before anything is allocated, and lets good requests through", async () => {
    const stream = new Stream({
      handler: handler(),
      auth: ({ headers, transport }) => {
        expect(transport).toBe("webrtc");
        if (headers.authorization === "Bearer good") return true;
        if (headers.authorization === "Bearer throw") throw new Error("hook bug");
        return headers.authorization ? { status: 403, detail: "wrong token" } : false;
      },
    });
    const server = await stream.launch({ port: 0 });
    servers.push(server);
    const url = `${server.url}/webrtc/offer`;
    const offer = await makeOffer();
    try {
      const body = { sdp: offer.sdp, type: "offer", webrtc_id: "auth-1" };
      const none = await post(url, body);
      expect(none).toMatchObject({ status: 401, json: { detail: "Unauthorized" } });
      const wrong = await post(url, body, { headers: { authorization: "Bearer bad" } });
      expect(wrong).toMatchObject({ status: 403, json: { detail: "wrong token" } });
      const broken = await post(url, body, { headers: { authorization: "Bearer throw" } });
      expect(broken.status).toBe(500);
      expect(stream.liveConnections).toBe(0);
      const candidate = await post(url, {
        type: "ice-candidate",
        webrtc_id: "auth-1",
        candidate: null,
      });
      expect(candidate.status).toBe(401);
      const ok = await post(url, body, { headers: { authorization: "Bearer good" } });
      expect(ok.status).toBe(200);
      expect(ok.json).toMatchObject({ type: "answer" });
      expect(stream.liveConnections).toBe(1);
    } finally {
      await offer.close();
    }
  });
});

describe("typed turns over WebRTC", () => {
  it("client.sendText() reaches fn as WebRTCData; other data-channel text keeps FastRTC's echo", async () => {
    const got: string[] = [];
    const stream = new Stream({
      handler: new ReplyOnPause(
        async function* (first: AudioChunk | WebRTCData) {
          if (first instanceof WebRTCData) got.push(`${first.webrtcId}|${first.textbox}`);
        },
        { acceptsText: true, model: new EnergyVad() },
      ),
    });
    const server = await stream.launch({ port: 0 });
    servers.push(server);
    const client = new NodeAudioClient({ url: server.url, webrtcId: "typed-1" });
    const logs: string[] = [];
    client.on("log", (m) => logs.push(m.data));
    try {
      await client.connect();
      client.sendText("hello there");
      client.send("plain text");
      const end = Date.now() + 5000;
      while (
        (got.length === 0 || !logs.includes("Server received: plain text")) &&
        Date.now() < end
      ) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(got).toEqual(["typed-1|hello there"]);
      expect(logs).toContain("Server received: plain text");
      expect(logs).not.toContain('Server received: {"type":"text","data":"hello there"}');
    } finally {
      await client.stop();
    }
  });
});
