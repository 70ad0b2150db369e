import { describe, expect, it } from "vitest";
import type { AudioChunk } from "../audio/types.js";
import { ReplyOnPause } from "../handlers/ReplyOnPause.js";
import { cat, EnergyVad, silence, tone } from "../handlers/testing/fakes.js";
import { createHarness } from "./testing/harness.js";
import { TurnTracker } from "./turnTracker.js";
import type { SessionTurnEvent } from "./turnTypes.js";

const RATE = 16000;

describe("per-turn lifecycle events (virtual clock)", () => {
  it("two turns, the first interrupted by the second: order, times and latencies", async () => {
    const events: SessionTurnEvent[] = [];
    let replies = 0;
    const handler = new ReplyOnPause(
      async function* () {
        replies++;
        // Turn 1 answers with 3 s of audio (long enough to be talked over); turn 2 with 0.4 s.
        yield [RATE, tone(replies === 1 ? 3 : 0.4, RATE, 300)] as AudioChunk;
      },
      { model: new EnergyVad(), inputSampleRate: RATE, outputSampleRate: RATE },
    );
    const h = createHarness(handler, { onTurnEvent: (e) => events.push(e) });
    // Turn 1: 0.6 s quiet, 1.2 s of speech, 0.6 s quiet -> pause detected at 2.4 s.
    await h.feed(cat(silence(0.6, RATE), tone(1.2, RATE), silence(0.6, RATE)), RATE);
    // The reply plays; 0.6 s into it the person talks 1.2 s, then pauses 0.6 s.
    await h.feed(cat(silence(0.6, RATE), tone(1.2, RATE), silence(0.6, RATE)), RATE);
    await h.run(2000);
    await h.close();

    const seq = events.map((e) => `${e.turn}:${e.type}`);
    expect(seq).toEqual([
      "1:speech_started",
      "1:speech_ended",
      "1:turn_detected",
      "1:handler_started",
      "1:first_output",
      "1:first_audio_sent",
      "2:speech_started",
      "1:interrupted",
      "1:turn_ended",
      "2:speech_ended",
      "2:turn_detected",
      "2:handler_started",
      "2:first_output",
      "2:first_audio_sent",
      "2:turn_ended",
    ]);
    const at = (key: string) => events.find((e) => `${e.turn}:${e.type}` === key)?.at ?? Number.NaN;
    // The harness hands each 20 ms frame over at its start time, so a chunk of 0.6 s is judged
    // 20 ms before its end: turn 1's speech is the 0.6–1.8 s chunk pair, seen from 0.58 s.
    expect(at("1:speech_started")).toBe(580);
    expect(at("1:speech_ended")).toBe(1780);
    expect(at("1:turn_detected")).toBe(2380);
    // The echo handler answers at once; its first frame goes out in the same instant.
    expect(at("1:first_audio_sent")).toBe(2380);
    // Turn 2: speech 3.0–4.2 s, detected 0.6 s later, which cuts reply 1 (3 s) after 2.4 s.
    expect(at("2:speech_started")).toBe(2980);
    expect(at("1:interrupted")).toBe(4780);
    expect(at("1:turn_ended")).toBe(4780);
    expect(at("2:speech_ended")).toBe(4180);
    expect(at("2:turn_detected")).toBe(4780);
    // Reply 2 (0.4 s, 20 frames) has been sent completely when its last frame goes at +380 ms.
    expect(at("2:turn_ended")).toBe(4780 + 380);
    const t1 = events.find((e) => e.turn === 1 && e.type === "first_audio_sent");
    expect(t1?.latencies).toEqual({
      speechEndToTurnDetectedMs: 600,
      turnDetectedToFirstAudioMs: 0,
      speechEndToFirstAudioMs: 600,
      handlerStartToFirstOutputMs: 0,
    });
    const last = events.at(-1);
    expect(last?.latencies.speechEndToFirstAudioMs).toBe(600);
  });

  it("a typed turn and a trigger have no speech steps; an error ends the turn", () => {
    const events: string[] = [];
    const tracker = new TurnTracker((e) => events.push(`${e.turn}:${e.type}@${e.at}`));
    tracker.handler("turn_detected", 10);
    tracker.handler("handler_started", 11);
    tracker.audioSent(15);
    tracker.audioSent(35); // only the first frame counts
    tracker.handler("turn_ended", 40);
    tracker.outputIdle(55);
    tracker.handler("turn_detected", 100);
    tracker.handler("handler_started", 100);
    tracker.handler("turn_ended", 120); // failed before any output: ends when output is idle
    tracker.outputIdle(120);
    expect(events).toEqual([
      "1:turn_detected@10",
      "1:handler_started@11",
      "1:first_audio_sent@15",
      "1:turn_ended@55",
      "2:turn_detected@100",
      "2:handler_started@100",
      "2:turn_ended@120",
    ]);
  });
});
