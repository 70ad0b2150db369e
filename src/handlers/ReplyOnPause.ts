import { audioToInt16 } from "../audio/convert.js";
import { levelDb } from "../audio/level.js";
import { resampleInt16 } from "../audio/resample.js";
import type { AudioChunk } from "../audio/types.js";
import { getLogger } from "../logger.js";
import { AudioStore } from "../turns/audioStore.js";
import {
  type BargeInOptions,
  BargeInPolicy,
  type BargeInSignal,
  resolveBargeInOptions,
} from "../turns/bargeIn.js";
import { ProsodyTurnDetector } from "../turns/detectors/prosodyDetector.js";
import { EchoGuard } from "../turns/echoGuard.js";
import { EndOfTurnPolicy } from "../turns/endOfTurn.js";
import type { EndOfTurnSignal } from "../turns/endOfTurnTypes.js";
import type { TurnDetector } from "../turns/turnDetectorTypes.js";
import { FRAME_VAD_MS, type FrameVad, type FrameVadStream } from "../vad/frameVadTypes.js";
import type { PauseDetectionModel, VadResult } from "../vad/types.js";
import { getCurrentContext } from "./context.js";
import { type EmitType, splitEmitValue } from "./emit.js";
import { WebRTCError } from "./errors.js";
import { WebRTCData } from "./outputs.js";
import {
  type AlgoOptions,
  DEFAULT_ALGO_OPTIONS,
  type ReplyFnType,
  type ReplyIterable,
  type ReplyOnPauseOptions,
  type ReplyOnPauseTextOptions,
  type StartupFnType,
  type TextReplyFnType,
} from "./replyOnPauseTypes.js";
import { AsyncStreamHandler } from "./StreamHandler.js";

const log = getLogger("reply-on-pause");

/** `emit()`'s answer while no reply is under way (shared: it never changes). */
const NOTHING_TO_EMIT: Promise<EmitType> = Promise.resolve(null);

type AnyIterator = Iterator<EmitType> | AsyncIterator<EmitType>;

/**
 * Per-turn state of {@link ReplyOnPause} (FastRTC's `AppState`). Exposed for subclasses that
 * override `determinePause`.
 * @example
 * ```ts
 * class Quick extends ReplyOnPause {
 *   protected override async determinePause(state: ReplyOnPauseState) {
 *     return state.bufferLength > 0 && (await super.determinePause(state));
 *   }
 * }
 * ```
 */
export class ReplyOnPauseState {
  /** Chunks of the current utterance (from speech onset), or `null` before onset. */
  stream: Int16Array[] | null = null;
  /** Samples in `stream`. */
  streamLength = 0;
  /** Rate of the audio in this state; `0` until the first frame. */
  samplingRate = 0;
  /** The last VAD decision found a pause. */
  pauseDetected = false;
  /** Speech onset was seen in this turn. */
  startedTalking = false;
  /** A reply is being produced. */
  responding = false;
  /** Frames not yet analysed. */
  buffer: Int16Array[] = [];
  /** Samples in `buffer`. */
  bufferLength = 0;
  /** The current reply yielded audio. */
  respondedAudio = false;
  /** Recent audio from before speech onset (for the pre-roll). */
  preRoll: Int16Array | null = null;
  /** Clock time (ms) of the last voiced audio heard in this turn, or null. */
  lastVoicedAt: number | null = null;

  /** Appends `samples` to the utterance. */
  appendToStream(samples: Int16Array): void {
    if (this.stream === null) this.stream = [];
    this.stream.push(samples);
    this.streamLength += samples.length;
  }

  /** Takes the pending buffer as one array and empties it. */
  takeBuffer(): Int16Array {
    const out = concat(this.buffer, this.bufferLength);
    this.buffer = [];
    this.bufferLength = 0;
    return out;
  }
}

