/**
 * `connectionTokens: true` (issue 12, "consider too"): a client that knows another session's id
 * cannot post its `/input_hook`, push ICE candidates into it or read its `/outputs` without the
 * token that session was given (WebRTC: in the answer; WebSocket: a `log` message after
 * `start`). The Node client sends it back on its own candidates.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NodeAudioClient } from "../client/node.js";
import { Stream } from "./Stream.js";
import type { LaunchedServer } from "./streamTypes.js";
import { FrameEcho } from "./testing/frameEcho.js";
import { makeOffer, post, waitFor } from "./testing/peers.js";
import { openWs } from "./testing/wsPeer.js";

let stream: Stream;
let server: LaunchedServer;

beforeAll(async () => {
  stream = new Stream({
    handler: new FrameEcho(),
    connectionTokens: true,
    additionalInputs: [{ type: "textbox", name: "persona", value: "a pirate" }],
    additionalOutputs: [{ type: "textbox" }],
  });
  server = await stream.launch({ port: 0 });
});
afterAll(async () => {
  await server.close();
});

/** Status of `GET /outputs` (the event stream is closed at once). */
async function outputsStatus(query: string, headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const res = await fetch(`${server.url}/outputs?${query}`, { headers, signal: ac.signal });
  ac.abort();
  return res.status;
}

const CANDIDATE = {
  candidate:
    "candidate:842163049 1 udp 1677729535 192.0.2.10 54400 typ srflx raddr 0.0.0.0 rport 0 generation 0",
  sdpMid: "0",
  sdpMLineIndex: 0,
};

describe("connectionTokens: WebRTC", () => {
  it("the answer carries a token; input_hook, candidates and outputs need it; the client sends it on its candidates", async () => {
    // Records the client's candidate posts and the server's answers to them.
    const candidatePosts: Array<{ token: unknown; status: number }> = [];
    const recordingFetch = async (url: string, init: { body?: string }) => {
      const res = await fetch(url, init as RequestInit);
      const sent = JSON.parse(init.body ?? "{}") as { type?: string; fastrtc_token?: unknown };
      if (sent.type === "ice-candidate") {
        candidatePosts.push({ token: sent.fastrtc_token, status: res.status });
      }
      return res;
    };
    const client = new NodeAudioClient({
      url: server.url,
      webrtcId: "tok-rtc",
      fetch: recordingFetch as never,
    });
    try {
      await client.connect(); // trickles: candidates before the answer are retried with the token
      const token = client.connectionToken;
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      await waitFor(
        () => candidatePosts.some((p) => p.token === token && p.status === 200),
        5000,
        "a candidate post with the token",
      );
      // Every post without the token was refused; every post with it was let in.
      for (const p of candidatePosts) expect(p.status).toBe(p.token === token ? 200 : 403);
      await waitFor(() => stream.isLive("tok-rtc"), 5000, "live");

      // /input_hook: the id alone is not enough.
      const hook = `${server.url}/input_hook`;
      const body = { webrtc_id: "tok-rtc", persona: "a poet" };
      expect((await post(hook, body)).status).toBe(403);
      expect(
        (await post(hook, body, { headers: { "x-fastrtc-token": "A".repeat(32) } })).status,
      ).toBe(403);
      expect((await post(hook, body, { headers: { "X-FastRTC-Token": token ?? "" } })).status).toBe(
        200,
      );
      expect(stream.handlers.get("tok-rtc")?.latestArgs).toEqual(["__webrtc_value__", "a poet"]);

      // Trickled candidates.
      const offerUrl = `${server.url}/webrtc/offer`;
      const candidate = { type: "ice-candidate", webrtc_id: "tok-rtc", candidate: CANDIDATE };
      const refused = await post(offerUrl, candidate);
      expect(refused.status).toBe(403);
      expect(refused.json).toEqual({ detail: "Invalid connection token" });
      const accepted = await post(offerUrl, { ...candidate, fastrtc_token: token });
      expect(accepted.status).toBe(200);
      expect(accepted.json).toEqual({ status: "success" });

      // /outputs: header or query parameter (EventSource cannot set headers).
      expect(await outputsStatus("webrtc_id=tok-rtc")).toBe(403);
      expect(await outputsStatus(`webrtc_id=tok-rtc&fastrtc_token=${token}`)).toBe(200);
      expect(await outputsStatus("webrtc_id=tok-rtc", { "x-fastrtc-token": token ?? "" })).toBe(
        200,
      );
    } finally {
      await client.stop();
    }
    await waitFor(() => !stream.isLive("tok-rtc"), 5000, "ended");
    // The token ends with the connection.
    expect(stream.checkConnectionToken("tok-rtc", client.connectionToken)).toBe(false);
  }, 30_000);

  it("one session's token does not open another session", async () => {
    const a = new NodeAudioClient({ url: server.url, webrtcId: "tok-a" });
    const b = new NodeAudioClient({ url: server.url, webrtcId: "tok-b" });
    try {
      await Promise.all([a.connect(), b.connect()]);
      expect(a.connectionToken).not.toBe(b.connectionToken);
      const res = await post(
        `${server.url}/input_hook`,
        { webrtc_id: "tok-b", persona: "x" },
        { headers: { "x-fastrtc-token": a.connectionToken ?? "" } },
      );
      expect(res.status).toBe(403);
      expect(await outputsStatus(`webrtc_id=tok-b&fastrtc_token=${a.connectionToken}`)).toBe(403);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 30_000);

  it("a raw offer's answer has fastrtc_token; without the option there is none", async () => {
    const offer = await makeOffer();
    const plain = new Stream({ handler: new FrameEcho() });
    const plainServer = await plain.launch({ port: 0 });
    try {
      const res = await post(`${plainServer.url}/webrtc/offer`, {
        sdp: offer.sdp,
        type: "offer",
        webrtc_id: "plain",
      });
      expect(res.status).toBe(200);
      expect(Object.keys(res.json as object).sort()).toEqual(["sdp", "type"]);
    } finally {
      await offer.close();
      await plainServer.close();
    }
  });
});

describe("connectionTokens: WebSocket", () => {
  it("start is followed by a connection_token log message; outputs need that token", async () => {
    const peer = await openWs(`${server.url.replace(/^http/, "ws")}/websocket/offer`);
    try {
      peer.send({ event: "start", websocket_id: "tok-ws" });
      await peer.waitFor(() => peer.of("log").some((m) => m.data === "connection_token"));
      const message = peer.of("log").find((m) => m.data === "connection_token");
      const token = (message?.meta as { fastrtc_token?: string } | undefined)?.fastrtc_token;
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(await outputsStatus("webrtc_id=tok-ws")).toBe(403);
      expect(await outputsStatus(`webrtc_id=tok-ws&fastrtc_token=${token}`)).toBe(200);
    } finally {
      await peer.close();
    }
  });
});
