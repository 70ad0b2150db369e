import { describe, expect, it } from "vitest";
import { hasChromium, SKIP_REASON } from "../testing/chromium.js";
import { Answerer } from "./testing/fakeApp.js";
import {
  BASE_CONFIG as baseConfig,
  bodyState,
  pageSuite,
  settle,
  waitForState,
} from "./testing/pageSuite.js";

describe.skipIf(!hasChromium)(`built-in page in Chromium (${SKIP_REASON})`, () => {
  const suite = pageSuite();
  const open = suite.open;

  it("renders the uiArgs, then reports the concurrency limit and returns to idle", async () => {
    suite.app.setOfferHandler(async () => {
      await new Promise((r) => setTimeout(r, 1500)); // long enough to see (and photograph) "connecting"
      return { status: "failed", meta: { error: "concurrency_limit_reached", limit: 3 } };
    });
    const { page, errors } = await open({
      ...baseConfig,
      title: "Talk to Echo",
      subtitle: "Say something, then pause. 1 < 2 & 3 > 2",
      iconButtonColor: "#0f766e",
      pulseColor: "#14b8a6",
      iconRadius: 30,
    });

    expect(await page.title()).toBe("Talk to Echo");
    expect(await page.textContent("h1.fastrtc-title")).toBe("Talk to Echo");
    expect(await page.textContent(".fastrtc-subtitle")).toBe(
      "Say something, then pause. 1 < 2 & 3 > 2",
    );
    const button = page.locator("button.fastrtc-button");
    const look = await button.evaluate((el) => {
      const s = el.ownerDocument.defaultView?.getComputedStyle(el);
      return { background: s?.backgroundColor, radius: s?.borderTopLeftRadius };
    });
    expect(look).toEqual({ background: "rgb(15, 118, 110)", radius: "30%" });
    expect(await button.getAttribute("aria-label")).toBe("Start talking");
    expect(await button.getAttribute("data-state")).toBe("idle");
    expect(await bodyState(page)).toBe("idle");
    expect(await page.locator("audio#fastrtc-remote-audio").count()).toBe(1);
    await settle(page);
    await page.screenshot({ path: "/tmp/ui-idle.png" });

    await button.click();
    await waitForState(page, "connecting");
    expect(await button.getAttribute("data-state")).toBe("connecting");
    expect(await button.getAttribute("aria-label")).toMatch(/Connecting/);
    await settle(page);
    await page.screenshot({ path: "/tmp/ui-connecting.png" });

    const alert = page.getByRole("alert");
    await alert
      .getByText(
        "Too many people are talking to this app right now (limit 3). Try again in a moment.",
      )
      .waitFor({ timeout: 10_000 });
    await waitForState(page, "idle");
    expect(await button.getAttribute("data-state")).toBe("idle");
    await settle(page);
    await page.screenshot({ path: "/tmp/ui-limit.png" });

    // What reached the server: a FastRTC offer with audio and the "text" data channel.
    const offer = suite.app.offers.find((o) => o.type === "offer");
    expect(offer?.webrtc_id).toEqual(expect.any(String));
    expect(String(offer?.sdp)).toContain("m=audio");
    expect(String(offer?.sdp)).toContain("webrtc-datachannel");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("follows a turn over a real WebRTC call: listening, thinking, speaking, listening", async () => {
    const answerer = new Answerer();
    suite.app.setOfferHandler((body) => answerer.handle(body));
    const { page, errors } = await open({ ...baseConfig, title: "Echo", subtitle: "Talk to me" });
    const button = page.locator("button.fastrtc-button");
    try {
      await button.focus();
      await page.keyboard.press("Enter"); // keyboard operable
      await waitForState(page, "listening", 20_000);
      expect(await button.getAttribute("aria-label")).toBe("Listening. Press to stop");
      expect(await button.getAttribute("aria-pressed")).toBe("true");
      await button.evaluate((el) => el.blur()); // screenshots without the focus ring
      // the ring follows the fake microphone
      const orb = page.locator(".fastrtc-orb");
      await expect
        .poll(
          async () => Number(await orb.evaluate((el) => el.style.getPropertyValue("--level"))),
          {
            timeout: 10_000,
          },
        )
        .toBeGreaterThan(0);
      await settle(page);
      await page.screenshot({ path: "/tmp/ui-listening.png" });

      await answerer.send({ type: "log", data: "pause_detected" });
      await waitForState(page, "thinking");
      expect(await page.getAttribute("body", "data-last-log")).toBe("pause_detected");
      await settle(page);
      await page.screenshot({ path: "/tmp/ui-thinking.png" });

      await answerer.send({ type: "log", data: "response_starting" });
      await waitForState(page, "speaking");
      expect(await button.getAttribute("data-state")).toBe("speaking");
      await settle(page);
      await page.screenshot({ path: "/tmp/ui-speaking.png" });
      // No reply audio arrives from this answerer: the page stops waiting and listens again.
      await waitForState(page, "listening", 5_000);

      await answerer.send({ type: "log", data: "pause_detected" });
      await waitForState(page, "thinking");
      await answerer.send({ type: "log", data: "started_talking" });
      await waitForState(page, "listening");

      await answerer.send({ type: "warning", message: "Speak a little louder" });
      await page.getByRole("alert").getByText("Speak a little louder").waitFor();
      await answerer.send({ type: "error", message: "The model is warming up" });
      await page.getByRole("alert").getByText("The model is warming up").waitFor();
      expect(await bodyState(page)).toBe("listening");
      await settle(page);
      await page.screenshot({ path: "/tmp/ui-messages.png" });

      await answerer.send({ type: "end_stream", data: "Time is up. Bye!" });
      await waitForState(page, "idle");
      await page.getByRole("alert").getByText("Time is up. Bye!").waitFor();
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      await answerer.pc.close();
    }
  });

  it("stops when clicked again, and shows a compact card when fullScreen is false", async () => {
    const answerer = new Answerer();
    suite.app.setOfferHandler((body) => answerer.handle(body));
    const { page } = await open({
      ...baseConfig,
      title: "<h2 class='custom'>Compact <em>card</em></h2>",
      fullScreen: false,
      pulseColor: "#7c3aed",
      iconButtonColor: "#4f46e5",
    });
    try {
      expect(await page.textContent(".fastrtc-title h2.custom")).toBe("Compact card");
      expect(await page.title()).toBe("Compact card");
      await page.click("button.fastrtc-button");
      await waitForState(page, "listening", 20_000);
      await settle(page);
      await page.screenshot({ path: "/tmp/ui-compact.png" });
      await page.emulateMedia({ colorScheme: "dark" });
      await settle(page);
      await page.screenshot({ path: "/tmp/ui-compact-dark.png" });
      await page.click("button.fastrtc-button");
      await waitForState(page, "idle");
      expect(await page.getByRole("alert").textContent()).toBe("");
    } finally {
      await page.close();
      await answerer.pc.close();
    }
  });

  it("hides the title, and explains a denied microphone", async () => {
    const { page } = await open({ ...baseConfig, hideTitle: true });
    try {
      expect(await page.locator(".fastrtc-header").count()).toBe(0);
      await page.evaluate(
        `navigator.mediaDevices.getUserMedia = () =>
          Promise.reject(new DOMException("Permission denied", "NotAllowedError"));`,
      );
      await page.click("button.fastrtc-button");
      await page
        .getByRole("alert")
        .getByText(/Microphone access was denied/)
        .waitFor();
      await waitForState(page, "idle");
    } finally {
      await page.close();
    }
  });
});
