import { afterEach, describe, expect, it } from "vitest";
import { RTCPeerConnection } from "werift";
import type { ClientOptions, ClientState, PeerConnectionLike } from "./clientTypes.js";
import {
  ConcurrencyLimitError,
  ConnectAbortedError,
  ConnectionExistsError,
  ConnectTimeoutError,
  InvalidAnswerError,
  OfferHttpError,
  OfferRejectedError,
  OfferRequestError,
} from "./errors.js";
import { FastRTCClient } from "./FastRTCClient.js";
import { FakeFastRTCServer } from "./testing/weriftServer.js";

const clients: FastRTCClient[] = [];
const servers: FakeFastRTCServer[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.stop()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function setup(
  serverOptions: ConstructorParameters<typeof FakeFastRTCServer>[0] = {},
  clientOptions: ClientOptions = {},
) {
  const server = new FakeFastRTCServer(serverOptions);
  servers.push(server);
  const client = new FastRTCClient({
    url: "http://fastrtc.test/",
    path: "api",
    fetch: server.fetch,
    createPeerConnection: (config) => new RTCPeerConnection({ iceServers: [], ...config }),
    connectTimeoutMs: 10_000,
    ...clientOptions,
  });
  clients.push(client);
  const states: ClientState[] = [];
  client.on("state", (s) => states.push(s));
  return { server, client, states };
}

function nextEvent<T>(subscribe: (fn: (v: T) => void) => () => void): Promise<T> {
  return new Promise((resolve) => {
    const off = subscribe((v) => {
      off();
      resolve(v);
    });
  });
}

function pcState(client: FastRTCClient): string | undefined {
  return (client.peerConnection as PeerConnectionLike | null)?.connectionState;
}

describe("FastRTCClient negotiation (werift answerer)", () => {
  it("trickle (default): posts the SDP at once, then each candidate; connects", async () => {
    const { server, client, states } = setup({}, { webrtcId: "abc" });
    const opened = nextEvent((fn) => client.on("datachannel-open", fn));
    await client.connect();
    expect(client.state).toBe("connected");
    expect(states).toEqual(["connecting", "connected"]);
    await opened;

    const offer = server.requests[0]!;
    expect(offer.url).toBe("http://fastrtc.test/api/webrtc/offer");
    expect(offer.body).toMatchObject({ type: "offer", webrtc_id: "abc" });
    // (werift gathers host candidates inside setLocalDescription, so its "trickle" offer
    // already lists them; browsers' does not)
    expect(offer.body.sdp).toMatch(/webrtc-datachannel/);

    const candidates = server.candidateRequests;
    expect(candidates.length).toBeGreaterThan(0);
    for (const c of candidates) {
      expect(c.body).toMatchObject({ type: "ice-candidate", webrtc_id: "abc" });
      expect((c.body.candidate as { candidate: string }).candidate).toMatch(/^candidate:/);
    }
    expect(candidates.some((c) => (c.response as { status: string }).status === "success")).toBe(
      true,
    );
    // every candidate was posted after the offer request
    expect(server.requests.indexOf(offer)).toBe(0);

    const conn = server.only();
    expect(conn.channels.map((dc) => dc.label)).toEqual(["text"]);
  });

  it("trickle resends candidates the server did not know yet once the answer is in", async () => {
    const { server, client } = setup({ registerOnAnswer: true });
    await client.connect();
    const responses = server.candidateRequests.map(
      (r) => (r.response as { status: string }).status,
    );
    expect(responses).toContain("failed");
    expect(responses).toContain("success");
  });

  it("non-trickle: waits for gathering and posts the full SDP, no candidate requests", async () => {
    const { server, client } = setup({}, { trickle: false });
    await client.connect();
    expect(client.state).toBe("connected");
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.body.sdp).toMatch(/a=candidate/);
  });

  it("delivers server messages as typed events, and send() reaches the server", async () => {
    const { server, client } = setup();
    const messages: unknown[] = [];
    client.on("message", (m) => messages.push(m));
    await client.connect();
    const dc = server.only().channels[0]!;

    const error = nextEvent((fn) => client.on("error", fn));
    const warning = nextEvent((fn) => client.on("warning", fn));
    const sendInput = nextEvent((fn) => client.on("send_input", fn));
    const fetchOutput = nextEvent((fn) => client.on("fetch_output", fn));
    const stopword = nextEvent((fn) => client.on("stopword", fn));
    const update = nextEvent((fn) => client.on("update_connection", fn));
    dc.send(JSON.stringify({ type: "error", message: "x" }));
    dc.send(JSON.stringify({ type: "warning", data: "w" }));
    dc.send('{"type": "send_input", "data": []}');
    dc.send('{"type": "fetch_output", "data": []}');
    dc.send('{"type": "stopword", "data": ""}');
    dc.send('{"type": "update_connection", "data": "open"}');
    dc.send("garbage");
    expect(await error).toEqual({ type: "error", message: "x" });
    expect(await warning).toEqual({ type: "warning", message: "w" });
    expect(await sendInput).toEqual({ type: "send_input", data: [] });
    expect(await fetchOutput).toEqual({ type: "fetch_output", data: [] });
    expect(await stopword).toEqual({ type: "stopword", data: "" });
    expect(await update).toEqual({ type: "update_connection", data: "open" });

    const echo = nextEvent((fn) => client.on("log", fn));
    client.send("hello");
    expect(await echo).toEqual({ type: "log", data: "Server received: hello" });
    expect(server.only().messages).toEqual(["hello"]);
    expect(messages).toContainEqual({ type: "unknown", raw: "garbage" });
    expect(client.state).toBe("connected");
  });

  it("end_stream closes the client by default (autoClose)", async () => {
    const { server, client, states } = setup();
    await client.connect();
    const ended = nextEvent((fn) => client.on("end_stream", fn));
    const closed = nextEvent((fn) => client.on("state", fn));
    server.only().channels[0]!.send('{"type": "end_stream", "data": "done"}');
    expect(await ended).toEqual({ type: "end_stream", data: "done" });
    expect(await closed).toBe("closed");
    expect(states).toEqual(["connecting", "connected", "closed"]);
  });

  it("autoClose false keeps the connection after update_connection closed", async () => {
    const { server, client } = setup({}, { autoClose: false });
    await client.connect();
    const update = nextEvent((fn) => client.on("update_connection", fn));
    server.only().channels[0]!.send('{"type": "update_connection", "data": "closed"}');
    await update;
    expect(client.state).toBe("connected");
  });

  it("a concurrency-limit rejection throws ConcurrencyLimitError and closes the pc", async () => {
    const { client, states } = setup({
      interceptOffer: () => ({
        status: 200,
        body: JSON.stringify({
          status: "failed",
          meta: { error: "concurrency_limit_reached", limit: 2 },
        }),
      }),
    });
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrencyLimitError);
    expect((error as ConcurrencyLimitError).limit).toBe(2);
    expect((error as ConcurrencyLimitError).code).toBe("concurrency_limit_reached");
    expect(client.state).toBe("failed");
    expect(states).toEqual(["connecting", "failed"]);
    await client.stop();
    expect(pcState(client)).toBe("closed");
  });

  it("a 503 with a failed status (draining server) is a refusal with its code, not an HTTP error", async () => {
    const { client } = setup({
      interceptOffer: () => ({
        status: 503,
        body: JSON.stringify({
          status: "failed",
          meta: { error: "server_draining" },
          detail: "This server is shutting down; try again",
        }),
      }),
    });
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OfferRejectedError);
    expect((error as OfferRejectedError).code).toBe("server_draining");
    await client.stop();
  });

  it("connection_already_exists → ConnectionExistsError", async () => {
    const { client } = setup({
      interceptOffer: () => ({
        status: 200,
        body: '{"status": "failed", "meta": {"error": "connection_already_exists"}}',
      }),
    });
    await expect(client.connect()).rejects.toBeInstanceOf(ConnectionExistsError);
  });

  it("HTTP 422 → OfferHttpError with the parsed detail", async () => {
    const detail = [{ type: "missing", loc: ["body", "webrtc_id"], msg: "Field required" }];
    const { client } = setup({
      interceptOffer: () => ({ status: 422, body: JSON.stringify({ detail }) }),
    });
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OfferHttpError);
    expect((error as OfferHttpError).status).toBe(422);
    expect((error as OfferHttpError).detail).toEqual(detail);
    expect(client.state).toBe("failed");
  });

  it("a failing fetch → OfferRequestError with the fetch error as cause", async () => {
    const cause = new TypeError("fetch failed");
    const { client } = setup(
      {},
      {
        fetch: async () => {
          throw cause;
        },
      },
    );
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OfferRequestError);
    expect((error as OfferRequestError).cause).toBe(cause);
    expect((error as Error).message).toContain("http://fastrtc.test/api/webrtc/offer");
  });

  it("a 200 that is not an answer → InvalidAnswerError", async () => {
    const { client } = setup({ interceptOffer: () => ({ status: 200, body: "{}" }) });
    await expect(client.connect()).rejects.toBeInstanceOf(InvalidAnswerError);
  });

  it("times out with ConnectTimeoutError", async () => {
    const { client } = setup({ hang: true }, { connectTimeoutMs: 300 });
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectTimeoutError);
    expect(client.state).toBe("failed");
    await client.stop();
    expect(pcState(client)).toBe("closed");
  });

  it("stop() while connecting rejects connect() with ConnectAbortedError; state closed", async () => {
    const { client, states } = setup({ hang: true });
    const pending = client.connect().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await client.stop();
    expect(await pending).toBeInstanceOf(ConnectAbortedError);
    expect(states).toEqual(["connecting", "closed"]);
  });

  it("stop() is idempotent; connect() is single-use", async () => {
    const { client, states } = setup();
    await client.connect();
    const a = client.stop();
    const b = client.stop();
    expect(a).toBe(b);
    await a;
    await client.stop();
    expect(client.state).toBe("closed");
    expect(states).toEqual(["connecting", "connected", "closed"]);
    expect(pcState(client)).toBe("closed");
    expect(() => client.send("x")).toThrow(/not open/);
    await expect(client.connect()).rejects.toThrow(/once/);
  });

  it("closes when the server closes the data channel", async () => {
    const { server, client } = setup();
    await client.connect();
    const closed = nextEvent((fn) => client.on("state", fn));
    server.only().channels[0]!.close();
    expect(await closed).toBe("closed");
  });

  it("rejects when there is no RTCPeerConnection (plain Node without a factory)", async () => {
    const client = new FastRTCClient({
      fetch: async () => ({ status: 500, text: async () => "" }),
    });
    await expect(client.connect()).rejects.toThrow(/No RTCPeerConnection/);
    expect(client.state).toBe("failed");
  });

  it("stop() before connect() just closes", async () => {
    const client = new FastRTCClient();
    await client.stop();
    expect(client.state).toBe("closed");
    expect(client.peerConnection).toBeNull();
  });

  it("has a random webrtcId by default", () => {
    const a = new FastRTCClient();
    const b = new FastRTCClient();
    expect(a.webrtcId).toMatch(/^[0-9a-z]+$/);
    expect(a.webrtcId).not.toBe(b.webrtcId);
  });
});
