import type { AudioChunk } from "../audio/types.js";
import type { BargeInOptions } from "../turns/bargeIn.js";
import type { EndOfTurnOptions } from "../turns/endOfTurnTypes.js";
import type { TurnDetector } from "../turns/turnDetectorTypes.js";
import type { FrameVad } from "../vad/frameVadTypes.js";
import type { PauseDetectionModel } from "../vad/types.js";
import type { EmitType } from "./emit.js";
import type { WebRTCData } from "./outputs.js";
import type { StreamHandlerOptions } from "./streamHandlerTypes.js";

/**
 * Anything a reply function may return: a (sync or async) generator or any (async) iterable.
 *
 * @example
 * ```ts
 * const reply = (audio: AudioChunk): ReplyIterable => [audio];
 * ```
 */
export type ReplyIterable = Iterable<EmitType> | AsyncIterable<EmitType>;

/**
 * A reply function: called with the turn's audio (`[inputSampleRate, Int16Array]`) and, when
 * `needsArgs` is set, the client's inputs; yields audio and outputs.
 * @example
 * ```ts
 * const fn: ReplyFnType = async function* (audio, topic) {
 *   yield audio;
 * };
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: extra inputs are whatever the app sends.
export type ReplyFnType = (audio: AudioChunk, ...args: any[]) => ReplyIterable;

/**
 * A reply function that also answers typed turns (`acceptsText: true`): its first argument is
 * the turn's audio for a spoken turn, or a `WebRTCData` (`textbox` = the typed text, `audio` =
 * the audio collected so far) for a typed one.
 * @example
 * ```ts
 * const fn: TextReplyFnType = async function* (input) {
 *   const prompt = input instanceof WebRTCData ? input.textbox : await stt(input);
 *   yield* speak(await llm(prompt));
 * };
 * new ReplyOnPause(fn, { acceptsText: true });
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: extra inputs are whatever the app sends.
export type TextReplyFnType = (input: AudioChunk | WebRTCData, ...args: any[]) => ReplyIterable;

/**
 * A startup function: called once per connection (with the inputs when `needsArgs`).
 *
 * @example
 * ```ts
 * const greet: StartupFnType = function* () {
 *   yield [24000, helloPcm];
 * };
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: extra inputs are whatever the app sends.
export type StartupFnType = (...args: any[]) => ReplyIterable;

/**
 * Turn-taking parameters (FastRTC's `AlgoOptions`).
 *
 * @example
 * ```ts
 * new ReplyOnPause(fn, { algoOptions: { audioChunkDuration: 0.5, speechThreshold: 0.05 } });
 * ```
 */
export interface AlgoOptions {
  /** Seconds of audio per VAD decision. Default `0.6`. */
  audioChunkDuration: number;
  /** Seconds of speech in one chunk that mark the start of a turn. Default `0.2`. */
  startedTalkingThreshold: number;
  /** Below this many seconds of speech in a chunk, the turn has ended. Default `0.1`. */
  speechThreshold: number;
  /** A turn this long (seconds) is answered even without a pause. Default `Infinity`. */
  maxContinuousSpeechS: number;
  /**
   * Seconds of audio from before the chunk where speech was detected that are kept at the start
   * of the turn. FastRTC keeps none (`0`), which clips up to ~0.25 s of the first word when
   * speech starts late in a chunk. At most one chunk is kept. Default `0.4` (fastrtc-ts).
   */
  preRollS: number;
}

/**
 * FastRTC's defaults 0.6 / 0.2 / 0.1 / Infinity, plus our `preRollS` of 0.4.
 *
 * @example
 * ```ts
 * const quicker = { ...DEFAULT_ALGO_OPTIONS, audioChunkDuration: 0.4 };
 * ```
 */
export const DEFAULT_ALGO_OPTIONS: Readonly<AlgoOptions> = Object.freeze({
  audioChunkDuration: 0.6,
  startedTalkingThreshold: 0.2,
  speechThreshold: 0.1,
  maxContinuousSpeechS: Number.POSITIVE_INFINITY,
  preRollS: 0.4,
});

/**
 * Options of `ReplyOnPause`.
 *
 * @example
 * ```ts
 * const options: ReplyOnPauseOptions = { canInterrupt: false, outputSampleRate: 24000 };
 * new ReplyOnPause(fn, options);
 * ```
 */
