import { audioToFloat32, audioToInt16 } from "../audio/convert.js";
import { resample } from "../audio/resample.js";
import type { AudioChunk } from "../audio/types.js";
import { getLogger } from "../logger.js";
import type { SttModel } from "../stt/sttTypes.js";
import { ReplyOnPause, ReplyOnPauseState } from "./ReplyOnPause.js";
import type {
  ReplyFnType,
  ReplyOnPauseOptions,
  ReplyOnPauseTextOptions,
  TextReplyFnType,
} from "./replyOnPauseTypes.js";

const log = getLogger("reply-on-stop-words");

/** Seconds of recent audio transcribed while listening for a stop word (FastRTC: 2 s). */
const WINDOW_SECONDS = 2;
const STT_RATE = 16000;

/**
 * Per-turn state of {@link ReplyOnStopWords}: ReplyOnPause's plus the stop-word search.
 *
 * @example
 * ```ts
 * class Verbose extends ReplyOnStopWords {
 *   protected override async determinePause(state: ReplyOnStopWordsState) {
 *     if (state.stopWordDetected) console.log("listening for the question");
 *     return super.determinePause(state);
 *   }
 * }
 * ```
 */
export class ReplyOnStopWordsState extends ReplyOnPauseState {
  /** True once a stop word was heard in this turn. */
  stopWordDetected = false;
  /** The last 2 s of audio at 16 kHz, searched for the stop words. */
  postStopWordBuffer: Float32Array | null = null;
}

/**
 * Options of {@link ReplyOnStopWords}: those of `ReplyOnPause` plus the stop words.
 *
 * @example
 * ```ts
 * const options: ReplyOnStopWordsOptions = { stopWords: ["computer"], canInterrupt: true };
 * ```
 */
