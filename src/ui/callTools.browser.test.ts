/**
 * The page's call tools in Chromium (issue 13, items 3 and 7): a reply error ends "thinking",
 * the microphone picker and mute, typing without a microphone, and the latency readout — first
 * against the fake app (werift answerer), then against the real server.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AudioChunk } from "../audio/types.js";
import { WebRTCData } from "../handlers/outputs.js";
import { ReplyOnPause } from "../handlers/ReplyOnPause.js";
import { tone } from "../handlers/testing/fakes.js";
import { Stream } from "../server/Stream.js";
import type { LaunchedServer } from "../server/streamTypes.js";
import { hasChromium, SKIP_REASON } from "../testing/chromium.js";
import { EnergyFrameVad } from "../vad/testing/energyFrameVad.js";
import type { PageConfig } from "./pageTypes.js";
import { renderPage } from "./render.js";
import { Answerer } from "./testing/fakeApp.js";
import {
  BASE_CONFIG as baseConfig,
  type OpenedPage,
  pageSuite,
  settle,
  waitForState,
} from "./testing/pageSuite.js";

/** Records what the page does with the microphone and the peer connection's sender. */
const RECORDER = `
  window.__gum = [];
  window.__replaced = [];
  const gum = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (c) => {
    if (window.__denyMic) throw new DOMException("Permission denied", "NotAllowedError");
    const s = await gum(c);
    window.__gum.push({ constraints: c, stream: s });
    return s;
  };
  const replace = RTCRtpSender.prototype.replaceTrack;
  RTCRtpSender.prototype.replaceTrack = function (t) {
    window.__replaced.push(t ? t.label : null);
    return replace.call(this, t);
  };
`;

