/**
 * Issue 11, "Must show": a recorded sentence with ~1 s comma pauses, spoken into the demo voice
 * app in Chromium, comes back as one user message and one answer. The demo runs with its
 * defaults (the streaming end-of-turn policy, real Silero v6.2 frames, preemptive replies);
 * Moonshine tiny transcribes, espeak answers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../../src/audio/testing/fixtures.js";
import { readWavAsChunk, writeWav } from "../../src/audio/wav.js";
import { createVoiceApp } from "../../src/demo/voiceApp.js";
import {
  closeSttModels,
  getSttModel,
  getTtsModel,
  type LaunchedServer,
  type TurnEvent,
} from "../../src/index.js";
import {
  type BrowserHandle,
  hasChromium,
  launchChromium,
  newProbedPage,
  readProbe,
  SKIP_REASON,
  serverMessages,
  waitUntil,
} from "./harness.js";

/** The chatbot's messages as "role: text", kept up to date in `window.__chat`. */
const CHAT_WATCH = `
  window.__chat = [];
  new MutationObserver(() => {
    window.__chat = [...document.querySelectorAll(".fastrtc-chat-message")].map(
      (el) => el.getAttribute("data-role") + ": " + (el.querySelector(".fastrtc-chat-bubble")?.textContent ?? ""),
    );
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });
`;

const STOP_WORDS = new Set(["and", "so", "my", "not", "what", "can", "do", "for", "you", "your"]);

/** Lower-case words without punctuation. */
function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z' ]+/g, " ")
    .split(/\s+/)
    .filter((w) => w !== "");
}

interface Labels {
  file: string;
  durationS: number;
  pauses: Array<{ start: number; end: number; label: string }>;
  turns: Array<{ text: string }>;
}

const ROWS = (
  JSON.parse(readFileSync(fixturePath("turns/labels.json"), "utf8")) as { files: Labels[] }
).files;
const JFK = ROWS.find((r) => r.file.endsWith("jfk_commas_48k.wav"));

/**
 * Silence the person leaves before speaking: Chromium starts the fake microphone's file when the
 * page opens the microphone, before the WebRTC connection is up; a person presses the button
 * and speaks once it is. Without it the server may miss the start of the sentence.
 */
const LEAD_IN_S = 2.5;

/** The recording with {@link LEAD_IN_S} of silence before it, in a temporary WAV. */
async function withLeadIn(path: string): Promise<{ path: string; dispose(): void }> {
  const [rate, samples] = await readWavAsChunk(path);
  const pcm = samples as Int16Array;
  const out = new Int16Array(Math.round(LEAD_IN_S * rate) + pcm.length);
  out.set(pcm, out.length - pcm.length);
  const dir = mkdtempSync(join(tmpdir(), "fastrtc-e2e-wav-"));
  const file = join(dir, "lead_in.wav");
  writeFileSync(file, writeWav([rate, out]));
  return { path: file, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

describe.skipIf(!hasChromium)(
  `turn taking in Chromium with the real models${hasChromium ? "" : ` (${SKIP_REASON})`}`,
  () => {
    beforeAll(async () => {
      await Promise.all([getSttModel(), getTtsModel("espeak")]);
    }, 300_000);
    afterAll(async () => {
      await closeSttModels();
    });

    it("a sentence with two 1 s comma pauses comes back as one user message and one answer", async () => {
      expect(JFK).toBeDefined();
      const row = JFK as Labels;
      // The recording really has the pauses this test is about.
      const holds = row.pauses.filter((p) => p.label === "hold");
      expect(holds.length).toBe(2);
      for (const h of holds) expect(h.end - h.start).toBeGreaterThanOrEqual(0.9);
      const sentence = row.turns.map((t) => t.text).join(" ");
      const content = [...new Set(words(sentence).filter((w) => !STOP_WORDS.has(w)))];

      const stream = createVoiceApp({ stt: await getSttModel(), tts: await getTtsModel("espeak") });
      const turns: TurnEvent[] = [];
      stream.on("turn", (e) => turns.push(e));
      let connectedAt = Number.NaN;
      stream.on("connect", () => {
        connectedAt = performance.now();
      });
      let server: LaunchedServer | undefined;
      let browser: BrowserHandle | undefined;
      const wav = await withLeadIn(fixturePath("turns/jfk_commas_48k.wav"));
      try {
        server = await stream.launch({ port: 0 });
        browser = await launchChromium(wav.path);
        const page = await newProbedPage(browser.context);
        await page.addInitScript({
          content: `document.addEventListener("DOMContentLoaded", () => {${CHAT_WATCH}});`,
        });
        const pageErrors: string[] = [];
        page.on("pageerror", (err) => pageErrors.push(err.message));
        await page.goto(server.url);
        await page.locator("button.fastrtc-button").click();
        const clickedAt = Date.now();
        const clickedPerf = performance.now();
        // The microphone plays the whole file once, then silence: wait for the file to be over,
        // an answer on the page and every reply finished (no turn still open on the server).
        let chat: string[] = [];
        let last = "";
        let stableSince = Date.now();
        await waitUntil(
          async () => {
            chat = (await page.evaluate("window.__chat")) as string[];
            const now = JSON.stringify(chat);
            if (now !== last) {
              last = now;
              stableSince = Date.now();
            }
            const heard = Date.now() - clickedAt > (LEAD_IN_S + row.durationS + 2) * 1000;
            const answered = chat.some((m) => m.startsWith("assistant: "));
            return heard && answered && Date.now() - stableSince > 3000 ? true : undefined;
          },
          60_000,
          () => JSON.stringify({ chat, turns: turns.map((e) => `${e.turn}:${e.type}`) }),
          250,
        );
        const errors = serverMessages(await readProbe(page)).filter((m) => m.type === "error");
        const summary = turns.map((e) => `${e.turn}:${e.type}@${Math.round(e.at)}`);
        console.info(
          "[e2e turn taking]",
          JSON.stringify({
            chat,
            clickToConnectMs: Math.round(connectedAt - clickedPerf),
            turns: turns.map((e) => `${e.turn}:${e.type}@+${Math.round(e.at - clickedPerf)}`),
          }),
        );
        expect(errors).toEqual([]);
        expect(pageErrors).toEqual([]);
        const users = chat.filter((m) => m.startsWith("user: "));
        const assistants = chat.filter((m) => m.startsWith("assistant: "));
        expect(users, JSON.stringify(summary)).toHaveLength(1);
        expect(assistants).toHaveLength(1);
        // Moonshine tiny is imperfect on browser-processed audio: most content words will do.
        const heard = new Set(words(users[0] ?? ""));
        const found = content.filter((w) => heard.has(w) || heard.has(w.replace(/s$/, "")));
        expect(
          found.length / content.length,
          `${users[0]} vs ${content.join(" ")}`,
        ).toBeGreaterThanOrEqual(0.6);
      } finally {
        await browser?.close();
        await server?.close();
        wav.dispose();
      }
    }, 120_000);
  },
);
