import { describe, expect, it } from "vitest";
import type { AudioChunk } from "../audio/types.js";
import { EspeakTts } from "./espeak.js";
import { KokoroTts } from "./kokoro.js";
import type { ResolvedEspeakOptions, ResolvedKokoroOptions } from "./options.js";
import { MAX_TTS_TEXT_LENGTH, SentenceTtsModel } from "./sentenceModel.js";
import type { TtsEngine } from "./ttsTypes.js";

interface Call<R> {
  text: string;
  options: R;
  single: boolean | "sync";
}

/**
 * A deterministic engine: for text T it yields `chunksPer` chunks of `chunkLen` samples whose
 * value is `valueOf(T)`; a text in `silentTexts` yields nothing. Records every call and whether
 * the consumer stopped early.
 */
class FakeEngine<R> implements TtsEngine<R> {
  readonly calls: Call<R>[] = [];
  returnedEarly = 0;
  loads = 0;
  closes = 0;
  constructor(
    readonly sampleRate: number,
    private readonly levelOf: (text: string) => number,
    private readonly chunksPer = 2,
    private readonly chunkLen = 5,
    private readonly silentTexts: string[] = [],
  ) {}
  async load(): Promise<void> {
    this.loads++;
  }
  private *make(text: string): Generator<Float32Array> {
    if (this.silentTexts.includes(text)) return;
    for (let k = 0; k < this.chunksPer; k++) {
      yield new Float32Array(this.chunkLen).fill(this.levelOf(text));
    }
  }
  async *synthesize(text: string, options: R, single: boolean): AsyncGenerator<Float32Array> {
    this.calls.push({ text, options, single });
    let done = false;
    try {
      for (const c of this.make(text)) {
        await Promise.resolve();
        yield c;
      }
      done = true;
    } finally {
      if (!done) this.returnedEarly++;
    }
  }
  *synthesizeSync(text: string, options: R): Generator<Float32Array> {
    this.calls.push({ text, options, single: "sync" });
    let done = false;
    try {
      yield* this.make(text);
      done = true;
    } finally {
      if (!done) this.returnedEarly++;
    }
  }
  async close(): Promise<void> {
    this.closes++;
  }
}

const SENTENCES: Record<string, number> = {
  "Hello world.": 0.1,
  "This is a test!": 0.2,
  "Is it working?": 0.3,
};
const value = (t: string) => SENTENCES[t] ?? 0.9;

function describeChunks(chunks: AudioChunk[]): string[] {
  return chunks.map(([rate, s]) => {
    const v = s[0] ?? 0;
    const uniform = s.every((x) => x === v);
    return `${rate}:${s.length}x${uniform ? Number(v.toFixed(2)) : "mixed"}`;
  });
}

async function collect(it: AsyncIterable<AudioChunk>): Promise<AudioChunk[]> {
  const out: AudioChunk[] = [];
  for await (const c of it) out.push(c);
  return out;
}

function fakeModel(engine: FakeEngine<{ tag: string }>) {
  return new SentenceTtsModel<{ tag?: string }, { tag: string }>({
    name: "fake",
    engine,
    resolveOptions: (o) => ({ tag: o?.tag ?? "default" }),
  });
}

