/**
 * The demo voice assistant (`npm start`) and the chat example in Chromium, with the real models:
 * the fake microphone speaks a fixture, Silero takes the turn, Moonshine transcribes, the
 * transcript reaches the page's chatbot through `/outputs` (server-sent events) and the espeak
 * answer plays.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChatApp } from "../../examples/chat.js";
import { fixturePath } from "../../src/audio/testing/fixtures.js";
import { createVoiceApp } from "../../src/demo/voiceApp.js";
import {
  closeSttModels,
  getSttModel,
  getTtsModel,
  type LaunchedServer,
  type Stream,
} from "../../src/index.js";
import {
  type BrowserHandle,
  hasChromium,
  launchChromium,
  newProbedPage,
  readProbe,
  SKIP_REASON,
  serverMessages,
  speechSegments,
  waitUntil,
} from "./harness.js";

/** Records (page clock) when chat messages of each role first appear. */
const CHAT_WATCH = `
  window.__chat = { user: null, assistant: null, texts: [] };
  new MutationObserver(() => {
    for (const el of document.querySelectorAll(".fastrtc-chat-message")) {
      const role = el.getAttribute("data-role");
      if (role && window.__chat[role] === null) window.__chat[role] = performance.now();
    }
    window.__chat.texts = [...document.querySelectorAll(".fastrtc-chat-message")].map(
      (el) => el.getAttribute("data-role") + ": " + (el.querySelector(".fastrtc-chat-bubble")?.textContent ?? ""),
    );
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });
`;

interface ChatSeen {
  user: number | null;
  assistant: number | null;
  texts: string[];
}

async function talk(
  stream: Stream,
  wav: string,
  expectUser: RegExp,
): Promise<{ chat: ChatSeen; replyStart: number; replyEnd: number; sse: number }> {
  let server: LaunchedServer | undefined;
  let browser: BrowserHandle | undefined;
  try {
    server = await stream.launch({ port: 0 });
    browser = await launchChromium(fixturePath(wav));
    const page = await newProbedPage(browser.context);
    await page.addInitScript({
      content: `document.addEventListener("DOMContentLoaded", () => {${CHAT_WATCH}});`,
    });
    let sse = 0;
    page.on("response", (res) => {
      if (
        res.url().includes("/outputs?webrtc_id=") &&
        (res.headers()["content-type"] ?? "").startsWith("text/event-stream")
      )
        sse++;
    });
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(err.message));
    await page.goto(server.url);
    await page.locator("button.fastrtc-button").click();
    let lastChat: ChatSeen | null = null;
    const done = await waitUntil(
      async () => {
        const chat = (await page.evaluate("window.__chat")) as ChatSeen;
        lastChat = chat;
        const records = await readProbe(page);
        const segments = speechSegments(records.levels);
        const last = records.levels[records.levels.length - 1];
        const reply = segments[0];
        const quiet = reply && last ? last.t + last.dur - reply.end : 0;
        return chat.assistant !== null && reply && quiet > 800
          ? { chat, records, reply }
          : undefined;
      },
      40_000,
      () => JSON.stringify(lastChat),
      250,
    );
    const errors = serverMessages(done.records).filter((m) => m.type === "error");
    console.info("[e2e voice app]", JSON.stringify({ chat: done.chat, reply: done.reply, errors }));
    expect(errors).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(done.chat.texts[0]).toMatch(expectUser);
    return { chat: done.chat, replyStart: done.reply.start, replyEnd: done.reply.end, sse };
  } finally {
    await browser?.close();
    await server?.close();
  }
}

describe.skipIf(!hasChromium)(
  `voice apps in Chromium with the real models${hasChromium ? "" : ` (${SKIP_REASON})`}`,
  () => {
    beforeAll(async () => {
      await Promise.all([getSttModel(), getTtsModel("espeak")]);
    }, 300_000);
    afterAll(async () => {
      await closeSttModels();
    });

    it("the demo: leopard is transcribed, shown in the chatbot, and answered aloud", async () => {
      const stream = createVoiceApp({ stt: await getSttModel(), tts: await getTtsModel("espeak") });
      const seen = await talk(
        stream,
        "leopard__test.wav",
        /^user: .*(quilter|apostle|middle class)/i,
      );
      expect(seen.chat.texts[1]).toMatch(/^assistant: You said: /);
      expect(seen.replyEnd - seen.replyStart).toBeGreaterThan(1000);
      expect(seen.sse).toBeGreaterThanOrEqual(1);
    }, 90_000);

    it("the chat example: the transcript arrives through /outputs while the reply plays", async () => {
      const stream = await createChatApp();
      // What Moonshine makes of the browser-processed audio varies; any transcript will do here.
      const seen = await talk(stream, "leopard__test.wav", /^user: \S/);
      expect(seen.sse).toBeGreaterThanOrEqual(1);
      // Both messages are on the page before the spoken answer is over.
      expect(seen.chat.user).not.toBeNull();
      expect(seen.chat.user as number).toBeLessThan(seen.replyEnd);
      expect(seen.chat.assistant as number).toBeLessThan(seen.replyEnd);
    }, 90_000);
  },
);
