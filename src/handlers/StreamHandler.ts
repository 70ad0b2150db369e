import { assertSampleRate } from "../audio/convert.js";
import type { AudioChunk, AudioLayout } from "../audio/types.js";
import { getLogger } from "../logger.js";
import type { HandlerTurnEventType } from "../session/turnTypes.js";
import { type Clock, realClock } from "../utils/clock.js";
import type { MessageChannel } from "./context.js";
import type { EmitType } from "./emit.js";
import { WebRTCError } from "./errors.js";
import { WebRTCData } from "./outputs.js";
import type { StreamHandlerOptions } from "./streamHandlerTypes.js";

const log = getLogger("handlers");

/**
 * Internal: what a session hands a handler when it starts serving a connection.
 *
 * @internal
 */
export interface HandlerBinding {
  channel: MessageChannel | null;
  clock: Clock;
  clearQueue: () => void;
  /** Tells the session's emit loop to poll now (new input, a trigger, arguments). */
  wake: () => void;
  /** Output frames queued and not yet played. */
  queuedFrames: () => number;
  /** Records a lifecycle step of the current turn (clock time `at`, default now). */
  turnEvent?: (type: HandlerTurnEventType, at?: number) => void;
  /** Stops releasing output frames (keeps them queued); see `Session.pausePlayback`. */
  pausePlayback?: () => void;
  /** Releases output frames again after `pausePlayback`. */
  resumePlayback?: () => void;
  /** Whether reply audio is playing (or paused) and its recent level. */
  playback?: () => PlaybackState;
}

/**
 * What a handler can know of its connection's output: whether reply audio is playing (queued,
 * paused, or released within the last frames) and how loud it was recently.
 *
 * @example
 * ```ts
 * const { playing, levelDb } = this.playback;
 * ```
 */
export interface PlaybackState {
  /** Reply audio is queued, paused or was released within the last ~100 ms (plus send-ahead). */
  playing: boolean;
  /** Playback is paused (barge-in pending). */
  paused: boolean;
  /** Loudest 20 ms frame released in the last 500 ms, in dBFS (`-Infinity` for none). */
  levelDb: number;
  /** The frames released in the last second: release time (clock ms) and level, oldest first. */
  sent: ReadonlyArray<{ readonly at: number; readonly db: number }>;
}

