/**
 * The built-in page against the real server, end to end: Chromium's fake microphone plays two
 * spoken turns, the page talks to `stream.launch()` over WebRTC, and an echo `ReplyOnPause`
 * (real Silero VAD, default options) answers each turn with the turn's own audio.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixturePath } from "../../src/audio/testing/fixtures.js";
import { type AudioChunk, type LaunchedServer, ReplyOnPause, Stream } from "../../src/index.js";
import {
  type BrowserHandle,
  hasChromium,
  launchChromium,
  logSequence,
  newProbedPage,
  type ProbeRecords,
  peakLevel,
  readProbe,
  SKIP_REASON,
  serverMessages,
  speechSegments,
  turnsOf,
  utterancesOf,
  waitUntil,
} from "./harness.js";

const WAV = "synthetic/48k/two_turns.wav";
async function* echo(audio: AudioChunk) {
  yield audio;
}

describe.skipIf(!hasChromium)(
  `built-in page ↔ real server${hasChromium ? "" : ` (${SKIP_REASON})`}`,
  () => {
    let stream: Stream;
    let server: LaunchedServer | undefined;
    let browser: BrowserHandle | undefined;

    beforeAll(async () => {
      stream = new Stream({ handler: new ReplyOnPause(echo), modality: "audio" });
      server = await stream.launch({ port: 0 }); // warms Silero up
      browser = await launchChromium(fixturePath(WAV));
    });

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    it("answers both turns of two_turns.wav: logs in order, echo audio of the right length, page states", async () => {
      // What was sent, by construction (segments.tsv next to the WAV).
      const sent = utterancesOf(
        readFileSync(fixturePath("synthetic/segments.tsv"), "utf8"),
        "48k/two_turns.wav",
      );
      expect(sent.map((s) => s.text)).toEqual([
        "Hello can you hear me",
        "Please tell me the weather for tomorrow",
      ]);
      if (!server || !browser) throw new Error("setup failed");
      const page = await newProbedPage(browser.context);
      const pageErrors: string[] = [];
      page.on("pageerror", (err) => pageErrors.push(err.message));
      await page.goto(server.url);
      const button = page.locator("button.fastrtc-button");
      await button.click();

      // Both replies are over: two pauses answered, two reply segments heard and the page back
      // to listening with 800 ms of silence after the second one.
      let records: ProbeRecords | undefined;
      const t0 = Date.now();
      records = await waitUntil(
        async () => {
          const r = await readProbe(page);
          records = r;
          const logs = logSequence(r);
          const pauses = logs.filter((l) => l === "pause_detected").length;
          const segments = speechSegments(r.levels);
          const lastLevel = r.levels[r.levels.length - 1];
          const last = segments[segments.length - 1];
          const quietFor = last && lastLevel ? lastLevel.t + lastLevel.dur - last.end : 0;
          const state = await page.getAttribute("body", "data-state");
          return pauses >= 2 && segments.length >= 2 && quietFor >= 800 && state === "listening"
            ? r
            : undefined;
        },
        15_000,
        () => JSON.stringify({ logs: records && logSequence(records), notes: records?.notes }),
        250,
      );
      const waitedMs = Date.now() - t0;

      const messages = serverMessages(records);
      const logs = logSequence(records);
      const segments = speechSegments(records.levels);
      const peak = peakLevel(records.levels);
      const states = records.states.map((s) => s.state);
      const gum = records.gum[0];
      const connected = records.pcStates.find((s) => s.state === "connected");
      const firstStart = messages.find((m) => m.type === "log" && m.data === "started_talking");
      console.info(
        "[e2e built-in]",
        JSON.stringify(
          {
            waitedMs,
            logs: messages.map(
              (m) => `${Math.round(m.t)} ${m.type}:${String(m.data ?? m.message)}`,
            ),
            peakRms: Number(peak.toFixed(4)),
            segments: segments.map((s) => ({
              start: Math.round(s.start),
              end: Math.round(s.end),
              ms: Math.round(s.duration),
            })),
            sentMs: sent.map((s) => Math.round(s.duration * 1000)),
            // > 0 would mean pause_detected arrived after the reply was already audible: werift
            // (<= 0.25.2) reuses a DTLS record number, Chrome drops that record as a replay and
            // SCTP resends it ~1 s later; WebRtcConnection works around it (asserted below).
            pauseLogAfterReplyOnsetMs: messages
              .filter((m) => m.type === "log" && m.data === "pause_detected")
              .map((m, i) => Math.round(m.t - (segments[i]?.start ?? Number.NaN))),
            micOpenedAt: gum && Math.round(gum.t),
            connectedAt: connected && Math.round(connected.t),
            firstStartedTalkingAt: firstStart && Math.round(firstStart.t),
            states: records.states.map((s) => `${Math.round(s.t)} ${s.state}/${s.lastLog}`),
            notes: records.notes,
          },
          null,
          1,
        ),
      );

      // pause_detected reaches the page before the reply is heard, on every turn (with the
      // werift record-number bug, turn 1's arrived ~0.65 s after the reply started).
      const pauses = messages.filter((m) => m.type === "log" && m.data === "pause_detected");
      pauses.forEach((m, i) => {
        expect(m.t).toBeLessThan(segments[i]?.start ?? Number.NEGATIVE_INFINITY);
      });

      // No error from the server, none in the page.
      expect(messages.filter((m) => m.type === "error")).toEqual([]);
      expect(pageErrors).toEqual([]);

      // Per turn: started_talking → pause_detected → response_starting (repeats collapsed).
      const turns = turnsOf(logs.filter((l) => !l.startsWith("Server received:")));
      expect(turns).toEqual([
        ["started_talking", "pause_detected", "response_starting"],
        ["started_talking", "pause_detected", "response_starting"],
      ]);

      // The reply audio holds the two utterances, each within 20 % of what reached the server.
      // Chromium's fake microphone starts the WAV when the page opens it, and utterance 1 begins
      // 0.5 s in: what of it played before the call connected (0.5–0.8 s after the microphone
      // opened in CI) never reached the server, so its echo is that much shorter.
      expect(segments).toHaveLength(2);
      const lostMs =
        gum && connected
          ? Math.max(0, connected.t - gum.t - (sent[0]?.start ?? Number.NaN) * 1000)
          : 0;
      expect(lostMs).toBeLessThan((sent[0]?.duration ?? Number.NaN) * 500);
      segments.forEach((segment, i) => {
        const sentMs = (sent[i]?.duration ?? Number.NaN) * 1000;
        const reachedMs = i === 0 ? sentMs - lostMs : sentMs;
        expect(Math.abs(segment.duration - reachedMs) / sentMs).toBeLessThanOrEqual(0.2);
      });

      // The page went through every state of a turn.
      expect(states).toEqual(expect.arrayContaining(["listening", "thinking", "speaking"]));
      expect(await button.getAttribute("data-state")).toBe("listening");

      // The server notices that the browser left: the page closes its call on "pagehide", Chrome
      // sends a DTLS close alert, and the server's werift connection watches the DTLS state.
      expect(stream.liveConnections).toBe(1);
      const closedAt = Date.now();
      await page.close();
      await waitUntil(
        () => stream.liveConnections === 0,
        35_000,
        () => `liveConnections=${stream.liveConnections}`,
        20,
      );
      console.info(`[e2e built-in] page closed → liveConnections 0 in ${Date.now() - closedAt} ms`);
    });
  },
);
