import { assertAudioChunk } from "../audio/convert.js";
import { levelDb } from "../audio/level.js";
import type { AudioChunk } from "../audio/types.js";
import { runWithContext, type SessionContext } from "../handlers/context.js";
import { splitEmitValue } from "../handlers/emit.js";
import { WebRTCError } from "../handlers/errors.js";
import type { AdditionalOutputs, CloseStream } from "../handlers/outputs.js";
import type { PlaybackState, StreamHandlerBase } from "../handlers/StreamHandler.js";
import { getLogger } from "../logger.js";
import { type Clock, realClock } from "../utils/clock.js";
import { Fifo } from "../utils/fifo.js";
import { macrotask } from "../utils/macrotask.js";
import { InputConverter } from "./inputConverter.js";
import { type FramedAudio, OutputFramer } from "./outputFramer.js";
import type { OutputFrame, SessionEndReason, SessionMode, SessionOptions } from "./sessionTypes.js";
import { TurnTracker } from "./turnTracker.js";
import { WakeEntry, type WakeScheduler, wakeSchedulerFor } from "./wakeScheduler.js";

const log = getLogger("session");

type Queued = FramedAudio | { kind: "close"; message: string };

/** A promise that can be resolved from outside, re-armed after each use. */
class Signal {
  #resolve: (() => void) | null = null;
  #promise: Promise<void> | null = null;
  #pending = false;
  notify(): void {
    this.#pending = true;
    this.#resolve?.();
  }
  wait(): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    this.#promise ??= new Promise<void>((r) => {
      this.#resolve = () => {
        this.#resolve = null;
        this.#promise = null;
        this.#pending = false;
        r();
      };
    });
    return this.#promise;
  }
  /** Wakes a current waiter only: nothing is left pending when no one waits. */
  wakeWaiter(): void {
    this.#resolve?.();
  }
}

/** Seconds of emitted audio converted at once before the session yields to the event loop. */
const SLICE_S = 0.2;

/** Splits a chunk into pieces of at most `seconds` (whole frames of interleaved channels). */
function sliceAudio(chunk: AudioChunk, seconds: number): AudioChunk[] {
  const [rate, samples, layout] = chunk;
  const channels = layout === "stereo" ? 2 : 1;
  const step = Math.max(1, Math.round(rate * seconds)) * channels;
  if (samples.length <= step) return [chunk];
  const out: AudioChunk[] = [];
  for (let i = 0; i < samples.length; i += step) {
    const part = samples.subarray(i, Math.min(samples.length, i + step));
    out.push(layout === undefined ? [rate, part] : [rate, part, layout]);
  }
  return out;
}

/** Released frames kept for rewinding on a pause (1 s). */
const HISTORY_FRAMES = 50;
/** How far back the playback level looks, in ms. */
const LEVEL_WINDOW_MS = 500;

/** Values taken from `emit()` in a row before the emit loop yields to the event loop. */
const MAX_EMITS_PER_TURN = 8;

