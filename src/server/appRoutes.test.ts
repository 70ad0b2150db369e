/**
 * FastRTC's telephone recipe on an app's own routes: `/incoming-call` answers TwiML (from
 * `stream.twiml`) that points Twilio at `/media-stream`, whose handler hands the socket to
 * `stream.telephoneHandler(socket, request)`. Twilio is played by the Media Streams simulator,
 * over real sockets, into an echo `ReplyOnPause`.
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import websocketPlugin from "@fastify/websocket";
import { serve, upgradeWebSocket } from "@hono/node-server";
import express from "express";
import Fastify, { type FastifyInstance } from "fastify";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import type { AudioChunk } from "../audio/types.js";
import { getCurrentContext, type TelephoneCallInfo } from "../handlers/context.js";
import { ReplyOnPause } from "../handlers/ReplyOnPause.js";
import { EnergyVad, tone } from "../handlers/testing/fakes.js";
import { TwilioCallSimulator } from "../transports/telephone/testing/twilioSimulator.js";
import { computeTwilioSignature } from "../transports/telephone/twilioSignature.js";
import { Stream } from "./Stream.js";
import type { InterruptionEvent } from "./streamEvents.js";
import type { StreamOptions } from "./streamTypes.js";
import { waitFor } from "./testing/peers.js";

const TOKEN = "app-routes-test-token";
const CALLER = "+14155550100";
const CALLED = "+14155550199";

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
});

/** The echo stream; `seen` collects what the reply function finds in its context. */
function echoStream(options: Partial<StreamOptions> = {}) {
  const seen: Array<TelephoneCallInfo | undefined> = [];
  const stream = new Stream({
    handler: new ReplyOnPause(
      async function* (audio: AudioChunk) {
        seen.push(getCurrentContext().telephone);
        yield audio;
      },
      { model: new EnergyVad() },
    ),
    telephone: { authToken: TOKEN },
    ...options,
  });
  cleanups.push(() => stream.close());
  return { stream, seen };
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

/** FastRTC's guide, in Express: `/incoming-call` and `/media-stream` are the app's. */
async function expressApp(stream: Stream) {
  const app = express();
  app.post("/incoming-call", express.urlencoded({ extended: false }), (req, res) => {
    if (!stream.checkTwilioRequest(req, req.body)) {
      res.sendStatus(403);
      return;
    }
    res
      .type("application/xml")
      .send(stream.twiml({ streamUrl: "/media-stream", request: req, call: req.body }));
  });
  const server = createServer(app);
  const wss = new WebSocketServer({ server, path: "/media-stream" });
  wss.on("connection", (socket, req) => stream.telephoneHandler(socket, req));
  const port = await listen(server);
  cleanups.push(async () => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return { port };
}

/** The same in Fastify, with `@fastify/websocket`; `/media-stream-checked` refuses before upgrading. */
async function fastifyApp(stream: Stream) {
  const app: FastifyInstance = Fastify();
  await app.register(websocketPlugin);
  app.addContentTypeParser(
    "application/x-www-form-urlencoded",
    { parseAs: "string" },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.post("/incoming-call", async (req, reply) => {
    const form = req.body as Record<string, string>;
    if (!stream.checkTwilioRequest(req, form)) return reply.code(403).send();
    reply.type("application/xml");
    return stream.twiml({ streamUrl: "/media-stream", request: req, call: form });
  });
  app.get("/media-stream", { websocket: true }, (socket, req) =>
    stream.telephoneHandler(socket, req),
  );
  app.get(
    "/media-stream-checked",
    {
      websocket: true,
      preValidation: async (req, reply) => {
        if (!stream.checkTwilioRequest(req))
          await reply.code(403).send({ detail: "bad signature" });
      },
    },
    (socket, req) => stream.telephoneHandler(socket, req),
  );
  await app.listen({ port: 0, host: "127.0.0.1" });
  cleanups.push(() => app.close());
  return { port: (app.server.address() as AddressInfo).port };
}

/** Twilio's voice webhook: a signed form POST; returns the TwiML's stream URL and parameters. */
async function ringIn(port: number, token = TOKEN) {
  const url = `http://127.0.0.1:${port}/incoming-call`;
  const params = {
    AccountSid: `AC${"0".repeat(32)}`,
    CallSid: `CA${"7".repeat(32)}`,
    From: CALLER,
    To: CALLED,
    CallStatus: "ringing",
  };
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "X-Twilio-Signature": computeTwilioSignature(token, url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  const xml = await res.text();
  const streamUrl = /<Stream url="([^"]+)"/.exec(xml)?.[1] ?? "";
  const parameters = Object.fromEntries(
    [...xml.matchAll(/<Parameter name="([^"]+)" value="([^"]+)"\/>/g)].map((m) => [m[1], m[2]]),
  );
  return { status: res.status, type: res.headers.get("content-type"), xml, streamUrl, parameters };
}

/**
 * Twilio connecting to the `<Stream>` URL. The TwiML says `wss://` (TLS would end at a proxy);
 * the test server speaks plain `ws://`, and the signature is over the `wss://` URL, as Twilio's.
 */
async function connectCall(
  streamUrl: string,
  customParameters: Record<string, string>,
  signature: string | null = computeTwilioSignature(TOKEN, streamUrl),
) {
  const sim = new TwilioCallSimulator({
    url: streamUrl.replace(/^wss:/, "ws:"),
    headers: signature === null ? {} : { "X-Twilio-Signature": signature },
    customParameters,
  });
  cleanups.push(() => sim.close());
  await sim.connect();
  return sim;
}

/** The caller says something (1 s tone), pauses, and the echo comes back. */
async function talkAndHearEcho(sim: TwilioCallSimulator) {
  await sim.sendAudio(tone(1, 8000, 440, 8000), { pace: "fast" });
  await sim.sendAudio(new Int16Array(8000 * 1.5), { pace: "fast" });
  await sim.waitFor((s) => s.receivedMedia.length > 10, 15_000);
}

describe.each([
  ["Express + ws", expressApp],
  ["Fastify + @fastify/websocket", fastifyApp],
] as const)("%s: the app's own /incoming-call and /media-stream", (_name, makeApp) => {
  it("a call is answered, served into the echo ReplyOnPause, and the handler knows who called", async () => {
    const { stream, seen } = echoStream();
    const digits: string[] = [];
    stream.on("dtmf", (e) => digits.push(e.digit));
    const { port } = await makeApp(stream);
    const answer = await ringIn(port);
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^application\/xml/);
    expect(answer.streamUrl).toBe(`wss://127.0.0.1:${port}/media-stream`);
    expect(answer.parameters).toEqual({ From: CALLER, To: CALLED });

    const sim = await connectCall(answer.streamUrl, answer.parameters);
    await waitFor(() => stream.isLive(sim.streamSid), 5000, "call registered");
    await talkAndHearEcho(sim);
    // Phone mode: Twilio gets only its own messages, with our streamSid, µ-law 160-byte frames.
    expect(sim.protocolErrors).toEqual([]);
    expect(sim.receivedMedia.every((m) => m.accepted && m.samples === 160)).toBe(true);
    await sim.waitFor((s) => s.marksEchoed.length > 0, 5000);
    expect(seen[0]).toEqual({
      callSid: sim.callSid,
      streamSid: sim.streamSid,
      from: CALLER,
      to: CALLED,
      parameters: { From: CALLER, To: CALLED },
    });
    sim.sendDtmf("7");
    await waitFor(() => digits.length === 1, 5000, "dtmf");
    expect(digits).toEqual(["7"]);
    await sim.stop();
    await waitFor(() => stream.liveConnections === 0, 5000, "call cleaned up");
  }, 60_000);

  it("bad or missing signatures: the webhook gets 403; the socket is closed with 1008 and no session starts", async () => {
    const { stream, seen } = echoStream();
    const connects: string[] = [];
    stream.on("connect", (e) => connects.push(e.id));
    const { port } = await makeApp(stream);
    expect((await ringIn(port, "wrong-token")).status).toBe(403);
    const { streamUrl, parameters } = await ringIn(port);
    for (const signature of [
      null,
      computeTwilioSignature("wrong-token", streamUrl),
      computeTwilioSignature(TOKEN, `${streamUrl}?x=1`),
    ]) {
      const sim = await connectCall(streamUrl, parameters, signature);
      const closed = await sim.closed;
      expect(closed.code).toBe(1008);
      expect(closed.reason).toMatch(/^403 /);
      expect(sim.receivedMedia).toEqual([]);
    }
    expect(connects).toEqual([]);
    expect(stream.liveConnections).toBe(0);
    expect(seen).toEqual([]);
  });
});

describe("the app's own routes: the rest of what /telephone/handler does", () => {
  it("Express: barge-in over a long reply sends clear; pending marks come back flushed", async () => {
    const events: InterruptionEvent[] = [];
    const stream = new Stream({
      handler: new ReplyOnPause(
        async function* () {
          yield [24000, tone(8, 24000, 300, 6000)] as AudioChunk;
        },
        { model: new EnergyVad() },
      ),
      telephone: { authToken: TOKEN },
    });
    cleanups.push(() => stream.close());
    stream.on("interrupted", (e) => events.push(e));
    const { port } = await expressApp(stream);
    const { streamUrl, parameters } = await ringIn(port);
    const sim = await connectCall(streamUrl, parameters);
    await sim.sendAudio(tone(1, 8000, 440, 8000));
    await sim.sendAudio(new Int16Array(8000));
    await sim.waitFor((s) => s.playedMs >= 1500, 15_000);
    await sim.sendAudio(tone(0.8, 8000, 440, 8000));
    await sim.sendAudio(new Int16Array(8000));
    await sim.waitFor((s) => s.clears.length >= 1, 15_000);
    expect(sim.clears[0]?.accepted).toBe(true);
    expect(sim.marksEchoed.some((m) => m.flushed)).toBe(true);
    await waitFor(() => events.length >= 1, 5000, "interrupted event");
    expect(events[0]?.id).toBe(sim.streamSid);
    expect(events[0]?.transport).toBe("telephone");
  }, 60_000);

  it("Fastify: a preValidation hook with checkTwilioRequest refuses before the upgrade (HTTP 403)", async () => {
    const { stream } = echoStream();
    const { port } = await fastifyApp(stream);
    const { streamUrl, parameters } = await ringIn(port);
    const checkedUrl = streamUrl.replace(/\/media-stream$/, "/media-stream-checked");
    const refused = new TwilioCallSimulator({
      url: checkedUrl.replace(/^wss:/, "ws:"),
      headers: { "X-Twilio-Signature": computeTwilioSignature("wrong-token", checkedUrl) },
    });
    cleanups.push(() => refused.close());
    await expect(refused.connect()).rejects.toThrow(/403/);
    const ok = await connectCall(checkedUrl, parameters, computeTwilioSignature(TOKEN, checkedUrl));
    await waitFor(() => stream.isLive(ok.streamSid), 5000, "signed call registered");
    expect(stream.liveConnections).toBe(1);
  });

  it("Hono on @hono/node-server: upgradeWebSocket(() => stream.telephoneEvents(req)) serves a call", async () => {
    const { stream, seen } = echoStream();
    const app = new Hono();
    app.post("/incoming-call", async (c) => {
      const form = new URLSearchParams(await c.req.text());
      if (!stream.checkTwilioRequest(c.req.raw, form)) return c.body(null, 403);
      return c.body(
        stream.twiml({ streamUrl: "/media-stream", request: c.req.raw, call: form }),
        200,
        { "Content-Type": "application/xml" },
      );
    });
    app.get(
      "/media-stream",
      upgradeWebSocket((c) => stream.telephoneEvents(c.req.raw)),
    );
    const wss = new WebSocketServer({ noServer: true });
    const port = await new Promise<number>((resolve) => {
      const server = serve(
        { fetch: app.fetch, port: 0, hostname: "127.0.0.1", websocket: { server: wss } },
        (info) => resolve(info.port),
      );
      cleanups.push(async () => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        await new Promise((r) => server.close(r));
      });
    });
    const answer = await ringIn(port);
    expect(answer.status).toBe(200);
    const sim = await connectCall(answer.streamUrl, answer.parameters);
    await waitFor(() => stream.isLive(sim.streamSid), 5000, "call registered");
    await talkAndHearEcho(sim);
    expect(seen[0]?.from).toBe(CALLER);
    expect(seen[0]?.callSid).toBe(sim.callSid);
    await sim.stop();
    await waitFor(() => stream.liveConnections === 0, 5000, "call cleaned up");
    // A bad signature: the socket is closed with 1008, no session.
    const bad = await connectCall(
      answer.streamUrl,
      {},
      computeTwilioSignature("x", answer.streamUrl),
    );
    expect((await bad.closed).code).toBe(1008);
    expect(stream.liveConnections).toBe(0);
  }, 60_000);

  it("a DOM-style socket (addEventListener only, as in Deno) serves a call too", async () => {
    const { stream, seen } = echoStream({ telephone: { authToken: null } });
    const server = createServer();
    const wss = new WebSocketServer({ server, path: "/media-stream" });
    wss.on("connection", (ws, req) => {
      // Only the DOM-style surface of a real socket.
      const dom = {
        get readyState() {
          return ws.readyState;
        },
        send: (text: string) => ws.send(text),
        close: (code?: number, reason?: string) => ws.close(code, reason),
        addEventListener: ws.addEventListener.bind(ws) as (
          type: string,
          listener: (event: { data?: unknown }) => void,
        ) => void,
      };
      stream.telephoneHandler(dom, req);
    });
    const port = await listen(server);
    cleanups.push(async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise((r) => server.close(r));
    });
    const sim = await connectCall(`ws://127.0.0.1:${port}/media-stream`, { From: CALLER }, null);
    await waitFor(() => stream.isLive(sim.streamSid), 5000, "call registered");
    await talkAndHearEcho(sim);
    expect(seen[0]?.from).toBe(CALLER);
    expect(seen[0]?.to).toBeUndefined();
    await sim.stop();
    await waitFor(() => stream.liveConnections === 0, 5000, "call cleaned up");
  }, 60_000);

  it("websocketHandler: FastRTC's /websocket/offer protocol on an app route, behind the auth hook", async () => {
    const stream = new Stream({
      handler: new ReplyOnPause(
        async function* (a: AudioChunk) {
          yield a;
        },
        { model: new EnergyVad() },
      ),
      auth: ({ headers }) => headers.authorization === "Bearer ok",
    });
    cleanups.push(() => stream.close());
    const server = createServer();
    const wss = new WebSocketServer({ server, path: "/ws" });
    wss.on("connection", (socket, req) => stream.websocketHandler(socket, req));
    const port = await listen(server);
    cleanups.push(async () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
      await new Promise((r) => server.close(r));
    });
    const open = async (authorization: string) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { authorization } });
      cleanups.push(async () => ws.terminate());
      const messages: string[] = [];
      ws.on("message", (d) => messages.push(d.toString()));
      const closed = new Promise<{ code: number; reason: string }>((resolve) =>
        ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
      );
      await new Promise((resolve, reject) => {
        ws.once("open", resolve);
        ws.once("error", reject);
      });
      return { ws, messages, closed };
    };
    const denied = await open("Bearer nope");
    // The start sent at once is held while the hook runs, then refused with the socket.
    denied.ws.send(JSON.stringify({ event: "start", websocket_id: "w-denied" }));
    expect(await denied.closed).toEqual({ code: 1008, reason: "401 Unauthorized" });
    expect(denied.messages.map((m) => JSON.parse(m))).toEqual([
      { type: "error", message: "Unauthorized" },
    ]);
    expect(stream.isLive("w-denied")).toBe(false);

    const allowed = await open("Bearer ok");
    allowed.ws.send(JSON.stringify({ event: "start", websocket_id: "w-ok" }));
    await waitFor(() => stream.isLive("w-ok"), 5000, "websocket registered");
    allowed.ws.close();
    await waitFor(() => !stream.isLive("w-ok"), 5000, "websocket cleaned up");
  });
});
