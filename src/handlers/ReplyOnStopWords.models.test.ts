/**
 * ReplyOnStopWords with the real models: Silero VAD and Moonshine tiny (from the model cache;
 * `.ci/run` pre-pulls it). Virtual clock: the fixtures are fed as fast as the models allow.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { audioToInt16 } from "../audio/convert.js";
import { fixturePath } from "../audio/testing/fixtures.js";
import type { AudioChunk } from "../audio/types.js";
import { readWavAsChunk } from "../audio/wav.js";
import { createHarness } from "../session/testing/harness.js";
import { closeSttModels, getSttModel } from "../stt/moonshine.js";
import type { SttModel } from "../stt/sttTypes.js";
import { wer } from "../stt/testing/wer.js";
import { ReplyOnStopWords } from "./ReplyOnStopWords.js";
import { silence } from "./testing/fakes.js";

let stt: SttModel;

beforeAll(async () => {
  stt = await getSttModel();
}, 300_000);

afterAll(async () => {
  await closeSttModels();
});

async function run(file: string): Promise<{ stopwords: number; replies: AudioChunk[] }> {
  const replies: AudioChunk[] = [];
  const handler = new ReplyOnStopWords(
    async function* (audio: AudioChunk) {
      replies.push(audio);
      yield audio;
    },
    { stopWords: ["computer"], sttModel: stt, inputSampleRate: 16000, outputSampleRate: 16000 },
  );
  const [rate, samples] = await readWavAsChunk(fixturePath(file));
  const h = createHarness(handler);
  await h.feed(audioToInt16(samples), rate);
  await h.silence(1500, rate);
  await h.run(2000);
  const stopwords = h.ofType("stopword").length;
  await h.close();
  return { stopwords, replies };
}

describe("ReplyOnStopWords with Silero and Moonshine (spec §8)", () => {
  it('"hey computer, what time is it": one stopword, one reply with the question only', async () => {
    const { stopwords, replies } = await run("synthetic/16k/wake_word_computer.wav");
    expect(stopwords).toBe(1);
    expect(replies).toHaveLength(1);
    const reply = replies[0] as AudioChunk;
    const text = await stt.stt(reply);
    console.info("[stop words] reply heard as:", JSON.stringify(text), reply[1].length / reply[0]);
    // The reply holds the question (measured: "What time is it?", 1.8 s), not the stop word.
    expect(text.toLowerCase()).not.toMatch(/computer/);
    expect(wer("what time is it", text)).toBeLessThanOrEqual(0.25);
  }, 120_000);

  it("porcupine.wav (no stop word) gives no reply", async () => {
    const { stopwords, replies } = await run("porcupine__porcupine.wav");
    expect(stopwords).toBe(0);
    expect(replies).toHaveLength(0);
  }, 120_000);

  it("silence only: no transcription work at all beyond the VAD", async () => {
    const replies: AudioChunk[] = [];
    let calls = 0;
    const counting: SttModel = {
      stt: async (a) => {
        calls++;
        return stt.stt(a);
      },
      warmup: async () => {},
      close: async () => {},
    };
    const handler = new ReplyOnStopWords(
      async function* (audio: AudioChunk) {
        replies.push(audio);
        yield audio;
      },
      { stopWords: ["computer"], sttModel: counting, inputSampleRate: 16000 },
    );
    const h = createHarness(handler);
    await h.feed(silence(3, 16000), 16000);
    await h.close();
    expect(calls).toBe(0);
    expect(replies).toHaveLength(0);
  }, 60_000);
});