/** {@link Session.playback}: the level of the sent frames is computed only when read. */
class PlaybackSnapshot implements PlaybackState {
  readonly playing: boolean;
  readonly paused: boolean;
  readonly sent: ReadonlyArray<{ readonly at: number; readonly db: number }>;
  readonly #now: number;
  constructor(
    playing: boolean,
    paused: boolean,
    sent: ReadonlyArray<{ readonly at: number; readonly db: number }>,
    now: number,
  ) {
    this.playing = playing;
    this.paused = paused;
    this.sent = sent;
    this.#now = now;
  }
  get levelDb(): number {
    let level = Number.NEGATIVE_INFINITY;
    for (let i = this.sent.length - 1; i >= 0; i--) {
      const h = this.sent[i] as { at: number; db: number };
      if (this.#now - h.at > LEVEL_WINDOW_MS) break;
      if (h.db > level) level = h.db;
    }
    return level;
  }
}

/**
 * The rate of the frames `handler` gets on a wire at `wireRate` Hz: its `receiveRateFor` answer
 * when the transport fixes the wire's rate, else its `inputSampleRate`. An answer that is not a
 * valid sample rate, or a throw, is reported and ignored.
 */
function receiveRate(handler: StreamHandlerBase, wireRate: number | undefined): number {
  if (wireRate === undefined) return handler.inputSampleRate;
  let rate: unknown;
  try {
    rate = handler.receiveRateFor(wireRate);
  } catch (err) {
    log.warn("receiveRateFor threw: using inputSampleRate", { err });
    return handler.inputSampleRate;
  }
  if (typeof rate === "number" && Number.isInteger(rate) && rate >= 1 && rate <= 384_000) {
    return rate;
  }
  log.warn("receiveRateFor gave no valid sample rate: using inputSampleRate", {
    rate,
    inputSampleRate: handler.inputSampleRate,
  });
  return handler.inputSampleRate;
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * The session driver: runs one handler for one connection, the same way for every transport.
 *
 * - input: {@link Session.pushAudio} takes audio of any rate/layout, converts it to the handler's
 *   `inputSampleRate` with FastRTC's framing and calls `receive()` frame by frame, in order;
 * - output: polls `emit()` (at once after input or a trigger, else every `idlePollMs`), turns the
 *   audio into 20 ms frames at `outputSampleRate` (or the rate the transport asks for in
 *   `output`, resampled once) and releases them in real time on the clock
 *   through `onAudio`; side-band messages go to the channel;
 * - errors thrown by handler code reach the client as `{"type":"error","message":...}` and the
 *   session keeps serving.
 *
 * @example
 * ```ts
 * const session = new Session(new ReplyOnPause(echo).copy(), {
 *   id: "abc",
 *   channel: { send: (text) => dataChannel.send(text) },
 *   onAudio: (frame) => track.write(frame.samples),
 * });
 * session.start();
 * session.pushAudio([48000, pcm960]);
 * await session.close();
 * ```
 */
export class Session {
  /** The connection id. */
  readonly id: string;
  /** The handler instance serving this connection. */
  readonly handler: StreamHandlerBase;
  readonly #clock: Clock;
  readonly #mode: SessionMode;
  readonly #opts: SessionOptions;
  readonly #ctx: SessionContext;
  readonly #input: InputConverter;
  /** The rate of the frames `receive()` gets (the handler's `receiveRateFor`). */
  readonly #inputRate: number;
  readonly #framer: OutputFramer;
  readonly #idlePollMs: number;
  readonly #reanchorMs: number;
  readonly #aheadMs: number;
  #releasedInRun = 0;
  readonly #turns: TurnTracker;

  #state: "new" | "running" | "closing" | "closed" = "new";
  readonly #inputQueue = new Fifo<Int16Array>();
  #draining = false;
  readonly #outQueue = new Fifo<Queued>();
  readonly #emitWake = new Signal();
  readonly #outWake = new Signal();
  /** Wakes the play loop from `#waitUntil` (its time came, or a clear/pause/close). */
  readonly #playWake = new Signal();
  /** One shared clock sleep for every session on the clock: idle polls and frame times. */
  readonly #wakes: WakeScheduler;
  readonly #idleEntry = new WakeEntry(() => this.#emitWake.notify());
  readonly #playEntry = new WakeEntry(() => this.#playWake.wakeWaiter());
  #clearEpoch = 0;
  #loops: Promise<void>[] = [];
  #pts = 0;
  #anchor = 0;
  #lastRelease = Number.NEGATIVE_INFINITY;
  #needAnchor = true;
  #closedPromise: Promise<void> | null = null;
  #markEnded: () => void = () => {};
  readonly #ended = new Promise<void>((r) => {
    this.#markEnded = r;
  });
  #endReason: SessionEndReason | null = null;
  #paused = false;
  /** Recently released frames with their release times, oldest first (for pause rewinds). */
  #history: Array<{ samples: Int16Array; rate: number; at: number; db: number }> = [];

