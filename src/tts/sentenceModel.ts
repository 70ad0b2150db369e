/**
 * The streaming logic shared by every TTS engine: text checks, FastRTC's sentence split and the
 * silence between sentences (reference §10), on top of a {@link TtsEngine}.
 */
import { describeType } from "../audio/convert.js";
import type { AudioChunk } from "../audio/types.js";
import { isBlank, pyStrip, sentenceSilenceSamples, splitSentences } from "./sentences.js";
import type { TtsEngine, TtsModel } from "./ttsTypes.js";

/**
 * Longest text a TTS call accepts, in UTF-16 code units (100 000, about 15 minutes of speech).
 *
 * @example
 * ```ts
 * if (reply.length > MAX_TTS_TEXT_LENGTH) reply = reply.slice(0, MAX_TTS_TEXT_LENGTH);
 * ```
 */
export const MAX_TTS_TEXT_LENGTH = 100_000;

/**
 * How a {@link SentenceTtsModel} is put together.
 *
 * @typeParam O - Per-call options as users pass them.
 * @typeParam R - The same, resolved (every field set); what the engine receives.
 * @example
 * ```ts
 * const config: SentenceTtsModelConfig<{ gain?: number }, { gain: number }> = {
 *   name: "fake",
 *   engine,
 *   resolveOptions: (o) => ({ gain: (o as { gain?: number } | null)?.gain ?? 1 }),
 * };
 * ```
 */
export interface SentenceTtsModelConfig<O extends object, R> {
  /** Model name reported by {@link TtsModel.name}. */
  name: string;
  /** The synthesis backend. */
  engine: TtsEngine<R>;
  /** Checks per-call options (TypeError / RangeError) and fills in the defaults. */
  resolveOptions: (options: O | null | undefined) => R;
  /** Phrase synthesized by `warmup()`. Default `"Hello, world!"` (FastRTC's warm-up). */
  warmupText?: string;
}

function checkText(text: unknown, what: string): string {
  if (typeof text !== "string") {
    throw new TypeError(`${what} text must be a string, got ${describeType(text)}`);
  }
  if (text.length > MAX_TTS_TEXT_LENGTH) {
    throw new RangeError(
      `${what} text is ${text.length} characters long; the limit is ${MAX_TTS_TEXT_LENGTH} (split it into several calls)`,
    );
  }
  return text;
}

function concat(parts: readonly Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Float32Array(n);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * A {@link TtsModel} over any {@link TtsEngine}: `tts()` hands the trimmed text to the engine in
 * one piece; `streamTts()` / `streamTtsSync()` split it with {@link splitSentences}, skip blank
 * sentences, synthesize the sentences one after the other and put
 * `Math.floor(sampleRate / 7)` zero samples (a chunk of its own) before the first audio chunk of
 * every sentence after the first — FastRTC's Kokoro streaming, index counted in the split list
 * (a sentence that yields no audio gets no silence).
 *
 * Every chunk is `[sampleRate, Float32Array]`, mono. The Float32Arrays are fresh and owned by
 * the caller.
 *
 * @typeParam O - Per-call options.
 * @typeParam R - Resolved per-call options.
 * @example
 * ```ts
 * const model = new SentenceTtsModel({ name: "fake", engine, resolveOptions: () => ({}) });
 * for await (const [rate, samples] of model.streamTts("One. Two.")) console.log(rate, samples.length);
 * ```
 */
export class SentenceTtsModel<O extends object, R> implements TtsModel<O> {
  /** Model name (`"espeak"`, `"kokoro"`, ...). */
  readonly name: string;
  /** The backend this model drives. */
  protected readonly engine: TtsEngine<R>;
  private readonly resolveOptions: (options: O | null | undefined) => R;
  private readonly warmupText: string;

  /**
   * @param config - Name, engine, option resolver and warm-up phrase.
   */
  constructor(config: SentenceTtsModelConfig<O, R>) {
    this.name = config.name;
    this.engine = config.engine;
    this.resolveOptions = config.resolveOptions;
    this.warmupText = config.warmupText ?? "Hello, world!";
  }

  /** Output rate in Hz (the engine's). */
  get sampleRate(): number {
    return this.engine.sampleRate;
  }

  /**
   * Synthesizes the whole (trimmed) text in one engine call, without inserted silence.
   * Blank text resolves at once to zero samples.
   *
   * @example
   * ```ts
   * const [rate, samples] = await model.tts("Hello world, this is a test.");
   * ```
   */
  async tts(text: string, options?: O | null): Promise<AudioChunk> {
    checkText(text, "tts()");
    const resolved = this.resolveOptions(options);
    const trimmed = pyStrip(text);
    if (trimmed.length === 0) return [this.sampleRate, new Float32Array(0)];
    const parts: Float32Array[] = [];
    for await (const part of this.engine.synthesize(trimmed, resolved, true)) parts.push(part);
    return [this.sampleRate, concat(parts)];
  }

  /**
   * Streams the text sentence by sentence, with FastRTC's silence before every sentence after
   * the first. Throws at once (TypeError / RangeError) for bad arguments.
   *
   * @example
   * ```ts
   * for await (const chunk of model.streamTts("Hi. How are you?")) yield chunk;
   * ```
   */
  streamTts(text: string, options?: O | null): AsyncGenerator<AudioChunk, void, undefined> {
    checkText(text, "streamTts()");
    const resolved = this.resolveOptions(options);
    return this.streamSentences(splitSentences(text), resolved);
  }

  /**
   * The synchronous form of {@link SentenceTtsModel.streamTts}: every step blocks the calling
   * thread until the next chunk is ready.
   *
   * @example
   * ```ts
   * for (const chunk of model.streamTtsSync("Hi. How are you?")) frames.push(chunk);
   * ```
   */
  streamTtsSync(text: string, options?: O | null): Generator<AudioChunk, void, undefined> {
    checkText(text, "streamTtsSync()");
    const resolved = this.resolveOptions(options);
    return this.streamSentencesSync(splitSentences(text), resolved);
  }

  /**
   * Loads the engine and synthesizes a short phrase (`"Hello, world!"` unless configured).
   *
   * @example
   * ```ts
   * await model.warmup();
   * ```
   */
  async warmup(): Promise<void> {
    await this.engine.load();
    await this.tts(this.warmupText);
  }

  /**
   * Frees the engine. The model stays usable: a later call loads the engine again.
   *
   * @example
   * ```ts
   * await model.close();
   * ```
   */
  close(): Promise<void> {
    return this.engine.close();
  }

  private silence(): AudioChunk {
    return [this.sampleRate, new Float32Array(sentenceSilenceSamples(this.sampleRate))];
  }

  private async *streamSentences(
    sentences: string[],
    resolved: R,
  ): AsyncGenerator<AudioChunk, void, undefined> {
    for (let index = 0; index < sentences.length; index++) {
      const sentence = sentences[index]!;
      if (isBlank(sentence)) continue;
      let first = true;
      for await (const part of this.engine.synthesize(sentence, resolved, false)) {
        if (first && index > 0) yield this.silence();
        first = false;
        yield [this.sampleRate, part];
      }
    }
  }

  private *streamSentencesSync(
    sentences: string[],
    resolved: R,
  ): Generator<AudioChunk, void, undefined> {
    for (let index = 0; index < sentences.length; index++) {
      const sentence = sentences[index]!;
      if (isBlank(sentence)) continue;
      let first = true;
      for (const part of this.engine.synthesizeSync(sentence, resolved)) {
        if (first && index > 0) yield this.silence();
        first = false;
        yield [this.sampleRate, part];
      }
    }
  }
}
