import { describe, expect, it } from "vitest";
import type { AudioChunk } from "../audio/types.js";
import { ReplyOnPause } from "../handlers/ReplyOnPause.js";
import { cat, EnergyVad, silence, tone } from "../handlers/testing/fakes.js";
import { createHarness } from "./testing/harness.js";

describe("virtual time", () => {
  it("runs an hour of conversation (360 turns) in seconds, with every turn answered", async () => {
    const R = 16000;
    let replies = 0;
    const handler = new ReplyOnPause(
      function* (audio: AudioChunk) {
        replies++;
        yield [audio[0], audio[1].subarray(0, R)] as AudioChunk; // 1 s of reply
      },
      { inputSampleRate: R, outputSampleRate: R, model: new EnergyVad() },
    );
    const h = createHarness(handler);
    const turn = cat(tone(4, R), silence(6, R)); // 10 s: speak 4 s, listen 6 s
    for (let i = 0; i < 360; i++) await h.feed(turn, R, 100);
    expect(h.clock.now()).toBe(3_600_000);
    expect(replies).toBe(360);
    expect(h.frames).toHaveLength(360 * 50);
    expect(h.logs().filter((l) => l === "pause_detected")).toHaveLength(360);
    await h.close();
  }, 600_000);
});