describe.skipIf(!hasChromium)(`page call tools in Chromium (${SKIP_REASON})`, () => {
  const suite = pageSuite();

  /** Opens the fake app's page, or `url`'s page rendered with the current sources. */
  function open(config: PageConfig, url?: string): Promise<OpenedPage> {
    return suite.open(config, {
      ...(url ? { url } : {}),
      prepare: async (page: Page) => {
        await page.addInitScript(RECORDER);
        if (!url) return;
        // The real server's page configuration, with the page built from the current sources
        // (the server itself may serve an older dist/ui build).
        const served = await (await fetch(url)).text();
        const json = /<script id="fastrtc-config" type="application\/json">(.*?)<\/script>/s.exec(
          served,
        )?.[1];
        const real = JSON.parse(json ?? "{}") as PageConfig;
        await page.route(
          (u) => u.pathname === "/",
          (route) =>
            route.fulfill({ contentType: "text/html", body: renderPage(real, suite.bundle) }),
        );
      },
    });
  }

  it("leaves 'thinking' on an error from the app, and on a turn that ends without audio", async () => {
    const answerer = new Answerer();
    suite.app.setOfferHandler((body) => answerer.handle(body));
    const { page, errors } = await open({ ...baseConfig, title: "Echo" });
    try {
      // A speech-only app: no text field, no latency readout.
      expect(await page.locator(".fastrtc-composer, .fastrtc-latency").count()).toBe(0);
      await page.click("button.fastrtc-button");
      await waitForState(page, "listening", 20_000);
      await answerer.send({ type: "log", data: "pause_detected" });
      await waitForState(page, "thinking");
      await answerer.send({ type: "error", message: "The reply function failed: boom" });
      await waitForState(page, "listening");
      await page.getByRole("alert").getByText("The reply function failed: boom").waitFor();

      await answerer.send({ type: "log", data: "pause_detected" });
      await waitForState(page, "thinking");
      await answerer.send({
        type: "log",
        data: "turn_event",
        meta: { turn: 2, type: "turn_ended", at: 5000, latencies: {} },
      });
      await waitForState(page, "listening");
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await answerer.pc.close();
    }
  });

  it("lists the microphones, switches the live call to another one, and mutes", async () => {
    const answerer = new Answerer();
    suite.app.setOfferHandler((body) => answerer.handle(body));
    const { page, errors } = await open({ ...baseConfig, title: "Pick a microphone" });
    try {
      const picker = page.getByLabel("Microphone", { exact: true });
      const mute = page.locator("button.fastrtc-mute");
      await picker.waitFor();
      expect(await mute.isDisabled()).toBe(true);
      await page.click("button.fastrtc-button");
      await waitForState(page, "listening", 20_000);
      // With permission the labels are known: Chromium's fake devices.
      await expect
        .poll(async () => (await picker.locator("option").allTextContents()).join("|"), {
          timeout: 5000,
        })
        .toMatch(/Fake/);
      const options = await picker
        .locator("option")
        .evaluateAll((els) =>
          els.map((el) => ({ value: el.getAttribute("value"), label: el.textContent })),
        );
      expect(options.length).toBeGreaterThan(1);
      expect(options.some((o) => o.value === "none")).toBe(false); // speech-only app
      const other = options.find((o) => o.value !== (options[0]?.value ?? ""));
      if (!other?.value) throw new Error("need a second fake microphone");
      await picker.selectOption(other.value);
      await expect.poll(() => page.evaluate("window.__replaced.length"), { timeout: 5000 }).toBe(1);
      const asked = (await page.evaluate(
        "window.__gum.map((g) => g.constraints.audio.deviceId ?? null)",
      )) as Array<{ exact?: string } | null>;
      expect(asked.at(-1)).toEqual({ exact: other.value });
      expect(await picker.inputValue()).toBe(other.value);
      // The first microphone is released.
      expect(await page.evaluate("window.__gum[0].stream.getAudioTracks()[0].readyState")).toBe(
        "ended",
      );

      expect(await mute.isDisabled()).toBe(false);
      await mute.click();
      expect(await mute.getAttribute("aria-pressed")).toBe("true");
      expect(await mute.getAttribute("aria-label")).toBe("Unmute microphone");
      expect(await page.evaluate("window.__gum.at(-1).stream.getAudioTracks()[0].enabled")).toBe(
        false,
      );
      await mute.evaluate((el) => (el as unknown as { blur(): void }).blur());
      await settle(page);
      await page.screenshot({ path: "/tmp/ui-tools-muted.png" });
      await mute.click();
      expect(await page.evaluate("window.__gum.at(-1).stream.getAudioTracks()[0].enabled")).toBe(
        true,
      );
      await page.click("button.fastrtc-button");
      await waitForState(page, "idle");
      expect(await mute.isDisabled()).toBe(true);
      expect(await mute.getAttribute("aria-pressed")).toBe("false");
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await answerer.pc.close();
    }
  });

  it("types without a microphone: a message while idle starts a call that never asks for one", async () => {
    const answerer = new Answerer();
    suite.app.setOfferHandler((body) => answerer.handle(body));
    const { page, errors } = await open({
      ...baseConfig,
      title: "Type or talk",
      textTurns: true,
      showLatency: true,
    });
    try {
      await page.evaluate("window.__denyMic = true");
      const message = page.getByLabel("Message", { exact: true });
      await message.fill("Hello without a microphone");
      await message.press("Enter");
      const sent = await answerer.waitForReceived(1, 20_000);
      expect(JSON.parse(sent[0] ?? "")).toEqual({
        type: "text",
        data: "Hello without a microphone",
      });
      await waitForState(page, "listening");
      expect(await page.textContent(".fastrtc-status-text")).toBe("Type a message");
      expect(await page.evaluate("window.__gum.length")).toBe(0);
      // Audio is still negotiated (a silent track), so the reply can be heard.
      const offer = suite.app.offers.filter((o) => o.type === "offer").at(-1);
      expect(String(offer?.sdp)).toContain("m=audio");
      expect(await page.getByLabel("Microphone", { exact: true }).inputValue()).toBe("none");
      expect(await page.locator("button.fastrtc-mute").isDisabled()).toBe(true);

      // The latency readout: a typed turn is measured from the message.
      await answerer.send({ type: "log", data: "pause_detected" });
      await answerer.send({
        type: "log",
        data: "turn_event",
        meta: {
          turn: 1,
          type: "first_audio_sent",
          at: 1234,
          latencies: { turnDetectedToFirstAudioMs: 412.6 },
        },
      });
      const readout = page.locator(".fastrtc-latency");
      await readout.getByText("413 ms").waitFor();
      expect(await readout.textContent()).toBe("413 ms message → reply (turn 1)");
      await answerer.send({
        type: "log",
        data: "turn_event",
        meta: {
          turn: 2,
          type: "first_audio_sent",
          at: 4321,
          latencies: { speechEndToFirstAudioMs: 655.2, turnDetectedToFirstAudioMs: 240 },
        },
      });
      await readout.getByText("655 ms").waitFor();
      expect(await readout.getAttribute("data-turn")).toBe("2");
      await settle(page);
      await page.screenshot({ path: "/tmp/ui-tools-typing.png" });

      // Clicking the button with the microphone denied: a warning, and the call still starts.
      await page.click("button.fastrtc-button");
      await waitForState(page, "idle");
      const second = new Answerer();
      suite.app.setOfferHandler((body) => second.handle(body));
      await page.click("button.fastrtc-button");
      await page
        .getByRole("alert")
        .getByText(/Microphone access was denied.*You can still type\./)
        .waitFor();
      await waitForState(page, "listening", 20_000);
      expect(await page.textContent(".fastrtc-status-text")).toBe("Type a message");
      await page.click("button.fastrtc-button");
      await waitForState(page, "idle");
      await second.pc.close();
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await answerer.pc.close();
    }
  });

  // Peers on the main thread, and on a media thread (werift, Opus and pacing in a worker).
  describe.each([0, 1])("against the real server (webrtcMediaThreads: %i)", (mediaThreads) => {
    let server: LaunchedServer | undefined;
    let stream: Stream;
    beforeAll(async () => {
      stream = new Stream({
        webrtcMediaThreads: mediaThreads,
        handler: new ReplyOnPause(
          async function* (input) {
            if (input instanceof WebRTCData && input.textbox === "fail") {
              throw new Error("the model is unreachable");
            }
            yield [24000, tone(0.6, 24000)] as AudioChunk;
          },
          { acceptsText: true, frameVad: new EnergyFrameVad(), turnDetector: null },
        ),
        uiArgs: { title: "Typed turns", showLatency: true },
      });
      server = await stream.launch({ port: 0 });
    });
    afterAll(async () => {
      await server?.close();
    });

    it("answers a typed message with audio and shows its latency; a failed reply ends 'thinking'", async () => {
      if (!server) throw new Error("setup failed");
      const { page, errors } = await open(baseConfig, server.url);
      try {
        // What the server told the page.
        expect(await page.locator(".fastrtc-composer").count()).toBe(1);
        expect(await page.locator(".fastrtc-latency").count()).toBe(1);
        await page.evaluate("window.__denyMic = true");
        const message = page.getByLabel("Message", { exact: true });
        await message.fill("what time is it?");
        await message.press("Enter");
        const readout = page.locator(".fastrtc-latency");
        await readout.getByText(/ms message → reply \(turn 1\)/).waitFor({ timeout: 20_000 });
        const ms = Number(await readout.getAttribute("data-ms"));
        expect(ms).toBeGreaterThanOrEqual(0);
        await waitForState(page, "listening", 10_000);

        await message.fill("fail");
        await message.press("Enter");
        await page
          .getByRole("alert")
          .getByText(/the model is unreachable/)
          .waitFor();
        await waitForState(page, "listening", 10_000);
        expect(await page.getAttribute("body", "data-last-log")).not.toBe("response_starting");
        expect(errors).toEqual([]);
      } finally {
        await page.close();
      }
    });
  });
});