export interface ReplyOnStopWordsOptions<ModelOptions = unknown>
  extends ReplyOnPauseOptions<ModelOptions> {
  /** Words or phrases that open a turn (English, case-insensitive, whole words). Required. */
  stopWords: readonly string[];
  /**
   * The speech-to-text model used to hear the stop words. Default: the process-wide
   * `getSttModel("moonshine/tiny")`.
   */
  sttModel?: SttModel | null;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The matcher of one stop word, as FastRTC: its words, lower-cased, as whole words separated by
 * any whitespace, optionally followed by `.`, `,`, `!` or `?`. Punctuation between the words
 * prevents a match.
 *
 * @example
 * ```ts
 * stopWordPattern("Hey Computer").test("ok hey   computer, what time is it"); // true
 * stopWordPattern("hey computer").test("hey, computer");                        // false
 * ```
 */
export function stopWordPattern(stopWord: string): RegExp {
  const words = stopWord
    .toLowerCase()
    .trim()
    .split(" ")
    .filter((w) => w !== "");
  return new RegExp(`\\b${words.map(escapeRegExp).join("\\s+")}[.,!?]*\\b`);
}

/** {@link ReplyOnStopWordsOptions} with typed turns on (`acceptsText`, see `ReplyOnPauseTextOptions`). */
type StopWordsTextOptions<ModelOptions> = Omit<
  ReplyOnStopWordsOptions<ModelOptions>,
  "acceptsText"
> & {
  acceptsText: boolean;
};

/**
 * `ReplyOnPause` that waits for a stop word (a wake word) before it listens for a turn: the
 * last 2 s of audio are transcribed chunk by chunk (VAD-trimmed) until one of `stopWords` is
 * heard; the client then gets `{"type":"stopword","data":""}` and the turn goes on as
 * `ReplyOnPause`, with `fn` receiving only the audio after the stop word. The stop word must
 * be said again for every turn, also to interrupt. FastRTC's `ReplyOnStopWords` (spec §8),
 * English.
 *
 * @example
 * ```ts
 * const handler = new ReplyOnStopWords(
 *   async function* (audio) {
 *     const question = await stt.stt(audio);
 *     yield await tts.tts(await answer(question));
 *   },
 *   { stopWords: ["computer"] },
 * );
 * new Stream({ handler, modality: "audio", mode: "send-receive" });
 * ```
 */
export class ReplyOnStopWords<ModelOptions = unknown> extends ReplyOnPause<ModelOptions> {
  /** The stop words, as given. */
  readonly stopWords: readonly string[];
  readonly #patterns: RegExp[];
  #stt: SttModel | null;
  /** Streaming policy: the stop word was heard and the turn it opened is not confirmed yet. */
  #heard = false;

  /**
   * @param fn - reply function: `(audio, ...inputs) => generator`, as for `ReplyOnPause`.
   * @param options - {@link ReplyOnStopWordsOptions}; `stopWords` is required.
   * @throws TypeError when `stopWords` is not a non-empty array of non-blank strings.
   */
  constructor(fn: TextReplyFnType, options: StopWordsTextOptions<ModelOptions>);
  constructor(fn: ReplyFnType, options: ReplyOnStopWordsOptions<ModelOptions>);
  constructor(
    fn: ReplyFnType,
    options: ReplyOnStopWordsOptions<ModelOptions> | StopWordsTextOptions<ModelOptions>,
  ) {
    // The overloads above tie fn's type to acceptsText.
    super(fn as TextReplyFnType, options as ReplyOnPauseTextOptions<ModelOptions>);
    const words = options?.stopWords;
    if (
      !Array.isArray(words) ||
      words.length === 0 ||
      !words.every((w) => typeof w === "string" && w.trim() !== "")
    ) {
      throw new TypeError("ReplyOnStopWords needs stopWords: a non-empty array of words");
    }
    const stt = options.sttModel ?? null;
    if (stt !== null && typeof stt.stt !== "function") {
      throw new TypeError("sttModel must have an stt(audio) method");
    }
    this.stopWords = Object.freeze([...words]);
    this.#patterns = words.map(stopWordPattern);
    this.#stt = stt;
  }

  /** The speech-to-text model, loading the default one on first use. */
  async getSttModel(): Promise<SttModel> {
    if (!this.#stt) {
      const { getSttModel } = await import("../stt/moonshine.js");
      this.#stt = await getSttModel();
    }
    return this.#stt;
  }

  /** Loads and warms up the VAD and speech-to-text models. */
  override async warmup(): Promise<void> {
    await super.warmup();
    await (await this.getSttModel()).warmup();
  }

  override copy(): ReplyOnStopWords<ModelOptions> {
    return new ReplyOnStopWords<ModelOptions>(this.fn as TextReplyFnType, {
      ...this.copyOptions(),
      acceptsText: this.acceptsText,
      stopWords: this.stopWords,
      sttModel: this.#stt,
    });
  }

  protected override createState(): ReplyOnStopWordsState {
    return new ReplyOnStopWordsState();
  }

  /** True when `text` contains one of the stop words (see {@link stopWordPattern}). */
  matchesStopWord(text: string): boolean {
    const lower = text.toLowerCase();
    return this.#patterns.some((p) => p.test(lower));
  }

  /**
   * Streaming policy: the stop-word search runs on FastRTC's 0.6 s chunks (VAD-trimmed, the last
   * 2 s transcribed); once a stop word is heard, the end-of-turn policy takes the turn that
   * follows, from the point where the word was heard.
   */
  protected override async turnGate(frame: AudioChunk): Promise<boolean> {
    if (this.#heard) return true;
    const s = this.state as ReplyOnStopWordsState;
    const [rate, raw] = frame;
    const samples = raw instanceof Int16Array ? raw : audioToInt16(raw);
    if (s.samplingRate === 0) s.samplingRate = rate;
    s.buffer.push(samples);
    s.bufferLength += samples.length;
    if (s.bufferLength / rate < this.algoOptions.audioChunkDuration) return false;
    await this.#listenForStopWord(s, s.takeBuffer(), rate);
    if (!s.stopWordDetected) return false;
    this.#heard = true;
    this.state = this.createState();
    return true;
  }

  protected override onTurnConfirmed(): void {
    this.#heard = false;
  }

  protected override async determinePause(state: ReplyOnPauseState): Promise<boolean> {
    const s = state as ReplyOnStopWordsState;
    const rate = s.samplingRate;
    if (s.bufferLength / rate < this.algoOptions.audioChunkDuration) return false;
    const chunk = s.takeBuffer();
    if (!s.stopWordDetected) {
      await this.#listenForStopWord(s, chunk, rate);
      return false;
    }
    const result = await this.analyzeSpeech([rate, chunk]);
    const speech = result[0];
    const voiced = this.voicedSpan(result, chunk.length / rate);
    if (speech > this.algoOptions.startedTalkingThreshold && !s.startedTalking) {
      s.startedTalking = true;
      this.markTurn("speech_started", voiced?.startAt);
    }
    if (s.startedTalking) {
      s.appendToStream(chunk);
      if (voiced) s.lastVoicedAt = voiced.endAt;
    }
    return speech < this.algoOptions.speechThreshold && s.startedTalking;
  }

  async #listenForStopWord(
    state: ReplyOnStopWordsState,
    chunk: Int16Array,
    rate: number,
  ): Promise<void> {
    const f = audioToFloat32(chunk);
    const at16k = rate === STT_RATE ? f : resample(f, rate, STT_RATE);
    const prev = state.postStopWordBuffer;
    let window: Float32Array;
    if (prev) {
      window = new Float32Array(prev.length + at16k.length);
      window.set(prev);
      window.set(at16k, prev.length);
    } else {
      window = at16k;
    }
    const keep = WINDOW_SECONDS * STT_RATE;
    if (window.length > keep) window = window.slice(window.length - keep);
    state.postStopWordBuffer = window;
    let text = "";
    try {
      const [, chunks] = await (await this.getModel()).vad([STT_RATE, window], this.modelOptions);
      if (chunks.length > 0) {
        const { sttForChunks } = await import("../stt/moonshine.js");
        text = await sttForChunks(await this.getSttModel(), [STT_RATE, window], chunks);
      }
    } catch (err) {
      log.warn("stop-word transcription failed", { err });
      return;
    }
    if (text !== "" && this.matchesStopWord(text)) {
      log.debug("stop word heard", { text });
      state.stopWordDetected = true;
      void this.sendMessage({ type: "stopword", data: "" });
    }
  }
}
