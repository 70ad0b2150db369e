/**
 * The browser entry's WebSocket client in real Chromium: bundled with esbuild for the browser
 * platform, served by the fake server (same origin), talking to it over Chromium's own
 * WebSocket.
 */
import { existsSync } from "node:fs";
import { build } from "esbuild";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  FakeWebSocketServer,
  type FakeWebSocketServerOptions,
} from "./testing/fakeWebSocketServer.js";

const CHROMIUM = "/usr/bin/chromium";

describe("browser entry bundle", () => {
  it("pulls in no Node built-ins and nothing outside the client but the pure audio modules (G.711, PCM, the shared resampler and its WebAssembly loop)", async () => {
    const bundle = await build({
      entryPoints: [new URL("./index.ts", import.meta.url).pathname],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
    });
    const inputs = Object.keys(bundle.metafile.inputs);
    expect(inputs.filter((p) => !p.startsWith("src/client/")).sort()).toEqual([
      "src/audio/firKernel.ts",
      "src/audio/g711.ts",
      "src/audio/pcm.ts",
      "src/audio/resample.ts",
      "src/audio/types.ts",
    ]);
    const text = bundle.outputFiles[0]!.text;
    expect(text).not.toMatch(/\bprocess\.|\brequire\(|\bBuffer\b|node:/);
  });
});

describe.skipIf(!existsSync(CHROMIUM))(
  `WebSocket client in Chromium (skipped: no ${CHROMIUM})`,
  () => {
    let browser: Browser;
    let script: string;
    let server: FakeWebSocketServer | null = null;
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
        args: ["--no-sandbox", "--disable-gpu"],
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

    /** A page on the fake server's origin (served by it) with the bundle loaded. */
    async function open(
      options: FakeWebSocketServerOptions = {},
    ): Promise<[Page, FakeWebSocketServer]> {
      const s = await FakeWebSocketServer.start({
        ...options,
        pageHtml: `<!doctype html><html><body><script>${script}</script></body></html>`,
      });
      server = s;
      const p = await browser.newPage();
      page = p;
      await p.goto(`${s.url}/`);
      return [p, s];
    }

    it("connects same-origin, sends and receives audio, typed events, ping, stop", async () => {
      const [p, s] = await open();
      const result = (await p.evaluate(`(async () => {
      const client = new FastRTC.FastRTCWebSocketClient({ websocketId: "b1", outputSampleRate: 48000 });
      window.client = client;
      window.events = [];
      window.audio = [];
      for (const name of ["log", "error", "clear", "warning"]) client.on(name, (m) => window.events.push([name, m]));
      client.on("audio", (a) => window.audio.push(a.samples.length));
      await client.connect();
      const f = new Float32Array(4800);
      for (let i = 0; i < f.length; i++) f[i] = 0.3 * Math.sin(2 * Math.PI * 440 * i / 48000);
      const sent = client.sendAudio(f, 48000);
      const rtt = await client.ping();
      return { url: client.url, state: client.state, sent, rtt };
    })()`)) as { url: string; state: string; sent: number; rtt: number };
      expect(result.url).toBe(`${s.url.replace("http:", "ws:")}/websocket/offer`);
      expect(result.state).toBe("connected");
      expect(result.sent).toBe(5);
      expect(result.rtt).toBeGreaterThanOrEqual(0);

      const conn = await s.connection();
      expect(conn.websocketId).toBe("b1");
      await conn.waitFor(() => conn.mediaSizes.length === 5);
      expect(conn.mediaSizes).toEqual([960, 960, 960, 960, 960]);
      await p.waitForFunction(`window.audio.length === 5`, undefined, { timeout: 5000 });

      conn.send('{"type": "log", "data": "pause_detected"}');
      conn.clear();
      conn.send("garbage");
      conn.send({ type: "error", message: "boom" });
      await p.waitForFunction(`window.events.length === 4`, undefined, { timeout: 5000 });
      const events = (await p.evaluate(`window.events`)) as [string, unknown][];
      expect(events.map(([n]) => n)).toEqual(["log", "clear", "warning", "error"]);
      expect(events[0]![1]).toEqual({ type: "log", data: "pause_detected" });
      expect(events[2]![1]).toMatchObject({ type: "warning", origin: "client" });

      const after = await p.evaluate(`window.client.stop().then(() => window.client.state)`);
      expect(after).toBe("closed");
      expect((await conn.closed).code).toBe(1000);
      expect(conn.events("stop")).toHaveLength(1);
    });

    it("typed errors: concurrency limit, and a refused upgrade (status hidden by the browser)", async () => {
      const [p] = await open({
        concurrencyLimit: 0,
        rejectUpgrade: (req) => (req.url?.includes("deny") ? { status: 401 } : undefined),
      });
      const result = await p.evaluate(`(async () => {
      const a = new FastRTC.FastRTCWebSocketClient();
      const limit = await a.connect().catch((e) => e);
      const b = new FastRTC.FastRTCWebSocketClient({ url: "/?deny=1" });
      const refused = await b.connect().catch((e) => e);
      return {
        isLimit: limit instanceof FastRTC.ConcurrencyLimitError,
        limit: limit.limit,
        aState: a.state,
        isClosed: refused instanceof FastRTC.WebSocketClosedError,
        isUpgrade: refused instanceof FastRTC.WebSocketUpgradeError,
        opened: refused.opened,
        bState: b.state,
      };
    })()`);
      expect(result).toEqual({
        isLimit: true,
        limit: 0,
        aState: "failed",
        isClosed: true,
        isUpgrade: false,
        opened: false,
        bState: "failed",
      });
    });
  },
);
