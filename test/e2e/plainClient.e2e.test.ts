/**
 * A plain JavaScript page (fixtures/plain-client.html: no bundler, no SDK, written only from
 * FastRTC's documented client steps) against the real server mounted on a `node:http` server,
 * with both ICE variants: wait for gathering to complete, and trickle.
 */
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../../src/audio/testing/fixtures.js";
import { type AudioChunk, ReplyOnPause, Stream } from "../../src/index.js";
import {
  type BrowserHandle,
  hasChromium,
  launchChromium,
  logSequence,
  newProbedPage,
  type ProbeRecords,
  readProbe,
  SKIP_REASON,
  serverMessages,
  speechSegments,
  turnsOf,
  waitUntil,
} from "./harness.js";

const WAV = "synthetic/48k/two_turns.wav";
const HTML = readFileSync(new URL("./fixtures/plain-client.html", import.meta.url), "utf8");

async function* echo(audio: AudioChunk) {
  yield audio;
}

interface PostedBody {
  type?: string;
  webrtc_id?: string;
  sdp?: string;
  candidate?: unknown;
}

interface Exchange {
  request: PostedBody;
  response: Record<string, unknown> | undefined;
}

/** Records every POST /webrtc/offer of a page with the server's JSON answer. */
function recordOffers(page: Page): Exchange[] {
  const exchanges: Exchange[] = [];
  // Recorded when each POST is sent (the page's order), not when it completes: a candidate POST
  // may finish before the offer's answer arrives.
  page.on("request", (request) => {
    if (request.method() !== "POST" || !request.url().endsWith("/webrtc/offer")) return;
    const entry: Exchange = { request: request.postDataJSON() as PostedBody, response: undefined };
    exchanges.push(entry);
    void request
      .response()
      .then((r) => r?.json())
      .then((json) => {
        entry.response = json as Record<string, unknown>;
      })
      .catch(() => undefined);
  });
  return exchanges;
}

