/**
 * A Chromium tab that is killed in the middle of a call (its renderer crashes: no `pagehide`,
 * no Stop, no DTLS close alert, no more RTP) holds its slot only until the server's inactivity
 * watchdog notices, not for the ~30 s of ICE consent; the next caller gets the slot.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../../src/audio/testing/fixtures.js";
import { type LaunchedServer, Stream } from "../../src/index.js";
import { FrameEcho } from "../../src/server/testing/frameEcho.js";
import {
  type BrowserHandle,
  hasChromium,
  launchChromium,
  newProbedPage,
  readProbe,
  SKIP_REASON,
  waitUntil,
} from "./harness.js";

describe.skipIf(!hasChromium)(`killed tab${hasChromium ? "" : ` (${SKIP_REASON})`}`, () => {
  let browser: BrowserHandle;
  let server: LaunchedServer;
  let stream: Stream;

  beforeAll(async () => {
    stream = new Stream({ handler: new FrameEcho(), concurrencyLimit: 1, inactivityTimeout: 2 });
    server = await stream.launch({ port: 0 });
    browser = await launchChromium(fixturePath("synthetic/48k/two_turns.wav"));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("a crashed tab's slot is freed by the inactivity watchdog, well before ICE consent (30 s)", async () => {
    const disconnects: string[] = [];
    stream.on("disconnect", (e) => disconnects.push(e.id));
    const page = await newProbedPage(browser.context);
    await page.goto(server.url);
    await page.locator("button.fastrtc-button").click();
    await waitUntil(
      async () => (await readProbe(page)).pcStates.some((s) => s.state === "connected"),
      15_000,
      () => "the page did not connect",
    );
    await waitUntil(
      () => stream.liveConnections === 1,
      5000,
      () => "no slot taken",
    );

    // Kill the renderer: nothing more leaves the tab, and it says goodbye to nobody.
    const cdp = await browser.context.newCDPSession(page);
    const killedAt = Date.now();
    cdp.send("Page.crash").catch(() => undefined);
    await waitUntil(
      () => stream.liveConnections === 0,
      20_000, // the watchdog takes ~2 s; ICE consent alone would take 30 s
      () => `liveConnections=${stream.liveConnections}`,
      50,
    );
    const freedAfterMs = Date.now() - killedAt;
    console.info(`[e2e dead peer] crashed tab -> slot freed in ${freedAfterMs} ms`);
    expect(disconnects).toHaveLength(1);
    await page.close().catch(() => undefined);

    // The slot (limit 1) takes the next tab.
    const next = await newProbedPage(browser.context);
    try {
      await next.goto(server.url);
      await next.locator("button.fastrtc-button").click();
      await waitUntil(
        () => stream.liveConnections === 1,
        15_000,
        () => "next tab got no slot",
      );
    } finally {
      await next.close();
    }
  }, 60_000);
});