function concat(parts: Int16Array[], total: number): Int16Array {
  if (parts.length === 1 && parts[0]?.length === total) return parts[0];
  const out = new Int16Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function deferred(): { promise: Promise<null>; resolve: (v: null) => void } {
  let resolve: (v: null) => void = () => {};
  const promise = new Promise<null>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A detector answer below this spends no preemptive start on the candidate. */
const PREEMPT_MIN_PROBABILITY = 0.4;
/** Frames a preemptive start waits for the detector's answer. */
const PREEMPT_WAIT_FRAMES = 2;

/** The streaming policy's state for one connection. */
interface LiveTurns {
  rate: number;
  vad: FrameVadStream;
  eot: EndOfTurnPolicy;
  barge: BargeInPolicy | null;
  bargeOptions: BargeInOptions | null;
  echo: EchoGuard;
  detector: TurnDetector | null;
  store: AudioStore;
  /** VAD frames seen; the handler's audio time is `frames * 32` ms. */
  frames: number;
  /** Sample where the current turn's audio starts (onset minus padding), or null. */
  turnStart: number | null;
  /** Where the last confirmed turn started, while its reply has not been heard (merging). */
  prevTurnStart: number | null;
  prevSpeechEndMs: number;
  /** Preemptive starts in this turn. */
  starts: number;
  /** No turn may start before this sample (ReplyOnStopWords: where its stop word was heard). */
  gateOpenedAt: number;
  gateOpen: boolean;
  /** A preemptive start waiting for the detector's answer. */
  pending: { candidate: number; audio: Int16Array; frame: number } | null;
  /** The detector's last answer. */
  answer: { candidate: number; probability: number } | null;
  asking: AbortController | null;
}

function toIterator(value: ReplyIterable, what: string): AnyIterator {
  if (value !== null && typeof value === "object") {
    const v = value as Partial<Iterable<EmitType> & AsyncIterable<EmitType>>;
    const asyncIt = v[Symbol.asyncIterator];
    if (typeof asyncIt === "function") return asyncIt.call(v);
    const syncIt = v[Symbol.iterator];
    if (typeof syncIt === "function") return syncIt.call(v);
  }
  throw new TypeError(
    `${what} must return an iterable or async iterable (write it as function* or async function*), got ${
      value === null ? "null" : typeof value
    }`,
  );
}

function resolveAlgoOptions(partial: Partial<AlgoOptions> | undefined): AlgoOptions {
  const o = { ...DEFAULT_ALGO_OPTIONS, ...(partial ?? {}) };
  for (const key of Object.keys(DEFAULT_ALGO_OPTIONS) as (keyof AlgoOptions)[]) {
    const v = o[key];
    if (typeof v !== "number" || Number.isNaN(v)) {
      throw new TypeError(`algoOptions.${key} must be a number, got ${String(v)}`);
    }
  }
  if (!(o.audioChunkDuration > 0 && Number.isFinite(o.audioChunkDuration))) {
    throw new RangeError(`algoOptions.audioChunkDuration must be > 0, got ${o.audioChunkDuration}`);
  }
  if (o.startedTalkingThreshold < 0 || o.speechThreshold < 0 || o.preRollS < 0) {
    throw new RangeError("algoOptions thresholds and preRollS must be >= 0");
  }
  if (!(o.maxContinuousSpeechS > 0)) {
    throw new RangeError(
      `algoOptions.maxContinuousSpeechS must be > 0, got ${o.maxContinuousSpeechS}`,
    );
  }
  return o;
}

/**
 * Turn taking by voice activity (FastRTC's `ReplyOnPause`): collects the user's speech, and when
 * they pause calls `fn` with the utterance and plays what it yields.
 *
 * The algorithm is FastRTC's (spec §7): every `audioChunkDuration` seconds of input the VAD
 * measures speech; a chunk with more than `startedTalkingThreshold` s of speech starts a turn
 * (`log started_talking`), the first chunk after that with less than `speechThreshold` s ends it
 * (`log pause_detected`, then `fn`). With `canInterrupt`, a new turn's pause stops the running
 * reply and drops its queued audio.
 *
 * Differences from FastRTC (bug fixes): an exception in `fn` is reported to the client and the
 * next turn is answered; the max-duration trigger does not append a chunk twice; `startupFn` may
 * be sync or async independently of `fn`; items a reply yields after it was interrupted are
 * dropped.
 *
 * @example
 * ```ts
 * async function* echo(audio: AudioChunk) {
 *   yield audio;
 * }
 * const handler = new ReplyOnPause(echo, { canInterrupt: true, algoOptions: { speechThreshold: 0.1 } });
 * ```
 */
export class ReplyOnPause<ModelOptions = unknown> extends AsyncStreamHandler {
  /** The reply function. */
  readonly fn: ReplyFnType;
  /** The startup function, or `null`. */
  readonly startupFn: StartupFnType | null;
  /** Resolved turn-taking parameters. */
  readonly algoOptions: Readonly<AlgoOptions>;
  /** Passed to `model.vad()`. */
  readonly modelOptions: ModelOptions | undefined;
  /** See {@link ReplyOnPauseOptions.canInterrupt}. */
  readonly canInterrupt: boolean;
  /** See {@link ReplyOnPauseOptions.needsArgs}. */
  needsArgs: boolean;
  /** `"fastrtc"` (FastRTC's chunk algorithm) or `"streaming"` (the frame policy). */
  readonly turnTakingMode: "fastrtc" | "streaming";
  /** See {@link ReplyOnPauseOptions.preemptive}. */
  readonly preemptive: boolean;
  /** See {@link ReplyOnPauseOptions.acceptsText}. */
  readonly acceptsText: boolean;
  readonly #options: ReplyOnPauseOptions<ModelOptions>;
  /** The streaming policy's per-connection state, created on the first frame. */
  #live: LiveTurns | null = null;
  /**
   * The wire rate this handler took its frames at instead of `inputSampleRate`
   * (`receiveRateFor`), or 0: turns at this rate are resampled for the reply function.
   */
  #wireRate = 0;
  #frameVad: FrameVad | null;
  /** A preemptive reply is running: its items are held until the turn is confirmed. */
  #holding = false;
  #held: EmitType[] = [];
  #heldDone = false;
  /** Audio for the next reply (streaming policy); `null` = take `state.stream`. */
  #replyAudio: Int16Array | null = null;
  #model: PauseDetectionModel<ModelOptions> | null;
  /** Per-turn state; replaced when a reply starts and on `reset()`. */
  protected state: ReplyOnPauseState = this.createState();
  #event = false;
  #generator: AnyIterator | null = null;
  /** A typed turn waiting for its reply to start. */
  #pendingText: WebRTCData | null = null;
  /** Resolves (with null) when the running reply is interrupted. */
  #interrupted = deferred();

  /**
   * @param fn - reply function: `(audio, ...inputs) => generator`; with `acceptsText: true`,
   *   `(audio | WebRTCData, ...inputs) => generator` ({@link TextReplyFnType}).
   * @param options - see {@link ReplyOnPauseOptions}; every field optional.
   */
  constructor(fn: TextReplyFnType, options: ReplyOnPauseTextOptions<ModelOptions>);
  constructor(fn: ReplyFnType, options?: ReplyOnPauseOptions<ModelOptions>);
  constructor(
    fn: ReplyFnType,
    allOptions: ReplyOnPauseOptions<ModelOptions> | ReplyOnPauseTextOptions<ModelOptions> = {},
  ) {
    super(allOptions);
    const { acceptsText = false, ...options } = allOptions;
    if (typeof acceptsText !== "boolean") throw new TypeError("acceptsText must be a boolean");
    this.acceptsText = acceptsText;
    if (typeof fn !== "function") throw new TypeError("ReplyOnPause needs a reply function");
    const startupFn = options.startupFn ?? null;
    if (startupFn !== null && typeof startupFn !== "function") {
      throw new TypeError("startupFn must be a function");
    }
    const model = options.model ?? null;
    if (model !== null && (typeof model.vad !== "function" || typeof model.warmup !== "function")) {
      throw new TypeError("model must implement vad() and warmup()");
    }
    this.fn = fn;
    this.startupFn = startupFn;
    this.algoOptions = Object.freeze(resolveAlgoOptions(options.algoOptions));
    this.modelOptions = options.modelOptions;
    this.canInterrupt = options.canInterrupt ?? true;
    this.needsArgs = options.needsArgs ?? false;
    this.#model = model;
    this.#options = options;
    this.#frameVad = options.frameVad ?? null;
    const fastrtc =
      options.turnTaking === "fastrtc" ||
      options.algoOptions !== undefined ||
      (options.model !== undefined && options.model !== null);
    this.turnTakingMode = fastrtc ? "fastrtc" : "streaming";
    this.preemptive = options.preemptive ?? false;
    if (typeof this.preemptive !== "boolean") throw new TypeError("preemptive must be a boolean");
    const maxStarts = options.maxPreemptiveStarts ?? 3;
    if (!(Number.isInteger(maxStarts) && maxStarts >= 0)) {
      throw new RangeError(`maxPreemptiveStarts must be an integer >= 0, got ${maxStarts}`);
    }
    if (!fastrtc) {
      // Validate now so a bad option fails at construction, not on the first frame.
      new EndOfTurnPolicy(typeof options.turnTaking === "object" ? options.turnTaking : undefined);
      if (options.bargeIn !== false) resolveBargeInOptions(options.bargeIn ?? {});
      const det = options.turnDetector;
      if (det != null && typeof det.endOfTurnProbability !== "function") {
        throw new TypeError("turnDetector must implement endOfTurnProbability()");
      }
      const fv = options.frameVad;
      if (fv != null && typeof fv.createStream !== "function") {
        throw new TypeError("frameVad must implement createStream() and warmup()");
      }
    } else if (options.turnTaking !== undefined && options.turnTaking !== "fastrtc") {
      throw new TypeError(
        'turnTaking options cannot be combined with algoOptions or model (use "fastrtc")',
      );
    }
  }

  /** The VAD model (Silero v4 unless one was given), loading it on first use. */
  async getModel(): Promise<PauseDetectionModel<ModelOptions>> {
    if (!this.#model) {
      const { getSileroModel } = await import("../vad/silero.js");
      this.#model = getSileroModel() as unknown as PauseDetectionModel<ModelOptions>;
    }
    return this.#model;
  }

  /** The frame VAD of the streaming policy (Silero v6.2 unless one was given), loaded lazily. */
  async getFrameVad(): Promise<FrameVad> {
    if (!this.#frameVad) {
      const { getFrameVad } = await import("../vad/frameVad.js");
      this.#frameVad = getFrameVad();
    }
    return this.#frameVad;
  }

  /** Loads and warms up the model(s) so the first turn is not slow. */
  async warmup(): Promise<void> {
    if (this.turnTakingMode === "fastrtc") {
      await (await this.getModel()).warmup();
      return;
    }
    await (await this.getFrameVad()).warmup();
    await this.#options.turnDetector?.warmup?.();
  }

  override copy(): ReplyOnPause<ModelOptions> {
    // fn's type was checked against acceptsText when this handler was made.
    return new ReplyOnPause<ModelOptions>(this.fn as TextReplyFnType, {
      ...this.copyOptions(),
      acceptsText: this.acceptsText,
    });
  }

  /** The options a copy is built with: the same settings, sharing the loaded model. */
  protected copyOptions(): ReplyOnPauseOptions<ModelOptions> {
    return {
      ...this.#options,
      model: this.#model,
      frameVad: this.#frameVad,
      needsArgs: this.needsArgs,
    };
  }

  override async startUp(): Promise<void> {
    if (!this.startupFn) return;
    let args: unknown[] = [];
    if (this.needsArgs) {
      await this.waitForArgs();
      args = this.latestArgs.slice(1);
    }
    this.#generator = toIterator(this.startupFn(...args), "startupFn");
    this.#event = true;
    this.wake();
  }

  /**
   * Streaming turn taking works at any input rate (the VAD, the echo guard and the turn detector
   * take the frames' own rate), so on a wire slower than `inputSampleRate` (an 8 kHz phone call)
   * this takes the wire's frames as they are, with no upsampling per 20 ms; the turn is resampled
   * once, to `inputSampleRate`, when it goes to the reply function. FastRTC's turn taking
   * (`turnTaking: "fastrtc"`), a stereo layout or a subclass with its own `receive()` keep
   * `inputSampleRate`.
   *
   * @example
   * ```ts
   * new ReplyOnPause(echo).receiveRateFor(8000); // 8000: phone audio is not upsampled per frame
   * ```
   */
  override receiveRateFor(wireRate: number): number {
    const anyRate =
      this.turnTakingMode === "streaming" &&
      this.expectedLayout === "mono" &&
      this.receive === ReplyOnPause.prototype.receive;
    if (!anyRate || wireRate >= this.inputSampleRate) return this.inputSampleRate;
    this.#wireRate = wireRate;
    return wireRate;
  }

  override receive(frame: AudioChunk): Promise<void> {
    // No async wrapper: the streaming path's own promise is the answer (one fewer per frame).
    return this.turnTakingMode === "streaming"
      ? this.#receiveStreaming(frame)
      : this.#receiveBatch(frame);
  }

  async #receiveBatch(frame: AudioChunk): Promise<void> {
    const state = this.state;
    if (state.responding && !this.canInterrupt) return;
    const [rate, raw] = frame;
    const samples = raw instanceof Int16Array ? raw : audioToInt16(raw);
    if (state.samplingRate === 0) state.samplingRate = rate;
    state.buffer.push(samples);
    state.bufferLength += samples.length;
    const pause = await this.determinePause(state);
    state.pauseDetected = pause;
    if (!pause) return;
    await this.#startTurn();
  }

  async #receiveStreaming(frame: AudioChunk): Promise<void> {
    const [rate, raw] = frame;
    const samples = raw instanceof Int16Array ? raw : audioToInt16(raw);
    if (this.#live === null) this.#live = await this.#createLive(rate);
    const live = this.#live;
    live.store.append(samples);
    // Echo guard, once per input frame while reply audio plays: does what is heard follow what
    // was sent? (Nothing is sent while paused.)
    const playback = this.playback;
    let echo = false;
    if (playback.playing && !playback.paused && live.barge) {
      echo = live.echo.isEcho(this.clock.now(), levelDb(samples), playback.sent);
    } else {
      live.echo.reset();
    }
    let probs: Float32Array;
    try {
      probs = await live.vad.push([rate, samples]);
    } catch (err) {
      log.warn("frame VAD failed; treating the audio as speech", { err });
      probs = new Float32Array(
        Math.max(1, Math.round(((samples.length / rate) * 1000) / FRAME_VAD_MS)),
      ).fill(1);
    }
    const gate = this.turnGate([rate, samples]);
    const open = typeof gate === "boolean" ? gate : await gate;
    if (open && !live.gateOpen) live.gateOpenedAt = live.store.end;
    live.gateOpen = open;
    if (!open) {
      live.frames += probs.length;
      live.eot.reset();
      live.turnStart = null;
    } else {
      for (const p of probs) {
        const signals = this.#onFrame(live, p, echo);
        if (signals) await signals;
      }
    }
    // Keep the prefix padding (plus a second) before any open turn, or everything since the
    // start of a turn whose reply has not been heard yet (it may be merged with the next).
    const keepFrom = Math.min(
      live.turnStart ?? Number.POSITIVE_INFINITY,
      live.prevTurnStart ?? Number.POSITIVE_INFINITY,
      live.store.end - Math.round(((live.eot.options.prefixPaddingMs + 1000) * rate) / 1000),
    );
    live.store.trimBefore(keepFrom);
  }

  async #createLive(rate: number): Promise<LiveTurns> {
    const o = this.#options;
    const vad = (await this.getFrameVad()).createStream();
    const bargeOptions =
      o.bargeIn === false || !this.canInterrupt ? null : resolveBargeInOptions(o.bargeIn ?? {});
    return {
      rate,
      vad,
      eot: new EndOfTurnPolicy(typeof o.turnTaking === "object" ? o.turnTaking : undefined),
      barge: bargeOptions ? new BargeInPolicy(bargeOptions) : null,
      bargeOptions,
      echo: new EchoGuard(bargeOptions?.echoMarginDb ?? 15),
      detector: o.turnDetector === undefined ? new ProsodyTurnDetector() : o.turnDetector,
      store: new AudioStore(),
      frames: 0,
      turnStart: null,
      prevTurnStart: null,
      prevSpeechEndMs: 0,
      starts: 0,
      asking: null,
      gateOpenedAt: 0,
      gateOpen: true,
      pending: null,
      answer: null,
    };
  }

  /**
   * Streaming policy: whether the end-of-turn policy may hear this frame. `ReplyOnStopWords`
   * keeps it closed until its stop word is heard. Default: always open.
   */
  protected turnGate(_frame: AudioChunk): boolean | Promise<boolean> {
    return true;
  }

  /** Streaming policy: a turn was confirmed (`ReplyOnStopWords` re-arms its stop word). */
  protected onTurnConfirmed(): void {}

  /**
   * One 32 ms VAD frame: barge-in while a reply plays, else the end-of-turn policy. Synchronous
   * unless the frame raised signals that await (most frames raise none): then their promise.
   */
  #onFrame(live: LiveTurns, probability: number, echo: boolean): Promise<void> | undefined {
    live.frames++;
    const playback = this.playback;
    if (playback.playing) live.prevTurnStart = null;
    else live.barge?.reset();
    if (!this.canInterrupt && (this.#event || playback.playing)) {
      // FastRTC: input is ignored while a reply runs.
      live.eot.reset();
      live.turnStart = null;
      return;
    }
    if (playback.playing && live.barge && live.bargeOptions) {
      const signals = live.barge.pushFrame(probability, !echo);
      return signals.length === 0 ? undefined : this.#onBargeSignals(live, signals);
    }
    const signals = live.eot.pushFrame(probability);
    if (signals.length > 0) return this.#onSignals(live, signals);
    if (live.pending) this.#maybeStartPreemptive(live);
    return undefined;
  }

  async #onBargeSignals(live: LiveTurns, signals: BargeInSignal[]): Promise<void> {
    const barge = live.barge as BargeInPolicy;
    for (const s of signals) {
      const onsetMs = live.frames * FRAME_VAD_MS - (barge.nowMs - s.onsetMs);
      if (s.type === "pause") {
        this.pausePlayback();
        this.markTurn("playback_paused");
      } else if (s.type === "resume") {
        this.resumePlayback();
        this.markTurn("playback_resumed");
      } else {
        this.#interruptReply();
        live.eot.startTurn();
        await this.#turnStarted(live, onsetMs);
      }
    }
  }

  async #onSignals(live: LiveTurns, signals: EndOfTurnSignal[]): Promise<void> {
    for (const s of signals) await this.#onSignal(live, s);
    if (live.pending) this.#maybeStartPreemptive(live);
  }

  /** Handler audio time (ms) of a time reported by the end-of-turn policy. */
  #eotTime(live: LiveTurns, ms: number): number {
    return live.frames * FRAME_VAD_MS - (live.eot.nowMs - ms);
  }

  /** Clock time of a handler audio time (the last frame ends now). */
  #clockAt(live: LiveTurns, ms: number): number {
    return this.clock.now() - (live.frames * FRAME_VAD_MS - ms);
  }

  #sampleAt(live: LiveTurns, ms: number): number {
    return Math.max(0, Math.round((ms * live.rate) / 1000));
  }

  async #turnStarted(live: LiveTurns, onsetMs: number): Promise<void> {
    const pad = live.eot.options.prefixPaddingMs;
    live.turnStart = Math.max(live.gateOpenedAt, this.#sampleAt(live, onsetMs - pad));
    live.starts = 0;
    this.markTurn("speech_started", this.#clockAt(live, onsetMs));
    await this.sendLog("started_talking");
  }

  async #onSignal(live: LiveTurns, s: EndOfTurnSignal): Promise<void> {
    switch (s.type) {
      case "speech_started": {
        const onsetMs = this.#eotTime(live, s.onsetMs);
        const prev = live.prevTurnStart;
        if (this.#event && !this.#holding && prev !== null && this.canInterrupt) {
          // The person went on before the reply was heard: they were cut off. Drop the reply
          // and let this turn continue the last one; the adaptive window learns the pause.
          this.#interruptReply();
          live.eot.learnHold(onsetMs - live.prevSpeechEndMs);
          live.starts = 0;
          live.turnStart = prev;
          this.markTurn("speech_started", this.#clockAt(live, onsetMs));
          await this.sendLog("started_talking");
          return;
        }
        await this.#turnStarted(live, onsetMs);
        return;
      }
      case "candidate": {
        this.markTurn("end_candidate");
        const speechEndMs = this.#eotTime(live, s.speechEndMs);
        const from = live.turnStart ?? live.store.start;
        const preempt = this.preemptive && !this.#event && live.starts < this.#maxPreemptiveStarts;
        // The whole turn is copied only for a preemptive reply; a detector gets the end it reads.
        const audio = preempt ? live.store.slice(from) : null;
        if (live.detector)
          this.#askDetector(live, s.candidate, this.#detectorAudio(live, from, audio));
        live.pending = null;
        if (audio) {
          // With a detector, wait (at most two frames) for its answer: a candidate it calls
          // "not over" spends no preemptive start.
          live.pending = { candidate: s.candidate, audio, frame: live.frames };
          this.#maybeStartPreemptive(live);
        }
        live.prevSpeechEndMs = speechEndMs;
        return;
      }
      case "candidate_cancelled":
        live.asking?.abort();
        live.asking = null;
        live.pending = null;
        this.markTurn("candidate_cancelled");
        if (this.#holding) this.#interruptReply(false);
        return;
      case "end_of_turn": {
        live.asking?.abort();
        live.asking = null;
        live.pending = null;
        const speechEndMs = this.#eotTime(live, s.speechEndMs);
        live.prevSpeechEndMs = speechEndMs;
        this.markTurn("speech_ended", this.#clockAt(live, speechEndMs));
        live.prevTurnStart = live.turnStart;
        const audio = live.store.slice(live.turnStart ?? live.store.start);
        live.turnStart = null;
        this.onTurnConfirmed();
        if (this.#holding) {
          this.#holding = false;
          this.markTurn("turn_detected");
          if (this.#generator) this.markTurn("handler_started");
          await this.sendLog("pause_detected");
          this.wake();
          return;
        }
        this.#replyAudio = audio;
        await this.#startTurn();
        return;
      }
    }
  }

  get #maxPreemptiveStarts(): number {
    return this.#options.maxPreemptiveStarts ?? 3;
  }

  /**
   * Starts the pending preemptive reply once the detector has answered "not unlikely over"
   * (≥ 0.4), or two frames after the candidate without an answer (or without a detector); drops
   * it when the answer says the person is going on.
   */
  #maybeStartPreemptive(live: LiveTurns): void {
    const pending = live.pending;
    if (!pending || live.eot.openCandidate !== pending.candidate) {
      live.pending = null;
      return;
    }
    const answer = live.answer?.candidate === pending.candidate ? live.answer.probability : null;
    if (answer !== null && answer < PREEMPT_MIN_PROBABILITY) {
      live.pending = null;
      return;
    }
    const waited = live.frames - pending.frame >= PREEMPT_WAIT_FRAMES;
    if (live.detector && answer === null && !waited) return;
    live.pending = null;
    if (this.#event || live.starts >= this.#maxPreemptiveStarts) return;
    live.starts++;
    this.#replyAudio = pending.audio;
    this.#holding = true;
    this.#held = [];
    this.#heldDone = false;
    this.#event = true;
    this.wake();
  }

  /** The end of the turn the detector reads (its `audioWindowMs`), from `whole` when at hand. */
  #detectorAudio(live: LiveTurns, from: number, whole: Int16Array | null): Int16Array {
    const windowMs = live.detector?.audioWindowMs;
    if (windowMs === undefined || !(windowMs > 0)) return whole ?? live.store.slice(from);
    const keep = Math.ceil((windowMs / 1000) * live.rate);
    if (whole) return whole.length <= keep ? whole : whole.subarray(whole.length - keep);
    return live.store.slice(Math.max(from, live.store.end - keep));
  }

  #askDetector(live: LiveTurns, candidate: number, audio: Int16Array): void {
    const detector = live.detector;
    if (!detector) return;
    live.asking?.abort();
    const ac = new AbortController();
    live.asking = ac;
    // Tracked on the session's clock: a virtual-time replay waits for the answer (the prosody
    // detector works across a few event-loop turns) before it moves time on.
    this.clock
      .track(
        () => detector.endOfTurnProbability({ audio: [live.rate, audio], signal: ac.signal }),
        "turn detector",
      )
      .then((p) => {
        if (ac.signal.aborted) return;
        live.eot.setEndProbability(candidate, p);
        live.answer = { candidate, probability: p };
      })
      .catch((err: unknown) => {
        if (!ac.signal.aborted) log.warn("turn detector failed", { err });
      });
  }

  /**
   * Drops the running (or held) reply: closes its generator and, unless it was only held,
   * clears the queued audio and reports the interruption.
   */
  #interruptReply(audible = true): void {
    const gen = this.#generator;
    const wasHolding = this.#holding;
    this.#generator = null;
    this.#holding = false;
    this.#held = [];
    this.#heldDone = false;
    this.#event = false;
    this.#replyAudio = null;
    this.state.responding = false;
    this.state.respondedAudio = false;
    this.#interrupted.resolve(null);
    this.#interrupted = deferred();
    if (gen) void this.#closeIterator(gen);
    if (audible && !wasHolding) {
      if (gen) this.markTurn("interrupted");
      this.clearQueue();
    }
  }

  /** A turn ended: interrupt the running reply (when allowed) and let `emit()` start the next. */
  async #startTurn(): Promise<void> {
    if (this.#holding) this.#interruptReply(false);
    let interrupted: AnyIterator | null = null;
    if (this.canInterrupt && this.state.responding && this.#generator) {
      interrupted = this.#generator;
      this.#generator = null;
      this.#interrupted.resolve(null);
      this.#interrupted = deferred();
      this.markTurn("interrupted");
    }
    // Drop queued audio before the next reply can start producing (the session reports an
    // interruption when this drops audio of a finished reply that is still playing).
    if (this.canInterrupt) this.clearQueue();
    if (this.state.lastVoicedAt !== null) this.markTurn("speech_ended", this.state.lastVoicedAt);
    this.markTurn("turn_detected");
    this.#event = true;
    this.wake();
    if (interrupted) await this.#closeIterator(interrupted);
  }

  /**
   * A typed turn: `fn` is called with a `WebRTCData` `{ webrtcId, textbox: text, audio }` as its
   * first argument (the audio collected so far, usually none), followed by the inputs last set.
   * Interrupts a running reply like a spoken turn does. Refused with a `WebRTCError` unless the
   * handler was created with `acceptsText: true`.
   */
  override async receiveText(text: string): Promise<void> {
    if (!this.acceptsText) {
      throw new WebRTCError("This app takes speech only: typed messages are not accepted.");
    }
    if (typeof text !== "string") throw new TypeError("A text turn needs a string");
    if (this.state.responding && !this.canInterrupt) {
      throw new WebRTCError("A reply is playing and this handler cannot be interrupted");
    }
    this.#pendingText = new WebRTCData({ webrtcId: getCurrentContext().webrtcId, textbox: text });
    if (this.state.stream === null) this.state.stream = [];
    await this.#startTurn();
  }

  /**
   * A fresh per-turn state (at construction, when a reply starts and on `reset()`). Subclasses
   * with more per-turn state override it.
   */
  protected createState(): ReplyOnPauseState {
    return new ReplyOnPauseState();
  }

  /**
   * Decides, from the audio buffered in `state`, whether the user paused (FastRTC's
   * `determine_pause`). Override to change turn detection.
   */
  protected async determinePause(state: ReplyOnPauseState): Promise<boolean> {
    const rate = state.samplingRate;
    if (state.bufferLength / rate < this.algoOptions.audioChunkDuration) return false;
    const chunk = state.takeBuffer();
    const result = await this.analyzeSpeech([rate, chunk]);
    const speech = result[0];
    const voiced = this.voicedSpan(result, chunk.length / rate);
    if (speech > this.algoOptions.startedTalkingThreshold && !state.startedTalking) {
      state.startedTalking = true;
      if (state.preRoll) state.appendToStream(state.preRoll);
      state.preRoll = null;
      this.markTurn("speech_started", voiced?.startAt);
      await this.sendLog("started_talking");
    }
    if (state.startedTalking && voiced) state.lastVoicedAt = voiced.endAt;
    if (!state.startedTalking) {
      const keep = Math.round(this.algoOptions.preRollS * rate);
      if (keep > 0) state.preRoll = chunk.length > keep ? chunk.slice(chunk.length - keep) : chunk;
    } else {
      state.appendToStream(chunk);
      if (state.streamLength / rate >= this.algoOptions.maxContinuousSpeechS) return true;
    }
    return speech < this.algoOptions.speechThreshold && state.startedTalking;
  }

  /** Seconds of speech in `audio` by the model; a failing model counts as speech (Infinity). */
  protected async measureSpeech(audio: AudioChunk): Promise<number> {
    return (await this.analyzeSpeech(audio))[0];
  }

  /**
   * The model's verdict on `audio`: seconds of speech and the speech chunks (sample indices at
   * 16 kHz). A failing model counts as all speech (`[Infinity, []]`).
   */
  protected async analyzeSpeech(audio: AudioChunk): Promise<VadResult> {
    try {
      const model = await this.getModel();
      const [speech, chunks] = await model.vad(audio, this.modelOptions);
      if (typeof speech !== "number" || Number.isNaN(speech)) {
        return [Number.POSITIVE_INFINITY, []];
      }
      return [speech, Array.isArray(chunks) ? chunks : []];
    } catch (err) {
      log.warn("VAD failed; treating the chunk as speech", { err });
      return [Number.POSITIVE_INFINITY, []];
    }
  }

  /**
   * Clock times of the first and last voiced audio of a chunk that just finished arriving (now),
   * from the model's speech chunks (the whole chunk when it gives none); `null` without speech.
   */
  protected voicedSpan(
    [speech, chunks]: VadResult,
    chunkSeconds: number,
  ): { startAt: number; endAt: number } | null {
    if (!(speech > 0)) return null;
    const chunkStart = this.clock.now() - chunkSeconds * 1000;
    const first = chunks[0];
    const last = chunks[chunks.length - 1];
    if (!first || !last) return { startAt: chunkStart, endAt: chunkStart + chunkSeconds * 1000 };
    const toMs = (samples16k: number) => Math.min(chunkSeconds * 1000, samples16k / 16);
    return { startAt: chunkStart + toMs(first.start), endAt: chunkStart + toMs(last.end) };
  }

  /** Sends `{"type":"log","data": event}`. */
  protected async sendLog(event: string): Promise<void> {
    await this.sendMessage({ type: "log", data: event });
  }

  /** Idle between replies: a turn's start calls `wake()` (see `StreamHandlerBase.emitIdle`). */
  override get emitIdle(): boolean {
    return !this.#event;
  }

  override emit(): Promise<EmitType> {
    // Polled after every input frame: with no reply under way, one shared answer.
    return this.#event ? this.#emitReply() : NOTHING_TO_EMIT;
  }

  async #emitReply(): Promise<EmitType> {
    if (!this.#holding) {
      // A preemptive reply whose turn was confirmed: what it produced meanwhile goes out first.
      const first = this.#held.shift();
      if (first !== undefined) return this.#deliver(first);
      if (this.#heldDone) return this.#finishReply();
    } else if (this.#heldDone || this.#held.length > 0) {
      // Held at its first value: the generator stays suspended there until the turn is
      // confirmed, so what it does after its first `yield` happens only for real turns.
      return null;
    }
    if (!this.#generator) await this.#startReply();
    const gen = this.#generator;
    if (!gen) return null;
    this.state.responding = true;
    let result: IteratorResult<EmitType> | null;
    try {
      // An interruption must not wait for a reply stuck in a slow await (an LLM call): race it.
      const next = Promise.resolve(gen.next());
      next.catch(() => {});
      result = await Promise.race([next, this.#interrupted.promise]);
    } catch (err) {
      if (this.#generator === gen) {
        this.reset();
        this.markTurn("turn_ended");
      }
      throw err;
    }
    if (result === null || this.#generator !== gen) {
      // Interrupted while this item was being produced: it belongs to a dropped reply.
      return null;
    }
    if (this.#holding) {
      // Preemptive: keep it until the turn is confirmed (or drop it with the reply).
      if (result.done) this.#heldDone = true;
      else this.#held.push(result.value);
      return null;
    }
    if (result.done) return this.#finishReply();
    return this.#deliver(result.value);
  }

  async #finishReply(): Promise<null> {
    this.#heldDone = false;
    if (!this.state.respondedAudio) await this.sendLog("response_starting");
    this.reset();
    this.markTurn("turn_ended");
    return null;
  }

  /** Hands one value of the reply to the session (FastRTC's `response_starting` on audio). */
  async #deliver(value: EmitType): Promise<EmitType> {
    if (value !== null && value !== undefined) this.markTurn("first_output");
    let hasAudio = false;
    try {
      hasAudio = splitEmitValue(value).audio !== null;
    } catch {
      // Malformed: the session reports it when it processes the value.
    }
    if (hasAudio) {
      await this.sendLog("response_starting");
      this.state.respondedAudio = true;
    }
    return value;
  }

  async #startReply(): Promise<void> {
    if (!this.#holding) await this.sendLog("pause_detected");
    if (this.needsArgs && !this.phoneMode) {
      await this.waitForArgs();
    } else {
      this.latestArgs = [null];
      this.markArgsSet();
    }
    const state = this.state;
    let audio = this.#replyAudio ?? concat(state.stream ?? [], state.streamLength);
    this.#replyAudio = null;
    let rate = this.#live?.rate ?? (state.samplingRate || this.inputSampleRate);
    if (this.#live !== null && rate === this.#wireRate) {
      // Frames came at the wire's rate (receiveRateFor): the turn goes on at inputSampleRate,
      // in the quality the session's input conversion of phone audio has ("fast", 60 dB: below
      // what 8-bit µ-law resolves).
      audio = resampleInt16(audio, rate, this.inputSampleRate, { quality: "fast" });
      rate = this.inputSampleRate;
    }
    const chunk: AudioChunk = [rate, audio];
    const args = [...this.latestArgs];
    const text = this.#pendingText;
    this.#pendingText = null;
    const first = text ?? args[0];
    if (first instanceof WebRTCData) {
      first.audio = chunk;
      args[0] = first;
    } else args[0] = chunk;
    this.latestArgs = args;
    this.state = this.createState();
    this.markTurn("handler_started");
    try {
      this.#generator = toIterator(
        this.fn(...(args as [AudioChunk, ...unknown[]])),
        "The reply function",
      );
    } catch (err) {
      this.reset();
      this.markTurn("turn_ended");
      throw err;
    }
  }

  async #closeIterator(gen: AnyIterator): Promise<void> {
    try {
      const closing = gen.return?.();
      if (closing instanceof Promise) {
        const ac = new AbortController();
        const timeout = this.clock.sleep(1000, ac.signal).catch(() => {});
        await Promise.race([closing.catch(() => {}), timeout]);
        ac.abort();
      }
    } catch (err) {
      log.debug("closing an interrupted reply failed", { err });
    }
  }

  /**
   * Starts a reply now with whatever audio has been collected (possibly none), as if the user had
   * paused. Apps call it through `stream.handlers.get(id)`.
   *
   * @example
   * ```ts
   * (stream.handlers.get(id) as ReplyOnPause).triggerResponse();
   * ```
   */
  override triggerResponse(): void {
    this.markTurn("turn_detected");
    this.#event = true;
    if (this.state.stream === null) this.state.stream = [];
    this.wake();
  }

  /** Forgets the current turn and reply; inputs will be asked for again. */
  override reset(): void {
    super.reset();
    this.#pendingText = null;
    this.#generator = null;
    this.#event = false;
    this.#holding = false;
    this.#held = [];
    this.#heldDone = false;
    this.#replyAudio = null;
    this.state = this.createState();
  }

  /** Ends the connection's frame VAD stream (streaming policy). */
  override async shutdown(): Promise<void> {
    this.#live?.asking?.abort();
    this.#live?.vad.close();
    this.#live = null;
    await super.shutdown();
  }

  /** True while a reply is pending or running. */
  get replying(): boolean {
    return this.#event;
  }
}
