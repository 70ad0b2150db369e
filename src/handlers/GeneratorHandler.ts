import type { AudioChunk } from "../audio/types.js";
import type { EmitType } from "./emit.js";
import { CloseStream } from "./outputs.js";
import { AsyncStreamHandler } from "./StreamHandler.js";
import type { StreamHandlerOptions } from "./streamHandlerTypes.js";

/**
 * A function that produces the audio of a receive-mode stream: a (async) generator, or any
 * function returning a (async) iterable of emit values (`[sampleRate, samples]`,
 * `AdditionalOutputs`, `[audio, outputs]`, `CloseStream`).
 *
 * @example
 * ```ts
 * const radio: AudioGenerator = async function* () {
 *   for (;;) yield [24000, await nextChunk()];
 * };
 * ```
 */
export type AudioGenerator = (
  ...args: unknown[]
) =>
  | Iterable<EmitType>
  | AsyncIterable<EmitType>
  | Promise<Iterable<EmitType> | AsyncIterable<EmitType>>;

/**
 * Options of a {@link GeneratorHandler}.
 *
 * @example
 * ```ts
 * new GeneratorHandler(radio, { needsArgs: true, outputSampleRate: 48000 });
 * ```
 */
export interface GeneratorHandlerOptions extends StreamHandlerOptions {
  /**
   * Wait for the client's inputs (`stream.setInput`) before starting the generator, and pass
   * them to it (without the first value, as FastRTC does for receive mode). Default `false`:
   * the generator starts as soon as the connection is up, with no arguments.
   */
  needsArgs?: boolean;
  /**
   * How much audio may wait in the output queue before the generator is asked for more, in
   * 20 ms frames. Bounds memory for endless generators. Default `25` (0.5 s).
   */
  maxQueuedFrames?: number;
}

/**
 * Adapts a generator function to a handler, for `Stream`s in `"receive"` mode (the server
 * plays what the generator yields; the client sends nothing). Items without audio (a bare
 * `AdditionalOutputs`) are delivered and the stream goes on (FastRTC ended it, Q11). When the
 * generator finishes, the client gets `end_stream` after the queued audio has played.
 *
 * @example
 * ```ts
 * const stream = new Stream({
 *   handler: async function* () { yield [24000, tone]; },
 *   mode: "receive",
 *   modality: "audio",
 * });
 * ```
 */
export class GeneratorHandler extends AsyncStreamHandler {
  readonly fn: AudioGenerator;
  readonly options: GeneratorHandlerOptions;
  #iterator: Iterator<EmitType> | AsyncIterator<EmitType> | null = null;
  #starting: Promise<void> | null = null;
  #done = false;

  constructor(fn: AudioGenerator, options: GeneratorHandlerOptions = {}) {
    super(options);
    if (typeof fn !== "function") {
      throw new TypeError("A receive-mode handler must be a generator function");
    }
    this.fn = fn;
    this.options = options;
  }

  /** Receive mode has no input; frames are ignored. */
  async receive(_frame: AudioChunk): Promise<void> {}

  /** The generator's next item, or `null` while the output queue is full. */
  async emit(): Promise<EmitType> {
    if (this.#done) return null;
    if (this.queuedFrames > (this.options.maxQueuedFrames ?? 25)) return null;
    if (this.#iterator === null) {
      this.#starting ??= this.#start();
      await this.#starting;
    }
    const iterator = this.#iterator;
    if (iterator === null) return null;
    let next: IteratorResult<EmitType>;
    try {
      next = await iterator.next();
    } catch (err) {
      this.#done = true;
      throw err;
    }
    if (next.done) {
      this.#done = true;
      return new CloseStream();
    }
    return next.value;
  }

  override async shutdown(): Promise<void> {
    const iterator = this.#iterator;
    this.#iterator = null;
    this.#done = true;
    await iterator?.return?.();
  }

  copy(): GeneratorHandler {
    return new GeneratorHandler(this.fn, this.options);
  }

  async #start(): Promise<void> {
    try {
      await this.#open();
    } catch (err) {
      this.#done = true;
      throw err;
    }
  }

  async #open(): Promise<void> {
    let args: unknown[] = [];
    if (this.options.needsArgs) {
      await this.waitForArgs();
      args = this.latestArgs.slice(1);
    }
    const iterable = await this.fn(...args);
    if (iterable !== null && typeof iterable === "object") {
      if (Symbol.asyncIterator in iterable) {
        this.#iterator = iterable[Symbol.asyncIterator]();
        return;
      }
      if (Symbol.iterator in iterable) {
        this.#iterator = iterable[Symbol.iterator]();
        return;
      }
    }
    throw new TypeError("The receive-mode generator must return an iterable or async iterable");
  }
}
