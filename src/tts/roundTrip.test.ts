/** espeak → Moonshine: the synthesized speech is understood (real models, no network). */
import { afterAll, describe, expect, it } from "vitest";
import { closeSttModels, getSttModel } from "../stt/moonshine.js";
import { normalizeWords, wordEditDistance } from "../stt/testing/wer.js";
import { getTtsModel } from "./getTtsModel.js";

afterAll(async () => {
  await closeSttModels();
});

const SENTENCES = [
  "What time is it?",
  "I can hear you clearly.",
  "The weather is nice today.",
  "Good morning, how are you doing today?",
  "Please open the door.",
  "Turn on the kitchen lights.",
  "My name is John and I live in Boston.",
];

describe("tts -> stt round trip", () => {
  it("sentences spoken by espeak are transcribed by Moonshine tiny with a pooled WER <= 20 %", async () => {
    const [tts, stt] = await Promise.all([getTtsModel("espeak"), getSttModel()]);
    let edits = 0;
    let words = 0;
    for (const sentence of SENTENCES) {
      const text = await stt.stt(await tts.tts(sentence));
      edits += wordEditDistance(sentence, text);
      words += normalizeWords(sentence).length;
    }
    // Measured here: 4 edits in 39 words (10 %); the espeak voice is hard for the tiny model.
    expect(edits / words).toBeLessThanOrEqual(0.2);
  }, 300_000);
});