describe("SentenceTtsModel with a fake engine", () => {
  const text = "Hello world. This is a test!  Is it working?";
  // 16000 // 7 = 2285 zero samples before sentences 2 and 3.
  const expected = [
    "16000:5x0.1",
    "16000:5x0.1",
    "16000:2285x0",
    "16000:5x0.2",
    "16000:5x0.2",
    "16000:2285x0",
    "16000:5x0.3",
    "16000:5x0.3",
  ];

  it("streamTts: sentences in order, sampleRate // 7 zeros before every sentence after the first", async () => {
    const engine = new FakeEngine<{ tag: string }>(16000, value);
    const chunks = await collect(fakeModel(engine).streamTts(text, { tag: "x" }));
    expect(describeChunks(chunks)).toEqual(expected);
    expect(engine.calls.map((c) => [c.text, c.options.tag, c.single])).toEqual([
      ["Hello world.", "x", false],
      ["This is a test!", "x", false],
      ["Is it working?", "x", false],
    ]);
    for (const [, s] of chunks) expect(s).toBeInstanceOf(Float32Array);
  });

  it("streamTtsSync gives the same sequence through the engine's sync path", () => {
    const engine = new FakeEngine<{ tag: string }>(16000, value);
    const chunks = [...fakeModel(engine).streamTtsSync(text)];
    expect(describeChunks(chunks)).toEqual(expected);
    expect(engine.calls.every((c) => c.single === "sync" && c.options.tag === "default")).toBe(
      true,
    );
  });

  it("a sentence with no audio gets no silence; the next one still does (index in the split list)", async () => {
    const engine = new FakeEngine<{ tag: string }>(16000, value, 1, 5, ["Hello world."]);
    const chunks = await collect(fakeModel(engine).streamTts("Hello world. This is a test!"));
    expect(describeChunks(chunks)).toEqual(["16000:2285x0", "16000:5x0.2"]);
    const engine2 = new FakeEngine<{ tag: string }>(16000, value, 1, 5, ["This is a test!"]);
    const chunks2 = await collect(
      fakeModel(engine2).streamTts("Hello world. This is a test! Is it working?"),
    );
    expect(describeChunks(chunks2)).toEqual(["16000:5x0.1", "16000:2285x0", "16000:5x0.3"]);
  });

  it("blank text streams nothing and tts() gives zero samples without calling the engine", async () => {
    const engine = new FakeEngine<{ tag: string }>(16000, value);
    const model = fakeModel(engine);
    expect(await collect(model.streamTts("  \n "))).toEqual([]);
    expect([...model.streamTtsSync("")]).toEqual([]);
    const [rate, samples] = await model.tts("   ");
    expect(rate).toBe(16000);
    expect(samples.length).toBe(0);
    expect(engine.calls).toEqual([]);
  });

  it("tts() sends the trimmed whole text in one single-chunk request and concatenates", async () => {
    const engine = new FakeEngine<{ tag: string }>(16000, () => 0.5, 3, 4);
    const [rate, samples] = await fakeModel(engine).tts("  One. Two.  ");
    expect(rate).toBe(16000);
    expect(samples.length).toBe(12);
    expect(engine.calls).toEqual([
      { text: "One. Two.", options: { tag: "default" }, single: true },
    ]);
  });

  it("breaking out of a stream stops the engine's generator and synthesizes no more sentences", async () => {
    const engine = new FakeEngine<{ tag: string }>(16000, value, 3);
    for await (const _ of fakeModel(engine).streamTts(text)) break;
    expect(engine.returnedEarly).toBe(1);
    expect(engine.calls.length).toBe(1);
    for (const _ of fakeModel(engine).streamTtsSync(text)) break;
    expect(engine.returnedEarly).toBe(2);
  });

  it("checks the text at call time", async () => {
    const model = fakeModel(new FakeEngine<{ tag: string }>(16000, value));
    expect(() => model.streamTts(42 as never)).toThrow(TypeError);
    expect(() => model.streamTtsSync(null as never)).toThrow(/must be a string, got null/);
    await expect(model.tts(undefined as never)).rejects.toThrow(TypeError);
    const long = "a".repeat(MAX_TTS_TEXT_LENGTH + 1);
    expect(() => model.streamTts(long)).toThrow(RangeError);
    await expect(model.tts(long)).rejects.toThrow(RangeError);
  });

  it("warmup() loads and synthesizes 'Hello, world!'; close() closes the engine", async () => {
    const engine = new FakeEngine<{ tag: string }>(16000, value);
    const model = fakeModel(engine);
    await model.warmup();
    expect(engine.loads).toBe(1);
    expect(engine.calls.map((c) => c.text)).toEqual(["Hello, world!"]);
    await model.close();
    expect(engine.closes).toBe(1);
    expect(model.name).toBe("fake");
    expect(model.sampleRate).toBe(16000);
  });
});

