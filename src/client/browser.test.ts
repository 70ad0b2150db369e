/**
 * The browser entry in real Chromium: bundled with esbuild for the browser platform, talking to
 * a werift answerer through the page's own `fetch` (routed by Playwright).
 */
import { existsSync } from "node:fs";
import { build } from "esbuild";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  FakeFastRTCServer,
  type FakeServerOptions,
  waitConnected,
} from "./testing/weriftServer.js";

const CHROMIUM = "/usr/bin/chromium";
const ORIGIN = "http://fastrtc.test";

describe.skipIf(!existsSync(CHROMIUM))(`client in Chromium (skipped: no ${CHROMIUM})`, () => {
  let browser: Browser;
  let script: string;
  let server: FakeFastRTCServer | null = null;
  let page: Page | null = null;

  beforeAll(async () => {
    const bundle = await build({
      entryPoints: [new URL("./index.ts", import.meta.url).pathname],
      bundle: true,
      platform: "browser",
      format: "iife",
      globalName: "FastRTC",
      write: false,
    });
    script = bundle.outputFiles[0]!.text;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        `--unsafely-treat-insecure-origin-as-secure=${ORIGIN}`,
      ],
    });
  });

  afterEach(async () => {
    await page?.close();
    page = null;
    await server?.close();
    server = null;
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function open(options: FakeServerOptions = {}): Promise<[Page, FakeFastRTCServer]> {
    const s = new FakeFastRTCServer(options);
    server = s;
    const p = await browser.newPage();
    page = p;
    await p.route(`${ORIGIN}/**`, async (route) => {
      const request = route.request();
      if (request.method() === "GET") {
        await route.fulfill({
          contentType: "text/html",
          body: `<!doctype html><html><body><script>${script}</script></body></html>`,
        });
        return;
      }
      const res = await s.fetch(request.url(), {
        method: request.method(),
        headers: {},
        body: request.postData() ?? "",
      });
      await route.fulfill({
        status: res.status,
        contentType: "application/json",
        body: await res.text(),
      });
    });
    await p.goto(`${ORIGIN}/`);
    return [p, s];
  }

  it("connects with a microphone stream, trickles ICE, sends audio, receives typed events", async () => {
    const [p, s] = await open();
    const result = (await p.evaluate(`(async () => {
      const client = new FastRTC.FastRTCClient({ webrtcId: "browser1" });
      window.client = client;
      window.events = [];
      client.on("error", (m) => window.events.push(m));
      client.on("log", (m) => window.events.push(m));
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      await client.connect(stream);
      return { state: client.state, label: client.dataChannel.label };
    })()`)) as { state: string; label: string };
    expect(result).toEqual({ state: "connected", label: "text" });

    const conn = s.only();
    expect(conn.webrtcId).toBe("browser1");
    expect(conn.offerSdp).toMatch(/m=audio/);
    expect(s.candidateRequests.length).toBeGreaterThan(0);
    await waitConnected(conn.pc);
    const started = performance.now();
    while (conn.received.length < 10 && performance.now() - started < 5000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(conn.received.length).toBeGreaterThanOrEqual(10);

    conn.channels[0]!.send(JSON.stringify({ type: "error", message: "x" }));
    await p.evaluate(`window.client.send("hi")`);
    await p.waitForFunction(`window.events.length >= 2`, undefined, { timeout: 5000 });
    const events = await p.evaluate(`window.events`);
    expect(events).toContainEqual({ type: "error", message: "x" });
    expect(events).toContainEqual({ type: "log", data: "Server received: hi" });

    const after = await p.evaluate(`window.client.stop().then(() => window.client.state)`);
    expect(after).toBe("closed");
  });

  it("receive mode adds a recvonly transceiver; rejections are typed errors", async () => {
    const [p, s] = await open({
      interceptOffer: () => ({
        status: 200,
        body: '{"status": "failed", "meta": {"error": "concurrency_limit_reached", "limit": 2}}',
      }),
    });
    const result = await p.evaluate(`(async () => {
      const client = new FastRTC.FastRTCClient({ mode: "receive" });
      const error = await client.connect().catch((e) => e);
      return {
        isLimit: error instanceof FastRTC.ConcurrencyLimitError,
        limit: error.limit,
        state: client.state,
        pc: client.peerConnection.signalingState,
      };
    })()`);
    expect(result).toEqual({ isLimit: true, limit: 2, state: "failed", pc: "closed" });
    expect(String(s.requests[0]!.body.sdp)).toMatch(/m=audio[\s\S]*a=recvonly/);
  });
});