/** A one-shot flag that can be awaited (Python's `asyncio.Event`). */
class Flag {
  #set = false;
  #waiters: Array<() => void> = [];
  get isSet(): boolean {
    return this.#set;
  }
  set(): void {
    this.#set = true;
    for (const w of this.#waiters.splice(0)) w();
  }
  clear(): void {
    this.#set = false;
  }
  wait(): Promise<void> {
    if (this.#set) return Promise.resolve();
    return new Promise((r) => this.#waiters.push(r));
  }
}

/**
 * What every audio handler shares (FastRTC's `StreamHandlerBase`): sample rates and layout,
 * per-connection arguments, the side-band channel, and the hooks a session injects.
 * Extend {@link StreamHandler} or {@link AsyncStreamHandler}, not this class.
 * @example
 * ```ts
 * function describe(h: StreamHandlerBase) {
 *   return `${h.inputSampleRate} Hz in, ${h.outputSampleRate} Hz out`;
 * }
 * ```
 */
export abstract class StreamHandlerBase {
  /** Channel layout `receive()` gets. */
  readonly expectedLayout: AudioLayout;
  /** Rate of output framing and pacing, in Hz. */
  readonly outputSampleRate: number;
  /** Rate of the audio `receive()` gets, in Hz. */
  readonly inputSampleRate: number;
  /** Samples per 20 ms output frame (`outputSampleRate / 50`). */
  readonly outputFrameSize: number;
  /**
   * True on telephone connections: `waitForArgs()` returns at once and never asks the client.
   * Default `false`.
   */
  phoneMode = false;
  /**
   * The arguments last given by `setArgs()` (via `stream.setInput`): `["__webrtc_value__", ...args]`,
   * or `[WebRTCData, ...rest]` when the first argument is a {@link WebRTCData}. Default `[]`.
   */
  latestArgs: unknown[] = [];
  readonly #argsSet = new Flag();
  #binding: HandlerBinding | null = null;

  constructor(options: StreamHandlerOptions = {}) {
    const {
      expectedLayout = "mono",
      outputSampleRate = 24000,
      outputFrameSize = null,
      inputSampleRate = 48000,
    } = options;
    if (expectedLayout !== "mono" && expectedLayout !== "stereo") {
      throw new TypeError(
        `expectedLayout must be "mono" or "stereo", got ${String(expectedLayout)}`,
      );
    }
    assertSampleRate(outputSampleRate, "outputSampleRate");
    assertSampleRate(inputSampleRate, "inputSampleRate");
    if (outputSampleRate % 50 !== 0) {
      throw new RangeError(`outputSampleRate must be a multiple of 50, got ${outputSampleRate}`);
    }
    this.expectedLayout = expectedLayout;
    this.outputSampleRate = outputSampleRate;
    this.inputSampleRate = inputSampleRate;
    this.outputFrameSize = outputSampleRate / 50;
    if (outputFrameSize !== null && outputFrameSize !== this.outputFrameSize) {
      log.warn("outputFrameSize is deprecated and ignored; frames are always 20 ms", {
        outputFrameSize,
      });
    }
  }

  /**
   * Handles one inbound frame: `[inputSampleRate, Int16Array]` (or the rate
   * {@link receiveRateFor} chose).
   */
  abstract receive(frame: AudioChunk): void | Promise<void>;
  /** Returns the next thing to send, or `null` when there is nothing yet. Must not block long. */
  abstract emit(): EmitType | Promise<EmitType>;

  /**
   * Whether `emit()` would return nothing until this handler calls `wake()`. Default `false`: the
   * session polls `emit()` after every input frame and every `idlePollMs`, as FastRTC does. A
   * handler that answers `true` promises to call `wake()` as soon as it has output (or stops
   * being idle), and saves the session a poll per input frame. `ReplyOnPause` is idle between
   * replies.
   *
   * @example
   * ```ts
   * class Beeper extends AsyncStreamHandler {
   *   #due = false;
   *   override get emitIdle() { return !this.#due; }
   *   async receive() { if (heardClap()) { this.#due = true; this.wake(); } }
   *   async emit() { if (!this.#due) return null; this.#due = false; return beep; }
   *   copy() { return new Beeper(); }
   * }
   * ```
   */
  get emitIdle(): boolean {
    return false;
  }
  /**
   * The rate at which this handler takes the frames of a connection whose audio arrives at
   * `wireRate` Hz (8000 on phone calls). Default: `inputSampleRate`, as FastRTC, whatever the
   * wire's rate. A handler that works at any rate may answer a lower wire rate with that rate, and
   * then gets the wire's audio in `receive()` without resampling, labelled with its rate:
   * `ReplyOnPause` does on phone calls (its turn still reaches the reply function at
   * `inputSampleRate`).
   *
   * @param wireRate - The connection's input rate in Hz.
   * @returns The rate `receive()` frames will have, in Hz.
   * @example
   * ```ts
   * class AnyRate extends AsyncStreamHandler {
   *   override receiveRateFor(wireRate: number) { return Math.min(wireRate, this.inputSampleRate); }
   *   // ...
   * }
   * ```
   */
  receiveRateFor(_wireRate: number): number {
    return this.inputSampleRate;
  }

  /** A fresh instance with the same configuration, for one connection. */
  abstract copy(): StreamHandlerBase;

  /** Called once when a connection starts serving, concurrently with input and output. */
  startUp(): void | Promise<void> {}

  /** Called once when the connection ends. */
  shutdown(): void | Promise<void> {}

  /** The side-band channel of the connection, or `null` before one is attached. */
  get channel(): MessageChannel | null {
    return this.#binding?.channel ?? null;
  }

  /** The clock of the session serving this handler (real time when unbound). */
  protected get clock(): Clock {
    return this.#binding?.clock ?? realClock;
  }

  /** True once arguments were set and not cleared by `reset()`. */
  get argsSet(): boolean {
    return this.#argsSet.isSet;
  }

  /** Internal: called by the session driver. */
  _bind(binding: HandlerBinding | null): void {
    this.#binding = binding;
  }

  /** Drops all audio queued for output (after an interruption). No-op when unbound. */
  clearQueue(): void {
    this.#binding?.clearQueue();
  }

  /** Pauses the release of output frames (barge-in); no-op when unbound. */
  protected pausePlayback(): void {
    this.#binding?.pausePlayback?.();
  }

  /** Resumes the release of output frames after {@link pausePlayback}. */
  protected resumePlayback(): void {
    this.#binding?.resumePlayback?.();
  }

  /** Whether reply audio is playing and how loud (nothing playing when unbound). */
  protected get playback(): PlaybackState {
    return (
      this.#binding?.playback?.() ?? { playing: false, paused: false, levelDb: -Infinity, sent: [] }
    );
  }

  /** Output frames queued by the session and not yet played (0 when unbound). */
  protected get queuedFrames(): number {
    return this.#binding?.queuedFrames() ?? 0;
  }

  /**
   * Reports a step of the current turn (`speech_started`, `turn_detected`, ...) for the per-turn
   * metrics (`stream.on("turn")`). `ReplyOnPause` reports its own; custom handlers may too.
   * `at` is a clock time in ms (default now). No-op when unbound.
   */
  protected markTurn(type: HandlerTurnEventType, at?: number): void {
    this.#binding?.turnEvent?.(type, at);
  }

  /** Asks the session to call `emit()` now rather than at its next idle poll. */
  protected wake(): void {
    this.#binding?.wake();
  }

  /**
   * Sends a raw text message to the client (FastRTC's `send_message`). Objects are sent as JSON.
   * Does nothing when no channel is attached; send failures are logged, not thrown.
   */
  async sendMessage(message: string | object): Promise<void> {
    const channel = this.channel;
    if (!channel) return;
    const text = typeof message === "string" ? message : JSON.stringify(message);
    try {
      await channel.send(text);
    } catch (err) {
      log.warn("sendMessage failed", { err });
    }
  }

  /**
   * Asks the handler to respond now, without waiting for a pause (apps call it through
   * `stream.handlers.get(id)?.triggerResponse()`). `ReplyOnPause` starts a reply with the audio
   * collected so far; the default just polls `emit()` at once.
   */
  triggerResponse(): void {
    this.wake();
  }

  /**
   * A typed message from the client (the page's text field, `client.sendText()`). The default
   * refuses it with a `WebRTCError` the client sees; `ReplyOnPause` turns it into a turn.
   */
  receiveText(_text: string): void | Promise<void> {
    throw new WebRTCError(`${this.constructor.name} does not take text messages`);
  }

  /** Sends `{"type":"send_input","data":[]}` to ask the client for its inputs. */
  async fetchArgs(): Promise<void> {
    await this.sendMessage({ type: "send_input", data: [] });
  }

  /**
   * Waits until the client's inputs arrive through `stream.setInput()`. Outside phone mode it
   * first asks for them (`send_input`); in phone mode it returns at once.
   */
  async waitForArgs(): Promise<void> {
    if (this.phoneMode) {
      this.#argsSet.set();
      return;
    }
    await this.fetchArgs();
    await this.clock.blocked(this.#argsSet.wait());
  }

  /**
   * Stores the arguments of `stream.setInput(id, ...args)`.
   *
   * @throws TypeError when `args` is not an array; RangeError when it is empty.
   * @example
   * ```ts
   * handler.setArgs(["dark mode", 3]); // latestArgs = ["__webrtc_value__", "dark mode", 3]
   * ```
   */
  setArgs(args: unknown[]): void {
    if (!Array.isArray(args)) throw new TypeError("args must be an array");
    if (args.length === 0) throw new RangeError("args cannot be empty");
    this.latestArgs = args[0] instanceof WebRTCData ? [...args] : ["__webrtc_value__", ...args];
    this.#argsSet.set();
    this.wake();
  }

  /** Clears the "arguments set" flag (set again at once in phone mode). */
  reset(): void {
    this.#argsSet.clear();
    if (this.phoneMode) this.#argsSet.set();
  }

  /** Internal: marks arguments as set without changing them. */
  protected markArgsSet(): void {
    this.#argsSet.set();
  }
}

/**
 * A handler with synchronous `receive` and `emit` (FastRTC's `StreamHandler`). Use it for
 * handlers that never wait; otherwise extend {@link AsyncStreamHandler}.
 *
 * @example
 * ```ts
 * class Echo extends StreamHandler {
 *   #frames: AudioChunk[] = [];
 *   receive(frame: AudioChunk) { this.#frames.push(frame); }
 *   emit() { return this.#frames.shift() ?? null; }
 *   copy() { return new Echo(); }
 * }
 * ```
 */
export abstract class StreamHandler extends StreamHandlerBase {
  abstract override receive(frame: AudioChunk): void;
  abstract override emit(): EmitType;
  abstract override copy(): StreamHandler;
}

/**
 * A handler whose methods return promises (FastRTC's `AsyncStreamHandler`): `emit()` should
 * wait briefly for work (see `waitForItem`) and resolve `null` when there is none.
 *
 * @example
 * ```ts
 * class Echo extends AsyncStreamHandler {
 *   queue = new AsyncQueue<AudioChunk>();
 *   async receive(frame: AudioChunk) { this.queue.put(frame); }
 *   async emit() { return waitForItem(this.queue); }
 *   copy() { return new Echo(); }
 * }
 * ```
 */
export abstract class AsyncStreamHandler extends StreamHandlerBase {
  abstract override receive(frame: AudioChunk): Promise<void>;
  abstract override emit(): Promise<EmitType>;
  abstract override copy(): AsyncStreamHandler;
  override async startUp(): Promise<void> {}
  override async shutdown(): Promise<void> {}
}