export interface ReplyOnPauseOptions<ModelOptions = unknown> extends StreamHandlerOptions {
  /** Generator run once when a connection starts (a greeting). Default: none. */
  startupFn?: StartupFnType | null;
  /**
   * Whether the app takes typed turns. Default `false`: the built-in page shows no text field,
   * and a typed message (`client.sendText()`, the WebSocket `text` event) is refused with a
   * `WebRTCError` the client shows. `true` needs a reply function that takes a `WebRTCData`
   * ({@link TextReplyFnType}): see {@link ReplyOnPauseTextOptions}.
   */
  acceptsText?: false;
  /**
   * How turns are taken. Default: the streaming policy (Silero v6.2 on 32 ms frames, a candidate
   * after a short silence, a silence window that a `turnDetector` and the person's own pauses
   * adjust, barge-in at speech onset); pass an object to change its knobs
   * ({@link EndOfTurnOptions}, every field optional). `"fastrtc"` keeps FastRTC's algorithm
   * exactly (0.6 s chunks, `algoOptions`, `model`); giving `algoOptions` or `model` implies it.
   */
  turnTaking?: "fastrtc" | Partial<EndOfTurnOptions>;
  /**
   * Start `fn` at the candidate end of a turn, before the turn is confirmed. It runs up to its
   * first `yield`; that value is held and the generator stays suspended there until the turn is
   * confirmed (then everything flows), or is closed (`return()`, so `finally` blocks run) if the
   * person goes on speaking. Hides the reply's own latency (STT, LLM, the first TTS chunk)
   * when that work comes before the first `yield`. The code before the first `yield` may run
   * more than once per turn, or for a turn that then goes on: keep side effects (writing
   * history, a database, a payment) after it, or leave this off. Streaming policy only.
   * Default `false`.
   */
  preemptive?: boolean;
  /** Preemptive starts allowed per turn; later candidates wait for the confirmation. Default `3`. */
  maxPreemptiveStarts?: number;
  /**
   * Asked at each candidate end point how likely the turn is over (see `TurnDetector`):
   * a confident "over" shortens the silence waited for, a confident "not over" lengthens it.
   * `null` asks none. Streaming policy only. Default: a `ProsodyTurnDetector` (falling pitch at
   * the end of the turn; no model, a few ms per candidate), which measurably cuts both the
   * cut-offs and the wait on the labelled set (docs/benchmarks.md, B2).
   */
  turnDetector?: TurnDetector | null;
  /** Frame VAD of the streaming policy. Default: Silero v6.2 (`getFrameVad()`), batched. */
  frameVad?: FrameVad | null;
  /**
   * Barge-in while a reply plays (streaming policy, with `canInterrupt`): pause the reply at
   * speech onset, drop it once the person keeps talking, resume it after a short noise
   * ({@link BargeInOptions}). `false` interrupts only when the interrupting turn has ended, as
   * FastRTC does. Default: on with the defaults.
   */
  bargeIn?: Partial<BargeInOptions> | false;
  /**
   * FastRTC's turn-taking parameters; missing fields take {@link DEFAULT_ALGO_OPTIONS}. Giving
   * them selects `turnTaking: "fastrtc"`.
   */
  algoOptions?: Partial<AlgoOptions>;
  /** Passed unchanged to `model.vad()` (Silero: `Partial<SileroVadOptions>`). Default: none. */
  modelOptions?: ModelOptions;
  /**
   * When the user speaks over a reply and pauses, stop the reply, drop its queued audio and answer
   * the new turn. When `false`, input is ignored while a reply runs. Default `true`.
   */
  canInterrupt?: boolean;
  /**
   * Chunk voice-activity model of FastRTC's algorithm (giving one selects
   * `turnTaking: "fastrtc"`). Default: Silero v4 (`getSileroModel()`), loaded on first use.
   */
  model?: PauseDetectionModel<ModelOptions> | null;
  /**
   * The reply function takes extra inputs: each turn asks the client (`send_input`) and waits for
   * `stream.setInput()`; `fn(audio, ...inputs)`. Default `false`.
   */
  needsArgs?: boolean;
}

/**
 * Options of a `ReplyOnPause` whose reply function also answers typed turns
 * ({@link TextReplyFnType}): `acceptsText: true` makes the built-in page show a text field, and
 * each typed message calls `fn` with a `WebRTCData` (`textbox` = the text) instead of the audio.
 *
 * @example
 * ```ts
 * const options: ReplyOnPauseTextOptions = { acceptsText: true, canInterrupt: true };
 * new ReplyOnPause(async function* (input: AudioChunk | WebRTCData) {
 *   if (input instanceof WebRTCData) yield* speak(input.textbox);
 *   else yield input;
 * }, options);
 * ```
 */
export type ReplyOnPauseTextOptions<ModelOptions = unknown> = Omit<
  ReplyOnPauseOptions<ModelOptions>,
  "acceptsText"
> & {
  /** Take typed turns (`true`), or not. */
  acceptsText: boolean;
};
