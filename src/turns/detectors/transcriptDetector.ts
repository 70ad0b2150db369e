import type { AudioChunk } from "../../audio/types.js";
import { getLogger } from "../../logger.js";
import { getSttModel } from "../../stt/moonshine.js";
import type { SttModel } from "../../stt/sttTypes.js";
import type { TurnDetector, TurnDetectorInput } from "../turnDetectorTypes.js";

const log = getLogger("turns.transcript");

/**
 * Words after which an English speaker has almost never finished: coordinating and
 * subordinating conjunctions, prepositions, articles and possessives, and words that open a
 * clause. A turn whose transcript ends with one of them is very likely to go on.
 */
const UNFINISHED_WORDS = new Set([
  // conjunctions
  "and",
  "but",
  "or",
  "nor",
  "so",
  "because",
  "cause",
  "cuz",
  "if",
  "unless",
  "whether",
  "although",
  "than",
  "and/or",
  // articles, determiners, possessives
  "the",
  "a",
  "an",
  "my",
  "your",
  "our",
  "their",
  "his",
  "its",
  "every",
  "some",
  "any",
  "each",
  "another",
  // clause openers
  "that's",
  "which",
  "whose",
  "i",
  "we",
  "they",
  "i'm",
  "we're",
  "they're",
  "i'll",
  "i'd",
  "there's",
]);

/**
 * Prepositions that need an object. Unlike the words above, a question may end with one
 * ("Who is it for?"), so a question mark wins over them. Particles that end phrasal verbs
 * ("turn it on", "come in", "talking about") are left out.
 */
const PREPOSITIONS = new Set([
  "to",
  "of",
  "with",
  "for",
  "from",
  "at",
  "into",
  "onto",
  "as",
  "between",
  "towards",
  "toward",
  "during",
  "until",
  "till",
]);

/** Hesitation fillers: the person is still planning what to say. */
const FILLERS = new Set(["um", "umm", "uh", "uhm", "er", "erm", "ah", "eh", "hmm", "mm", "uhh"]);

/** One-word turns that are complete answers. */
const COMPLETE_SHORT = new Set([
  "yes",
  "yeah",
  "yep",
  "no",
  "nope",
  "okay",
  "ok",
  "sure",
  "thanks",
  "thank",
  "right",
  "correct",
  "exactly",
  "hello",
  "hi",
  "hey",
  "bye",
  "goodbye",
  "please",
  "stop",
  "fine",
  "great",
  "perfect",
]);

/** Single words that open a turn rather than make one. */
const OPENERS = new Set(["so", "well", "and", "but", "now", "then", "also", "actually", "like"]);

/**
 * The probabilities {@link transcriptEndProbability} answers, by rule. Exposed so an
 * application can tune them; the defaults were chosen on the B2d measurements.
 *
 * @example
 * ```ts
 * new TranscriptTurnDetector({ probabilities: { ...DEFAULT_TRANSCRIPT_PROBABILITIES, question: 0.75 } });
 * ```
 */
export const DEFAULT_TRANSCRIPT_PROBABILITIES = Object.freeze({
  /**
   * Ends with a conjunction, article, clause opener or preposition ("and", "the", "I", "to";
   * a preposition before "?" counts as a question).
   */
  unfinishedWord: 0.1,
  /** Ends with a hesitation filler ("um", "uh"). */
  filler: 0.1,
  /** Ends with a comma (Moonshine writes one at most mid-sentence pauses). */
  trailingComma: 0.25,
  /** A single word that opens a turn ("so", "well") or an empty transcript of speech. */
  fragment: 0.3,
  /** Ends with "?" (Moonshine writes one after questions, also without a rising pitch). */
  question: 0.85,
  /** Anything else, including "." (Moonshine ends nearly every fragment with a period). */
  other: 0.5,
});

/**
 * Probabilities by rule; see {@link DEFAULT_TRANSCRIPT_PROBABILITIES}.
 *
 * @example
 * ```ts
 * const p: TranscriptProbabilities = { ...DEFAULT_TRANSCRIPT_PROBABILITIES, other: 0.55 };
 * ```
 */
export type TranscriptProbabilities = {
  -readonly [K in keyof typeof DEFAULT_TRANSCRIPT_PROBABILITIES]: number;
};

/**
 * Which rule decided, from {@link classifyTranscript}.
 *
 * @example
 * ```ts
 * const rule: TranscriptRule = classifyTranscript("and um"); // "filler"
 * ```
 */
export type TranscriptRule = keyof TranscriptProbabilities;

/**
 * Names the rule that applies to the end of an English transcript (see
 * {@link DEFAULT_TRANSCRIPT_PROBABILITIES}). `complete` tells whether the transcript is the
 * whole turn (the single-word fragment rule is applied only then).
 *
 * @example
 * ```ts
 * classifyTranscript("I went to the store and."); // "unfinishedWord"
 * classifyTranscript("Can you hear me?");         // "question"
 * ```
 */