  constructor(handler: StreamHandlerBase, options: SessionOptions) {
    if (!handler || typeof handler.emit !== "function" || typeof handler.receive !== "function") {
      throw new TypeError("Session needs a StreamHandler or AsyncStreamHandler instance");
    }
    if (typeof options?.id !== "string" || options.id.length === 0) {
      throw new TypeError("Session needs a non-empty string id");
    }
    const mode = options.mode ?? "send-receive";
    if (mode !== "send-receive" && mode !== "send" && mode !== "receive") {
      throw new TypeError(`Unknown session mode ${String(mode)}`);
    }
    const idle = options.idlePollMs ?? 20;
    const reanchor = options.reanchorAfterMs ?? 200;
    if (!(idle > 0 && Number.isFinite(idle))) {
      throw new RangeError(`idlePollMs must be a positive number, got ${idle}`);
    }
    if (!(reanchor > 0)) throw new RangeError(`reanchorAfterMs must be > 0, got ${reanchor}`);
    const ahead = options.sendAheadMs ?? 0;
    if (!(ahead >= 0 && Number.isFinite(ahead))) {
      throw new RangeError(`sendAheadMs must be a number >= 0, got ${ahead}`);
    }
    if (
      options.inputFraming !== undefined &&
      options.inputFraming !== "samples" &&
      options.inputFraming !== "duration"
    ) {
      throw new TypeError(
        `inputFraming must be "samples" or "duration", got ${String(options.inputFraming)}`,
      );
    }
    this.#aheadMs = ahead;
    this.#turns = new TurnTracker((event) => {
      try {
        this.#opts.onTurnEvent?.(event);
      } catch (err) {
        log.warn("onTurnEvent callback failed", { err, id: this.id });
      }
    });
    this.id = options.id;
    this.handler = handler;
    this.#opts = options;
    this.#mode = mode;
    this.#clock = options.clock ?? realClock;
    this.#wakes = wakeSchedulerFor(this.#clock);
    this.#idlePollMs = idle;
    this.#reanchorMs = reanchor;
    this.#ctx = {
      webrtcId: options.id,
      websocket: options.websocket ?? null,
      channel: options.channel ?? null,
      clock: this.#clock,
      ...(options.telephone ? { telephone: options.telephone } : {}),
    };
    this.#inputRate = receiveRate(handler, options.wireInputRate);
    this.#input = new InputConverter(
      this.#inputRate,
      handler.expectedLayout,
      options.inputQuality ?? "high",
      options.inputFraming ?? "samples",
    );
    const out = options.output;
    const wireRate = out?.sampleRate ?? handler.outputSampleRate;
    if (!(Number.isInteger(wireRate) && wireRate > 0 && wireRate % 50 === 0)) {
      throw new RangeError(`output.sampleRate must be a multiple of 50, got ${String(wireRate)}`);
    }
    this.#framer = new OutputFramer(wireRate, {
      ...(out?.nativeRates ? { nativeRates: out.nativeRates } : {}),
      ...(out?.quality ? { quality: out.quality } : {}),
    });
    handler.phoneMode = options.phoneMode ?? false;
    if (handler.phoneMode) handler.reset();
  }

  /** `"new"`, `"running"`, `"closing"` or `"closed"`. */
  get state(): "new" | "running" | "closing" | "closed" {
    return this.#state;
  }

  /** Frames waiting to be played. */
  get queuedFrames(): number {
    return this.#outQueue.length;
  }

  /** Inbound frames waiting for `receive()`. */
  get pendingInput(): number {
    return this.#inputQueue.length;
  }

  /**
   * Starts serving: binds the handler, runs `startUp()` (concurrently, as FastRTC does), and
   * starts the input, emit and playback loops. Calling it twice does nothing.
   */
  start(): void {
    if (this.#state !== "new") return;
    this.#state = "running";
    this.handler._bind({
      channel: this.#ctx.channel,
      clock: this.#clock,
      clearQueue: () => this.clearQueue(),
      wake: () => this.#emitWake.notify(),
      queuedFrames: () => this.queuedFrames,
      pausePlayback: () => this.pausePlayback(),
      resumePlayback: () => this.resumePlayback(),
      playback: () => this.playback,
      turnEvent: (type, at) => {
        this.#turns.handler(type, at ?? this.#clock.now());
        if (type === "turn_ended" && this.#outQueue.length === 0 && !this.#framer.hasPending) {
          this.#turns.outputIdle(this.#clock.now());
        }
      },
    });
    this.#loops.push(this.#call("startUp", () => this.handler.startUp()).then(() => {}));
    this.#loops.push(this.#emitLoop(), this.#playLoop());
    if (this.#inputQueue.length > 0) this.#drainInput();
  }

  /**
   * Feeds inbound audio (any rate; `"stereo"` layout = interleaved). Frames reach `receive()` in
   * order; audio pushed before `start()` waits for it.
   *
   * @throws TypeError / RangeError for a malformed chunk (the session is unaffected).
   */
  pushAudio(chunk: AudioChunk): void {
    assertAudioChunk(chunk, "pushAudio chunk");
    if (this.#state === "closing" || this.#state === "closed") return;
    if (this.#mode === "receive") return;
    const frames = this.#input.push(chunk);
    if (frames.length === 0) return;
    for (const f of frames) this.#inputQueue.push(f);
    if (this.#state === "running") this.#drainInput();
  }

  /**
   * A typed message from the client: handed to the handler's `receiveText()` in the
   * connection's context; an error it throws reaches the client as `{"type":"error"}`.
   */
  pushText(text: string): void {
    if (typeof text !== "string") throw new TypeError("pushText needs a string");
    if (!this.#running) return;
    void this.#call("receiveText", () => this.handler.receiveText(text)).then(() =>
      this.#emitWake.notify(),
    );
  }

  /** Whether reply audio is playing (queued, paused, or just released) and its recent level. */
  get playback(): PlaybackState {
    const now = this.#clock.now();
    const playing =
      this.#paused ||
      this.#outQueue.length > 0 ||
      this.#framer.hasPending ||
      now - this.#lastRelease < this.#aheadMs + 100;
    // The level is computed when read (a handler asks for this once per input frame, mostly
    // without reading it).
    return new PlaybackSnapshot(playing, this.#paused, this.#history, now);
  }

  /**
   * Stops releasing output frames (barge-in at speech onset); queued frames stay. Frames already
   * released that the client has not played (see {@link SessionOptions.unplayedFrames}) go back
   * to the front of the queue, and `onPause` lets the transport drop them at the far end.
   * Does nothing when already paused.
   */
  pausePlayback(): void {
    if (this.#paused || !this.#running) return;
    this.#paused = true;
    const unplayed = Math.max(
      0,
      Math.min(this.#history.length, Math.floor(this.#unplayedFrames())),
    );
    const rewound = this.#history.splice(this.#history.length - unplayed, unplayed);
    if (rewound.length > 0) {
      this.#outQueue.unshiftAll(
        rewound.map((h) => ({ kind: "frame", samples: h.samples, rate: h.rate })),
      );
    }
    this.#playWake.wakeWaiter();
    try {
      this.#opts.onPause?.({ rewoundFrames: rewound.length });
    } catch (err) {
      log.warn("onPause callback failed", { err, id: this.id });
    }
  }

  /** Releases output frames again after {@link pausePlayback}, paced from now. */
  resumePlayback(): void {
    if (!this.#paused) return;
    this.#paused = false;
    this.#needAnchor = true;
    this.#outWake.notify();
  }

  #unplayedFrames(): number {
    if (this.#opts.unplayedFrames) {
      try {
        return this.#opts.unplayedFrames();
      } catch (err) {
        log.warn("unplayedFrames callback failed", { err, id: this.id });
      }
    }
    const since = this.#clock.now() - this.#aheadMs;
    let n = 0;
    for (let i = this.#history.length - 1; i >= 0 && (this.#history[i]?.at ?? 0) > since; i--) n++;
    return n;
  }

  /** Drops all audio queued for output and restarts pacing (interruption). */
  clearQueue(): void {
    const wasPaused = this.#paused;
    this.#paused = false;
    this.#history = [];
    const released = this.#releasedInRun;
    this.#releasedInRun = 0;
    const dropped = this.#outQueue.retain((q) => q.kind === "close");
    // Still audible: frames were dropped, or the last one went out less than a frame (plus the
    // send-ahead) ago. A reply that finished playing earlier is not interrupted by a new turn.
    const playing =
      dropped > 0 || wasPaused || this.#clock.now() - this.#lastRelease < this.#aheadMs + 20;
    if (dropped > 0) this.#turns.handler("interrupted", this.#clock.now());
    this.#framer.clear();
    this.#needAnchor = true;
    this.#clearEpoch++;
    this.#playWake.wakeWaiter();
    this.#outWake.notify();
    if (playing && (dropped > 0 || released > 0) && this.#opts.onClear) {
      try {
        this.#opts.onClear({ droppedFrames: dropped, releasedFrames: released });
      } catch (err) {
        log.warn("onClear callback failed", { err, id: this.id });
      }
    }
  }

  /** Asks for an immediate `emit()` poll. */
  wake(): void {
    this.#emitWake.notify();
  }

  /** Resolves when the session has ended (by `close()` or a played `CloseStream`). */
  get ended(): Promise<void> {
    return this.#ended;
  }

  /** Why the session ended, or `null` while it runs. */
  get endReason(): SessionEndReason | null {
    return this.#endReason;
  }

  /**
   * Ends the session: stops the loops, calls the handler's `shutdown()` once and `reset()`.
   * Idempotent; resolves when done.
   */
  close(): Promise<void> {
    return this.#finish({ kind: "closed" });
  }

  #finish(reason: SessionEndReason): Promise<void> {
    if (this.#closedPromise) return this.#closedPromise;
    const wasStarted = this.#state !== "new";
    this.#state = "closing";
    this.#endReason = reason;
    this.#wakes.cancel(this.#idleEntry);
    this.#wakes.cancel(this.#playEntry);
    this.#emitWake.notify();
    this.#outWake.notify();
    this.#playWake.wakeWaiter();
    this.#closedPromise = (async () => {
      // Loops parked on the clock stop at once. A handler call still in flight (an emit() waiting
      // for inputs that will never come) is not waited for: its result is dropped when it returns.
      await Promise.race([Promise.allSettled(this.#loops), macrotask()]);
      if (wasStarted) {
        await this.#call("shutdown", () => this.handler.shutdown());
        try {
          this.handler.reset();
        } catch (err) {
          log.warn("handler reset failed", { err, id: this.id });
        }
      }
      this.handler._bind(null);
      this.#inputQueue.clear();
      this.#outQueue.clear();
      this.#state = "closed";
      this.#markEnded();
      try {
        this.#opts.onEnd?.(reason);
      } catch (err) {
        log.warn("onEnd callback failed", { err, id: this.id });
      }
    })();
    return this.#closedPromise;
  }

  get #running(): boolean {
    return this.#state === "running";
  }

  /** Runs one handler method in the connection's context; reports errors to the client. */
  async #call<T>(what: string, fn: () => T | Promise<T>): Promise<T | undefined> {
    try {
      return await this.#clock.track(() => runWithContext(this.#ctx, async () => await fn()), what);
    } catch (err) {
      this.#reportError(what, err);
      return undefined;
    }
  }

  #reportError(what: string, err: unknown): void {
    log.warn(`handler ${what} failed`, { err, id: this.id });
    if (err instanceof WebRTCError && err.delivered) return;
    this.#send({ type: "error", message: errorMessage(err) });
  }

  #send(message: object): void {
    const channel = this.#ctx.channel;
    if (!channel) return;
    try {
      const r = channel.send(JSON.stringify(message));
      if (r instanceof Promise) r.catch((err: unknown) => log.warn("channel send failed", { err }));
    } catch (err) {
      log.warn("channel send failed", { err, id: this.id });
    }
  }

  /** The frame `receive()` is called with next (the input loop is sequential). */
  #receiving: AudioChunk | null = null;
  /**
   * `receive()` of `#receiving` in the connection's context: hoisted, no closures per frame, and
   * no async wrapper (an async handler's own promise is what the loop awaits).
   */
  readonly #receiveInContext = () => this.handler.receive(this.#receiving as AudioChunk);
  readonly #receiveWork = () => runWithContext(this.#ctx, this.#receiveInContext);
  readonly #emitInContext = (): unknown => this.handler.emit();
  readonly #emitWork = () => runWithContext(this.#ctx, this.#emitInContext);

  #drainInput(): void {
    if (this.#draining) return;
    this.#draining = true;
    void this.#clock.track(this.#drainWork, "input");
  }

  /** Feeds queued input frames to `receive()` in order (hoisted: no closure per drain). */
  readonly #drainWork = async (): Promise<void> => {
    try {
      let sinceWake = 0;
      while (this.#running && this.#inputQueue.length > 0) {
        const samples = this.#inputQueue.shift() as Int16Array;
        this.#receiving =
          this.handler.expectedLayout === "stereo"
            ? [this.#inputRate, samples, "stereo"]
            : [this.#inputRate, samples];
        try {
          await this.#clock.track(this.#receiveWork, "receive");
        } catch (err) {
          this.#reportError("receive", err);
        }
        this.#receiving = null;
        // Poll emit() once the frames that arrived together are in (several messages read at
        // once after a stall), not after each: every poll is a handler call.
        if (this.#inputQueue.length === 0 || ++sinceWake >= MAX_EMITS_PER_TURN) {
          sinceWake = 0;
          // An idle handler wakes the session itself when it has output.
          if (!this.handler.emitIdle) this.#emitWake.notify();
        }
      }
    } finally {
      this.#draining = false;
      if (this.#running && this.#inputQueue.length > 0) this.#drainInput();
    }
  };

  async #emitLoop(): Promise<void> {
    let burst = 0;
    while (this.#running) {
      if (this.handler.emitIdle) {
        // No poll (and no idle-poll timer) until the handler calls wake().
        burst = 0;
        await this.#clock.blocked(this.#emitWake.wait());
        continue;
      }
      let value: unknown;
      let failed = false;
      try {
        value = await this.#clock.track(this.#emitWork, "emit");
      } catch (err) {
        this.#reportError("emit", err);
        failed = true;
      }
      if (!this.#running) break;
      if (!failed && value !== null && value !== undefined) {
        try {
          await this.#clock.track(() => this.#handleEmitted(value), "queue output");
        } catch (err) {
          this.#reportError("emit", err);
        }
        // A handler that always has something (an endless generator, send mode) must not starve
        // the event loop: let I/O and timers run every few values.
        if (++burst >= MAX_EMITS_PER_TURN) {
          burst = 0;
          await macrotask();
        }
        continue;
      }
      burst = 0;
      await this.#idleWait();
    }
  }

  async #idleWait(): Promise<void> {
    this.#wakes.schedule(this.#idleEntry, this.#clock.now() + this.#idlePollMs);
    await this.#clock.blocked(this.#emitWake.wait());
    this.#wakes.cancel(this.#idleEntry);
  }

  /**
   * Queues an emitted value. Long audio is converted in slices of {@link SLICE_S} with a
   * macrotask between them, so the first frame of a long reply goes out after one slice of
   * resampling instead of all of it, and other sessions' frames are not held up. A
   * `clearQueue()` between slices drops the rest of the value.
   */
  async #handleEmitted(value: unknown): Promise<void> {
    const { audio, outputs, close } = splitEmitValue(value);
    if (outputs) this.#deliverOutputs(outputs);
    if (audio && this.#mode !== "send") {
      const epoch = this.#clearEpoch;
      const slices = sliceAudio(audio, SLICE_S);
      for (let i = 0; i < slices.length; i++) {
        if (i > 0) {
          await macrotask();
          if (epoch !== this.#clearEpoch || !this.#running) return;
        }
        for (const f of this.#framer.push(slices[i] as AudioChunk)) this.#outQueue.push(f);
        this.#outWake.notify();
      }
    }
    if (close) this.#queueClose(close);
  }

  #deliverOutputs(outputs: AdditionalOutputs): void {
    try {
      this.#opts.onOutputs?.(outputs);
    } catch (err) {
      log.warn("onOutputs callback failed", { err, id: this.id });
    }
    this.#send({ type: "fetch_output", data: [] });
  }

  #queueClose(close: CloseStream): void {
    if (this.#mode === "send") {
      this.#send({ type: "end_stream", data: close.msg });
      void this.#finish({ kind: "close-stream", message: close.msg });
      return;
    }
    for (const f of this.#framer.flush()) this.#outQueue.push(f);
    this.#outQueue.push({ kind: "close", message: close.msg });
    this.#outWake.notify();
  }

  async #playLoop(): Promise<void> {
    const rate = this.handler.outputSampleRate;
    const frameSize = rate / 50;
    while (this.#running) {
      if (this.#paused) {
        await this.#outWake.wait();
        continue;
      }
      let item = this.#outQueue.peek();
      if (!item) {
        if (this.#framer.hasPending) {
          // Wait until the next frame would be due; if nothing came by then, play the tail.
          await this.#waitUntil(this.#nextDue(), true);
          if (!this.#running) break;
          if (this.#outQueue.length === 0 && this.#framer.hasPending) {
            for (const f of this.#framer.flush()) this.#outQueue.push(f);
          }
          continue;
        }
        await this.#outWake.wait();
        continue;
      }
      if (item.kind === "close") {
        this.#outQueue.shift();
        this.#send({ type: "end_stream", data: item.message });
        void this.#finish({ kind: "close-stream", message: item.message });
        return;
      }
      const now = this.#clock.now();
      let discontinuity = false;
      if (this.#needAnchor || now - this.#lastRelease > this.#reanchorMs) {
        this.#anchor = now - (this.#pts / rate) * 1000;
        this.#needAnchor = false;
        discontinuity = true;
      }
      const due = this.#anchor + (this.#pts / rate) * 1000 - this.#aheadMs;
      if (due > now) {
        const epoch = this.#clearEpoch;
        await this.#waitUntil(due, false);
        if (!this.#running) break;
        if (epoch !== this.#clearEpoch || this.#paused) continue;
      }
      item = this.#outQueue.shift();
      if (item?.kind !== "frame") continue;
      const frame: OutputFrame = {
        samples: item.samples,
        sampleRate: item.rate,
        pts: this.#pts,
        discontinuity,
      };
      this.#pts += frameSize;
      if (discontinuity) this.#releasedInRun = 0;
      this.#releasedInRun++;
      this.#lastRelease = this.#clock.now();
      this.#history.push({
        samples: item.samples,
        rate: item.rate,
        at: this.#lastRelease,
        db: levelDb(item.samples),
      });
      if (this.#history.length > HISTORY_FRAMES) this.#history.shift();
      try {
        this.#opts.onAudio?.(frame);
      } catch (err) {
        log.warn("onAudio callback failed", { err, id: this.id });
      }
      this.#turns.audioSent(this.#lastRelease);
      if (this.#outQueue.length === 0 && !this.#framer.hasPending) {
        this.#turns.outputIdle(this.#lastRelease);
      }
    }
  }

  #nextDue(): number {
    if (this.#needAnchor) return this.#clock.now();
    return this.#anchor + (this.#pts / this.handler.outputSampleRate) * 1000;
  }

  /** Sleeps until `time` on the clock; wakes early on clearQueue/close (and new output if asked). */
  async #waitUntil(time: number, wakeOnOutput: boolean): Promise<void> {
    if (time - this.#clock.now() <= 0 || !this.#running) return;
    this.#wakes.schedule(this.#playEntry, time);
    const woken = this.#playWake.wait();
    await this.#clock.blocked(wakeOnOutput ? Promise.race([woken, this.#outWake.wait()]) : woken);
    this.#wakes.cancel(this.#playEntry);
  }
}