/** Records the visibility changes of the page's "thinking" indicator. */
async function watchThinking(page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const el = document.getElementById("thinking");
    window.__thinking = [el.hidden ? "hidden" : "shown"];
    new MutationObserver(() => window.__thinking.push(el.hidden ? "hidden" : "shown"))
      .observe(el, { attributes: true, attributeFilter: ["hidden"] });
  })()`);
}

describe.skipIf(!hasChromium)(
  `plain JavaScript client ↔ real server on node:http${hasChromium ? "" : ` (${SKIP_REASON})`}`,
  () => {
    let stream: Stream;
    let server: Server;
    let baseUrl: string;
    let browser: BrowserHandle | undefined;

    beforeAll(async () => {
      stream = new Stream({
        handler: new ReplyOnPause(echo),
        modality: "audio",
        concurrencyLimit: 1,
      });
      await (stream.handler as ReplyOnPause).warmup();
      server = createServer((req: IncomingMessage, res: ServerResponse) => {
        const path = new URL(req.url ?? "/", "http://localhost").pathname;
        if (req.method === "GET" && path === "/plain.html") {
          res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(HTML);
        } else {
          res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        }
      });
      stream.mount(server, { path: "" });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterEach(async () => {
      await browser?.close();
      browser = undefined;
    });

    afterAll(async () => {
      await stream?.close();
      if (server) {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      }
    });

    /** Opens the plain page, starts a call and waits until both turns were answered. */
    async function converse(ice: "gather" | "trickle") {
      browser = await launchChromium(fixturePath(WAV));
      const page = await newProbedPage(browser.context);
      const pageErrors: string[] = [];
      page.on("pageerror", (err) => pageErrors.push(err.message));
      const exchanges = recordOffers(page);
      await page.goto(`${baseUrl}/plain.html?ice=${ice}`);
      await watchThinking(page);
      await page.click("#start");

      let records: ProbeRecords | undefined;
      const t0 = Date.now();
      records = await waitUntil(
        async () => {
          const r = await readProbe(page);
          records = r;
          const logs = logSequence(r);
          const responses = turnsOf(logs).filter((t) => t.includes("response_starting")).length;
          const segments = speechSegments(r.levels);
          const lastLevel = r.levels[r.levels.length - 1];
          const last = segments[segments.length - 1];
          const quietFor = last && lastLevel ? lastLevel.t + lastLevel.dur - last.end : 0;
          return responses >= 2 && segments.length >= 2 && quietFor >= 800 ? r : undefined;
        },
        15_000,
        () => JSON.stringify({ logs: records && logSequence(records), notes: records?.notes }),
        250,
      );
      const waitedMs = Date.now() - t0;
      const segments = speechSegments(records.levels);
      const thinking = (await page.evaluate("window.__thinking")) as string[];
      console.info(
        `[e2e plain ${ice}]`,
        JSON.stringify({
          waitedMs,
          logs: serverMessages(records).map(
            (m) => `${Math.round(m.t)} ${m.type}:${String(m.data ?? m.message)}`,
          ),
          segments: segments.map((s) => ({
            start: Math.round(s.start),
            ms: Math.round(s.duration),
          })),
          posts: exchanges.map(
            (e) => `${e.request.type} → ${JSON.stringify(e.response ?? null).slice(0, 80)}`,
          ),
          thinking,
          tracks: records.tracks,
          notes: records.notes,
        }),
      );
      return { page, records, segments, thinking, exchanges, pageErrors };
    }

    function expectBothTurnsAnswered(records: ProbeRecords): void {
      const messages = serverMessages(records);
      expect(messages.filter((m) => m.type === "error")).toEqual([]);
      const turns = turnsOf(logSequence(records));
      expect(turns).toHaveLength(2);
      for (const turn of turns) {
        const pause = turn.indexOf("pause_detected");
        expect(pause).toBeGreaterThanOrEqual(0);
        expect(turn.indexOf("response_starting")).toBeGreaterThan(pause);
      }
    }

    /** Waits until the server has no connection left; returns how long that took. */
    async function serverLetGo(since: number): Promise<number> {
      await waitUntil(
        () => stream.liveConnections === 0,
        35_000,
        () => `liveConnections=${stream.liveConnections}`,
        20,
      );
      return Date.now() - since;
    }

    it("ICE gathered before the offer: both turns answered, reply audio heard, limit reported", async () => {
      const { page, records, segments, thinking, exchanges, pageErrors } = await converse("gather");

      expectBothTurnsAnswered(records);
      expect(segments.length).toBeGreaterThanOrEqual(2);
      // The documented indicator: shown at pause_detected, hidden at response_starting.
      expect(thinking).toEqual(expect.arrayContaining(["shown", "hidden"]));
      expect(await page.locator("#thinking").isHidden()).toBe(true);
      expect(await page.textContent("#error")).toBe("");
      expect(await page.getAttribute("body", "data-status")).toBe("connected");
      // One POST: the offer, with the candidates inside the SDP; the answer is an SDP answer.
      expect(exchanges.map((e) => e.request.type)).toEqual(["offer"]);
      expect(exchanges[0]?.request.sdp).toMatch(/a=candidate:/);
      expect(exchanges[0]?.response).toMatchObject({ type: "answer" });
      expect(pageErrors).toEqual([]);

      // A second call while this one is live: the documented `status == "failed"` handling.
      const second = await newProbedPage(page.context());
      await second.goto(`${baseUrl}/plain.html?ice=gather`);
      await second.click("#start");
      await second
        .getByText("Too many connections. Maximum limit is 1")
        .waitFor({ timeout: 10_000 });
      expect(await second.getAttribute("body", "data-status")).toBe("idle");
      await second.close();
      expect(stream.liveConnections).toBe(1);

      // The documented stop (close the peer connection 500 ms later; no server call).
      const stoppedAt = Date.now();
      await page.click("#stop");
      const ms = await serverLetGo(stoppedAt);
      console.info(`[e2e plain gather] Stop clicked → liveConnections 0 in ${ms} ms`);
    });

    it("trickled ICE: both turns answered and reply audio heard", async () => {
      const { page, records, segments, thinking, exchanges, pageErrors } =
        await converse("trickle");

      expectBothTurnsAnswered(records);
      expect(segments.length).toBeGreaterThanOrEqual(2);
      expect(thinking).toEqual(expect.arrayContaining(["shown", "hidden"]));
      expect(await page.textContent("#error")).toBe("");
      expect(await page.getAttribute("body", "data-status")).toBe("connected");
      // The offer went first, without candidates; then each candidate in its own POST.
      const offer = exchanges[0];
      expect(offer?.request.type).toBe("offer");
      expect(offer?.request.sdp).not.toMatch(/a=candidate:/);
      const candidates = exchanges.filter((e) => e.request.type === "ice-candidate");
      expect(candidates.length).toBeGreaterThanOrEqual(1);
      for (const c of candidates) {
        expect(c.request.webrtc_id).toBe(offer?.request.webrtc_id);
        expect(c.request.candidate).toMatchObject({
          candidate: expect.stringMatching(/^candidate:/),
        });
      }
      expect(pageErrors).toEqual([]);

      const stoppedAt = Date.now();
      await page.click("#stop");
      const ms = await serverLetGo(stoppedAt);
      console.info(`[e2e plain trickle] Stop clicked → liveConnections 0 in ${ms} ms`);
    });

    // Opt-in (FASTRTC_E2E_SLOW=1, ~35 s): the plain page has no pagehide handler, so closing its
    // tab sends nothing to the server (no DTLS close alert); the server only lets the connection
    // go when ICE consent expires (RFC 7675: 30 s).
    it.runIf(process.env.FASTRTC_E2E_SLOW === "1")(
      "a tab closed without Stop is released when ICE consent expires (~30 s)",
      async () => {
        browser = await launchChromium(fixturePath(WAV));
        const page = await newProbedPage(browser.context);
        await page.goto(`${baseUrl}/plain.html?ice=gather`);
        await page.click("#start");
        await page.waitForSelector('body[data-status="connected"]', { timeout: 10_000 });
        expect(stream.liveConnections).toBe(1);
        const closedAt = Date.now();
        await page.close();
        const ms = await serverLetGo(closedAt);
        console.info(`[e2e plain] tab closed without Stop → liveConnections 0 in ${ms} ms`);
        expect(ms).toBeGreaterThan(5_000); // not noticed at once: nothing was sent
      },
      60_000,
    );
  },
);