export function classifyTranscript(transcript: string, complete = true): TranscriptRule {
  const text = transcript.trim().toLowerCase();
  const words = text
    .split(/\s+/)
    .map((w) => w.replace(/^[^a-z0-9']+|[^a-z0-9']+$/g, ""))
    .filter((w) => w !== "");
  const last = words.at(-1);
  if (last === undefined) return complete ? "fragment" : "other";
  if (FILLERS.has(last)) return "filler";
  if (UNFINISHED_WORDS.has(last)) return "unfinishedWord";
  const end = text.replace(/["')\]\s]+$/, "").at(-1) ?? "";
  if (PREPOSITIONS.has(last)) return end === "?" ? "question" : "unfinishedWord";
  if (end === "," || end === ";" || end === ":" || end === "-" || text.endsWith("...")) {
    return "trailingComma";
  }
  if (complete && words.length === 1 && OPENERS.has(last) && !COMPLETE_SHORT.has(last)) {
    return "fragment";
  }
  if (end === "?") return "question";
  return "other";
}

/**
 * The end-of-turn probability of an English transcript by the rules of
 * {@link classifyTranscript}: low after "and", "to", "the", "um", a trailing comma or a lone
 * "so"; high after a question mark; 0.5 otherwise.
 *
 * @example
 * ```ts
 * transcriptEndProbability("So um");            // 0.1
 * transcriptEndProbability("What time is it?"); // 0.85
 * ```
 */
export function transcriptEndProbability(
  transcript: string,
  probabilities: TranscriptProbabilities = DEFAULT_TRANSCRIPT_PROBABILITIES,
  complete = true,
): number {
  return probabilities[classifyTranscript(transcript, complete)];
}

/**
 * Options of {@link TranscriptTurnDetector}.
 *
 * @example
 * ```ts
 * const opts: TranscriptTurnDetectorOptions = { stt: await getSttModel("moonshine/base"), tailMs: 3000 };
 * ```
 */
export interface TranscriptTurnDetectorOptions {
  /**
   * The STT used when the caller gives no transcript. Default: `getSttModel("moonshine/tiny")`
   * (loaded on first use or by `warmup()`).
   */
  stt?: SttModel | (() => Promise<SttModel>);
  /**
   * Only the last `tailMs` of the turn is transcribed (the end is what the rules read), which
   * bounds the cost on long turns. Default `2000`.
   */
  tailMs?: number;
  /** Probabilities by rule. Default {@link DEFAULT_TRANSCRIPT_PROBABILITIES}. */
  probabilities?: Partial<TranscriptProbabilities>;
}

function tailOf(audio: AudioChunk, tailMs: number): { chunk: AudioChunk; whole: boolean } {
  const [rate, samples, layout] = audio;
  const channels = layout === "stereo" ? 2 : 1;
  const keep = Math.round((tailMs / 1000) * rate) * channels;
  if (samples.length <= keep) return { chunk: audio, whole: true };
  const sub = samples.subarray(samples.length - keep);
  return { chunk: layout === undefined ? [rate, sub] : [rate, sub, layout], whole: false };
}

/**
 * A turn detector that reads the end of the transcript (English only): it answers low when the
 * turn stops on an unfinished word ("and", "but", "so", "because", "to", "the", "with"), a
 * filler ("um", "uh"), a trailing comma or a lone opener ("so", "well"); high when it stops on a
 * question mark; 0.5 otherwise, so the silence window applies unchanged. It uses the
 * transcript it is given, or transcribes the last seconds of the turn with Moonshine tiny.
 *
 * The rules were set from what Moonshine tiny writes for speech cut at a pause: a trailing
 * comma at most mid-sentence pauses, "?" after questions, and a period after almost everything
 * else, fragments included — so a period says nothing and is not used.
 *
 * @example
 * ```ts
 * const detector = new TranscriptTurnDetector();
 * await detector.warmup();
 * new ReplyOnPause(fn, { turnDetector: detector });
 * // or with a transcript the app already has:
 * await detector.endOfTurnProbability({ audio, transcript: "I was thinking that" }); // 0.1
 * ```
 */
export class TranscriptTurnDetector implements TurnDetector {
  readonly #stt: SttModel | (() => Promise<SttModel>);
  readonly #tailMs: number;
  readonly #p: TranscriptProbabilities;
  #model: Promise<SttModel> | null = null;

  constructor(options: TranscriptTurnDetectorOptions = {}) {
    this.#stt = options.stt ?? (() => getSttModel("moonshine/tiny"));
    this.#tailMs = options.tailMs ?? 2000;
    if (!(this.#tailMs > 0)) throw new RangeError("tailMs must be > 0");
    this.#p = { ...DEFAULT_TRANSCRIPT_PROBABILITIES, ...options.probabilities };
    for (const [k, v] of Object.entries(this.#p)) {
      if (!(typeof v === "number" && v >= 0 && v <= 1)) {
        throw new RangeError(`probabilities.${k} must be a number in [0, 1]`);
      }
    }
  }

  #getModel(): Promise<SttModel> {
    if (this.#model === null) {
      const s = this.#stt;
      this.#model = typeof s === "function" ? s() : Promise.resolve(s);
      this.#model.catch(() => {
        this.#model = null;
      });
    }
    return this.#model;
  }

  /** Loads (and warms up) the STT model. */
  async warmup(): Promise<void> {
    const model = await this.#getModel();
    await model.warmup();
  }

  /**
   * Probability that the turn is over. Rejects with the signal's reason when `signal` is
   * aborted, and with the STT's error when transcription fails.
   */
  async endOfTurnProbability(input: TurnDetectorInput): Promise<number> {
    const { signal } = input;
    signal?.throwIfAborted();
    if (input.transcript !== undefined) {
      return transcriptEndProbability(input.transcript, this.#p, true);
    }
    const { chunk, whole } = tailOf(input.audio, this.#tailMs);
    const model = await this.#getModel();
    signal?.throwIfAborted();
    const text = await model.stt(chunk);
    signal?.throwIfAborted();
    const p = transcriptEndProbability(text, this.#p, whole);
    log.debug(`transcript ${JSON.stringify(text)} -> ${p}`);
    return p;
  }
}
