/**
 * Transcript turn detector: the rules on text (no model), the options, the abort signal, and the
 * real Moonshine tiny model on espeak clips from fixtures/audio/turns-detector (MANIFEST there).
 */
import { afterAll, describe, expect, it } from "vitest";
import { fixturePath } from "../../audio/testing/fixtures.js";
import { readWavAsChunk } from "../../audio/wav.js";
import { closeSttModels } from "../../stt/moonshine.js";
import type { SttModel } from "../../stt/sttTypes.js";
import {
  classifyTranscript,
  DEFAULT_TRANSCRIPT_PROBABILITIES as P,
  TranscriptTurnDetector,
  transcriptEndProbability,
} from "./transcriptDetector.js";

const silence = (): [number, Int16Array] => [16000, new Int16Array(16000)];

describe("transcript rules", () => {
  it.each([
    ["I went to the store and.", "unfinishedWord"],
    ["I went to the store and", "unfinishedWord"],
    ["I wanted to call you but,", "unfinishedWord"],
    ["It was raining so", "unfinishedWord"],
    ["She left early because.", "unfinishedWord"],
    ["Could you put it on the.", "unfinishedWord"],
    ["I was going to.", "unfinishedWord"],
    ["Tell me about the history of", "unfinishedWord"],
    ["And then I", "unfinishedWord"],
    ["So um?", "filler"],
    ["I think, uh.", "filler"],
    ["When I got home last night,", "trailingComma"],
    ["Let me think;", "trailingComma"],
    ["Well...", "trailingComma"],
    ["So.", "unfinishedWord"],
    ["Well.", "fragment"],
    ["", "fragment"],
    ["Can you hear me?", "question"],
    ["Who is it for?", "question"],
    ["I went to the store.", "other"],
    ["Yes.", "other"],
    ["Turn the lights on.", "other"],
    ["What are you talking about", "other"],
  ] as const)("%j -> %s", (text, rule) => {
    expect(classifyTranscript(text)).toBe(rule);
  });

  it("reads only the end of the text, case and quotes aside", () => {
    expect(classifyTranscript('AND SO, "he said" THE')).toBe("unfinishedWord");
    expect(classifyTranscript("So, is that all?)")).toBe("question");
  });

  it("applies the one-word fragment rule only to a whole turn", () => {
    expect(classifyTranscript("so.", false)).toBe("unfinishedWord");
    expect(classifyTranscript("Well.", true)).toBe("fragment");
    expect(classifyTranscript("Well.", false)).toBe("other");
    expect(classifyTranscript("", false)).toBe("other");
  });

  it("maps rules to probabilities: wait on unfinished, answer on questions, 0.5 otherwise", () => {
    expect(transcriptEndProbability("I was thinking that maybe we could")).toBe(P.other);
    expect(transcriptEndProbability("and")).toBe(P.unfinishedWord);
    expect(transcriptEndProbability("What time is it?")).toBe(P.question);
    expect(transcriptEndProbability("Sounds good.")).toBe(0.5);
    expect(P.unfinishedWord).toBeLessThan(0.5);
    expect(P.trailingComma).toBeLessThan(0.5);
    expect(P.question).toBeGreaterThan(0.5);
  });
});

describe("TranscriptTurnDetector", () => {
  afterAll(() => closeSttModels());

  it("uses a given transcript without touching the STT", async () => {
    const stt: SttModel = {
      stt: () => Promise.reject(new Error("must not be called")),
      warmup: () => Promise.resolve(),
    };
    const d = new TranscriptTurnDetector({ stt });
    expect(await d.endOfTurnProbability({ audio: silence(), transcript: "so um" })).toBe(P.filler);
    expect(await d.endOfTurnProbability({ audio: silence(), transcript: "Is it?" })).toBe(
      P.question,
    );
  });

  it("transcribes only the tail of a long turn and treats it as partial", async () => {
    const seen: number[] = [];
    const stt: SttModel = {
      stt: async (audio) => {
        seen.push(audio[1].length);
        return "So.";
      },
      warmup: () => Promise.resolve(),
    };
    const d = new TranscriptTurnDetector({ stt, tailMs: 500 });
    const p = await d.endOfTurnProbability({ audio: [16000, new Int16Array(32000)] });
    expect(seen).toEqual([8000]);
    // A lone "so" in a partial transcript is an unfinished word, not a one-word turn.
    expect(p).toBe(P.unfinishedWord);
  });

  it("takes custom probabilities and refuses bad ones", async () => {
    const d = new TranscriptTurnDetector({ probabilities: { question: 0.7 } });
    expect(await d.endOfTurnProbability({ audio: silence(), transcript: "Why?" })).toBe(0.7);
    expect(() => new TranscriptTurnDetector({ probabilities: { filler: 2 } })).toThrow(RangeError);
    expect(() => new TranscriptTurnDetector({ tailMs: 0 })).toThrow(RangeError);
  });

  it("rejects with the signal's reason when aborted", async () => {
    const c = new AbortController();
    c.abort(new Error("went on speaking"));
    const d = new TranscriptTurnDetector();
    await expect(
      d.endOfTurnProbability({ audio: silence(), transcript: "and", signal: c.signal }),
    ).rejects.toThrow("went on speaking");
  });

  it("with Moonshine tiny: waits after a trailing 'and' or comma, answers a question", async () => {
    const d = new TranscriptTurnDetector();
    await d.warmup();
    const p = async (name: string) =>
      d.endOfTurnProbability({
        audio: await readWavAsChunk(fixturePath(`turns-detector/${name}.wav`)),
      });
    expect(await p("hold_and")).toBeLessThan(0.5);
    expect(await p("hold_comma")).toBeLessThan(0.5);
    expect(await p("end_question")).toBeGreaterThan(0.5);
  }, 60_000);
});