describe("KokoroTts over a fake engine", () => {
  it("streams at 24 kHz with 3428-sample silences and the default options", async () => {
    const engine = new FakeEngine<ResolvedKokoroOptions>(24000, value, 1, 8);
    const model = new KokoroTts({}, engine);
    expect(model.name).toBe("kokoro");
    expect(model.sampleRate).toBe(24000);
    const chunks = await collect(model.streamTts("Hello world. This is a test! Is it working?"));
    expect(describeChunks(chunks)).toEqual([
      "24000:8x0.1",
      "24000:3428x0",
      "24000:8x0.2",
      "24000:3428x0",
      "24000:8x0.3",
    ]);
    expect(engine.calls[0]?.options).toEqual({
      voice: "af_heart",
      speed: 1,
      lang: "en-us",
      langGiven: false,
    });
  });

  it("per-call options override the model's defaults", async () => {
    const engine = new FakeEngine<ResolvedKokoroOptions>(24000, value, 1, 8);
    const model = new KokoroTts({ voice: "bf_emma", speed: 1.2 }, engine);
    await model.tts("Hi.", { speed: 0.8, lang: "en-gb" });
    expect(engine.calls[0]?.options).toEqual({
      voice: "bf_emma",
      speed: 0.8,
      lang: "en-gb",
      langGiven: true,
    });
  });

  it("rejects bad per-call options", async () => {
    const model = new KokoroTts({}, new FakeEngine<ResolvedKokoroOptions>(24000, value));
    await expect(model.tts("Hi.", { speed: 3 })).rejects.toThrow(RangeError);
    await expect(model.tts("Hi.", { speed: "fast" as never })).rejects.toThrow(TypeError);
    await expect(model.tts("Hi.", { lang: "fr-fr" as never })).rejects.toThrow(/en-us/);
    await expect(model.tts("Hi.", { voice: "Heart" })).rejects.toThrow(RangeError);
    await expect(model.tts("Hi.", { volume: 2 } as never)).rejects.toThrow(
      /unknown option "volume"/,
    );
    expect(() => model.streamTts("Hi.", "fast" as never)).toThrow(TypeError);
    expect(() => model.streamTtsSync("Hi.", [] as never)).toThrow(TypeError);
  });

  it("rejects bad model options at construction", () => {
    expect(() => new KokoroTts({ dtype: "int3" as never })).toThrow(RangeError);
    expect(() => new KokoroTts({ modelId: "" })).toThrow(RangeError);
    expect(() => new KokoroTts({ remoteHost: "ftp://x" })).toThrow(RangeError);
    expect(() => new KokoroTts({ localFilesOnly: "yes" as never })).toThrow(TypeError);
    expect(() => new KokoroTts({ cacheDir: 5 as never })).toThrow(TypeError);
  });
});

describe("EspeakTts over a fake engine", () => {
  it("resolves eSpeak options over the model defaults", async () => {
    const engine = new FakeEngine<ResolvedEspeakOptions>(22050, value, 1, 8);
    const model = new EspeakTts({ voice: "en-gb", pitch: 40 }, engine);
    await model.tts("Hi.", { speed: 1.5 });
    expect(engine.calls[0]?.options).toEqual({ voice: "en-gb", speed: 1.5, pitch: 40 });
    expect(model.defaults).toEqual({ voice: "en-gb", speed: 1, pitch: 40 });
    const chunks = await collect(model.streamTts("A. B."));
    expect(describeChunks(chunks)).toEqual(["22050:8x0.9", "22050:3150x0", "22050:8x0.9"]);
  });

  it("rejects bad options", async () => {
    const model = new EspeakTts({}, new FakeEngine<ResolvedEspeakOptions>(22050, value));
    await expect(model.tts("Hi.", { speed: 0.1 })).rejects.toThrow(RangeError);
    await expect(model.tts("Hi.", { pitch: 50.5 })).rejects.toThrow(/integer/);
    await expect(model.tts("Hi.", { pitch: 100 })).rejects.toThrow(RangeError);
    await expect(model.tts("Hi.", { voice: "" })).rejects.toThrow(RangeError);
    await expect(model.tts("Hi.", { voice: "en+bad variant" })).rejects.toThrow(RangeError);
    await expect(model.tts("Hi.", { voice: 3 as never })).rejects.toThrow(TypeError);
    await expect(model.tts("Hi.", { lang: "en" } as never)).rejects.toThrow(/unknown option/);
    expect(() => new EspeakTts({ speed: Number.NaN })).toThrow(TypeError);
    expect(() => new EspeakTts({ moduleSpecifier: "" })).toThrow(RangeError);
  });
});
