import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import type { AudioChunk } from "../../audio/types.js";
import { ReplyOnPause } from "../../handlers/ReplyOnPause.js";
import { EnergyVad } from "../../handlers/testing/fakes.js";
import { configureLogger } from "../../logger.js";
import { Stream } from "../Stream.js";
import { makeOffer, post, type RawOffer } from "../testing/peers.js";
import { openWs } from "../testing/wsPeer.js";

async function* echo(audio: AudioChunk) {
  yield audio;
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function newStream(): Stream {
  const stream = new Stream({
    handler: new ReplyOnPause(echo, { model: new EnergyVad() }),
    modality: "audio",
  });
  cleanups.push(() => stream.close());
  return stream;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function offer(): Promise<RawOffer> {
  const o = await makeOffer();
  cleanups.push(() => o.close());
  return o;
}

/** The same checks for every framework: answer, 422, 413, the app's own routes untouched. */
async function checkMounted(base: string, stream: Stream, ownPath: string): Promise<void> {
  const o = await offer();
  const ok = await post(`${base}/api/webrtc/offer`, { sdp: o.sdp, type: "offer", webrtc_id: "m1" });
  expect(ok.status).toBe(200);
  expect(ok.json).toMatchObject({ type: "answer" });
  expect(stream.liveConnections).toBe(1);
  const bad = await post(`${base}/api/webrtc/offer`, "{nope", { raw: true });
  expect(bad.status).toBe(422);
  expect(bad.json).toMatchObject({ detail: [{ type: "json_invalid" }] });
  const missing = await post(`${base}/api/webrtc/offer`, { sdp: "x" });
  expect(missing.status).toBe(422);
  const big = await post(`${base}/api/webrtc/offer`, "x".repeat(200_000), { raw: true });
  expect(big.status).toBe(413);
  const own = await fetch(`${base}${ownPath}`);
  expect(own.status).toBe(200);
  expect(await own.text()).toBe("own route");
  const page = await fetch(`${base}/api/`);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("fastrtc-config");
  await stream.closeConnection("m1");
  expect(stream.liveConnections).toBe(0);
  await checkWebSockets(base, stream);
}

/** The WebSocket and telephone routes under the prefix. */
async function checkWebSockets(base: string, stream: Stream): Promise<void> {
  const wsBase = base.replace(/^http/, "ws");
  const peer = await openWs(`${wsBase}/api/websocket/offer`);
  cleanups.push(() => peer.close());
  peer.send({ event: "start", websocket_id: "w1" });
  peer.send({ event: "ping" });
  await peer.waitFor(() => peer.of("pong").length === 1, "pong");
  expect(stream.handlers.has("w1")).toBe(true);
  const phone = await openWs(`${wsBase}/api/telephone/handler`);
  cleanups.push(() => phone.close());
  phone.send({ event: "connected", protocol: "Call", version: "1.0.0" });
  phone.send({ event: "start", streamSid: "MZ1", start: { streamSid: "MZ1", callSid: "CA1" } });
  await peer.waitFor(() => stream.handlers.has("MZ1"), "phone registered");
  await expect(openWs(`${wsBase}/api/elsewhere`)).rejects.toBeTruthy();
  const twiml = await fetch(`${base}/api/telephone/incoming`, { method: "POST" });
  expect(twiml.status).toBe(200);
  expect(twiml.headers.get("content-type")).toContain("application/xml");
  const host = new URL(base).host;
  expect(await twiml.text()).toContain(`url="wss://${host}/api/telephone/handler"`);
  await peer.close();
  await phone.close();
  await peer.waitFor(() => stream.liveConnections === 0, "sockets cleaned up");
}

describe("stream.mount on every supported framework (routes under a prefix, own routes kept)", () => {
  it("Hono", async () => {
    const stream = newStream();
    const app = new Hono();
    app.get("/hello", (c) => c.text("own route"));
    const { serve } = await import("@hono/node-server");
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
    stream.mount(app, { path: "/api", ui: true, server });
    await new Promise<void>((r) => (server.listening ? r() : server.once("listening", () => r())));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await checkMounted(base, stream, "/hello");
  });

  it("Express (also with express.json() in front)", async () => {
    const stream = newStream();
    const app = express();
    app.get("/hello", (_req, res) => {
      res.send("own route");
    });
    const server = createServer(app);
    stream.mount(app, { path: "/api", ui: true, server });
    await checkMounted(await listen(server), stream, "/hello");

    const parsed = express();
    parsed.use(express.json());
    const stream2 = newStream();
    stream2.mount(parsed, { path: "/api" });
    const base = await listen(createServer(parsed));
    const o = await offer();
    const r = await post(`${base}/api/webrtc/offer`, {
      sdp: o.sdp,
      type: "offer",
      webrtc_id: "pre",
    });
    expect(r.status).toBe(200);
    const missing = await post(`${base}/api/webrtc/offer`, { sdp: "x" });
    expect(missing.status).toBe(422);
  });

  it("Fastify", async () => {
    const stream = newStream();
    const app = Fastify();
    app.get("/hello", async () => "own route");
    stream.mount(app, { path: "/api", ui: true });
    await app.listen({ port: 0, host: "127.0.0.1" });
    cleanups.push(() => app.close());
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    await checkMounted(base, stream, "/hello");
  });

  it("node:http server with its own listener", async () => {
    const stream = newStream();
    const server = createServer((req, res) => {
      if (req.url === "/hello") res.end("own route");
      else res.writeHead(404).end();
    });
    stream.mount(server, { path: "/api", ui: true });
    await checkMounted(await listen(server), stream, "/hello");
  });

  it("anything else is refused with a clear error", () => {
    const stream = newStream();
    expect(() => stream.mount({} as never)).toThrow(/Hono app, an Express\/Connect app, a Fastify/);
  });
});

describe("mount without a page", () => {
  it("warns once per stream when `ui` is left out, and not at all with an explicit ui: false", async () => {
    const warnings: string[] = [];
    configureLogger({
      level: "warn",
      sink: { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} },
    });
    try {
      const stream = newStream();
      const app = express();
      const server = createServer(app);
      stream.mount(app, { path: "/api/", server });
      const pageWarnings = () => warnings.filter((w) => w.includes("no page"));
      expect(pageWarnings()).toEqual([
        'mount() serves the routes but no page at "/api/": pass { ui: true } to serve the built-in page there, or { ui: false } to silence this warning',
      ]);
      const base = await listen(server);
      expect((await fetch(`${base}/api/`)).status).toBe(404);
      stream.mount(express(), { path: "/other", server: createServer() });
      expect(pageWarnings()).toHaveLength(1);

      newStream().mount(express(), { ui: false, server: createServer() });
      newStream().mount(createServer(), { ui: true });
      expect(pageWarnings()).toHaveLength(1);
      newStream().mount(createServer());
      expect(pageWarnings()[1]).toContain('no page at "/"');
    } finally {
      configureLogger({ level: "silent" });
    }
  });
});
