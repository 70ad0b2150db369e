import type { AdditionalOutputs } from "../handlers/outputs.js";
import { AsyncQueue } from "../utils/asyncQueue.js";

/**
 * Observers of an {@link OutputsBus}.
 *
 * @internal
 */
export interface OutputsBusHooks {
  /** Sees every outputs value before it is handed to the readers. */
  beforePush?(id: string, outputs: AdditionalOutputs): void;
  /** A connection's outputs ended. */
  onEnd?(id: string): void;
}

interface Channel {
  /** One subscription per reader; every reader gets every output. */
  readers: Set<OutputsReader>;
  /** Outputs pushed while nobody read (bounded), handed to the next reader that comes. */
  waiting: AdditionalOutputs[];
  ended: AbortController;
}

/** How many ended connection ids are remembered, so late subscribers end at once. */
const REMEMBERED_ENDED = 1024;
/** Most outputs kept for a reader that does not keep up (the oldest are dropped). */
const MAX_UNREAD = 1024;
/** Most outputs kept while nobody reads. */
const MAX_WAITING = 256;

const DONE: IteratorReturnResult<void> = { done: true, value: undefined };

/**
 * One reader of a connection's outputs: an async iterator with its own queue. `return()` (a
 * `break` out of `for await`, a client that went away) removes the subscription at once, even
 * while a `next()` is pending, so a reader that left never takes an output from anyone.
 *
 * @internal
 */
class OutputsReader implements AsyncGenerator<AdditionalOutputs, void, undefined> {
  readonly queue = new AsyncQueue<AdditionalOutputs>({ maxSize: MAX_UNREAD });
  readonly #left = new AbortController();
  readonly #channel: Channel | null;
  readonly #signal: AbortSignal;

  constructor(channel: Channel | null) {
    this.#channel = channel;
    this.#signal = channel
      ? AbortSignal.any([this.#left.signal, channel.ended.signal])
      : AbortSignal.abort();
    channel?.readers.add(this);
  }

  async next(): Promise<IteratorResult<AdditionalOutputs, void>> {
    if (this.#left.signal.aborted) return DONE;
    // Outputs queued before the connection ended are still delivered, then the reader ends.
    const queued = this.queue.getNowait();
    if (queued !== undefined) return { done: false, value: queued };
    if (this.#signal.aborted) {
      this.#leave();
      return DONE;
    }
    try {
      return { done: false, value: await this.queue.get(this.#signal) };
    } catch {
      this.#leave();
      return DONE;
    }
  }

  async return(): Promise<IteratorResult<AdditionalOutputs, void>> {
    this.#leave();
    return DONE;
  }

  async throw(err?: unknown): Promise<IteratorResult<AdditionalOutputs, void>> {
    this.#leave();
    throw err;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#leave();
  }

  #leave(): void {
    this.#channel?.readers.delete(this);
    this.#left.abort();
    this.queue.clear();
  }
}

/**
 * Per-connection fan-out of `AdditionalOutputs` behind `stream.outputStream(id)`,
 * `stream.fetchLatestOutput(id)` and `/outputs`: every reader of an id gets every output pushed
 * while it reads (issue 12, D4), and a reader that goes away is unsubscribed at once. Outputs
 * pushed while nobody reads wait (bounded) for the next reader, so subscribing before the
 * connection exists, or a little after its first output, works as in FastRTC. Unlike FastRTC,
 * every iterator ends when the connection ends, including iterators opened after it ended (Q23).
 *
 * @example
 * ```ts
 * const bus = new OutputsBus();
 * bus.push("abc", new AdditionalOutputs("hi"));
 * for await (const out of bus.stream("abc")) console.log(out.args);
 * ```
 */
export class OutputsBus {
  readonly #channels = new Map<string, Channel>();
  readonly #ended = new Set<string>();
  readonly #hooks: OutputsBusHooks;

  constructor(hooks: OutputsBusHooks = {}) {
    this.#hooks = hooks;
  }

  /** Hands outputs of `id` to every reader (after the `beforePush` hook saw them). */
  push(id: string, outputs: AdditionalOutputs): void {
    this.#hooks.beforePush?.(id, outputs);
    const channel = this.#channel(id);
    if (channel.readers.size === 0) {
      channel.waiting.push(outputs);
      if (channel.waiting.length > MAX_WAITING) channel.waiting.shift();
      return;
    }
    for (const reader of channel.readers) reader.queue.put(outputs);
  }

  /** Number of readers of `id` right now. */
  readers(id: string): number {
    return this.#channels.get(id)?.readers.size ?? 0;
  }

  /** A connection with this id started: forget that an earlier one ended. */
  open(id: string): void {
    this.#ended.delete(id);
  }

  /** The connection ended: end its readers and drop its channel. */
  end(id: string): void {
    this.#hooks.onEnd?.(id);
    const channel = this.#channels.get(id);
    this.#channels.delete(id);
    channel?.ended.abort();
    this.#ended.add(id);
    if (this.#ended.size > REMEMBERED_ENDED) {
      const oldest = this.#ended.values().next().value;
      if (oldest !== undefined) this.#ended.delete(oldest);
    }
  }

  /** Ends everything (server shutdown). */
  endAll(): void {
    for (const id of [...this.#channels.keys()]) this.end(id);
  }

  /** A new reader of the outputs of `id`, until its connection ends or the reader returns. */
  stream(id: string): AsyncGenerator<AdditionalOutputs, void, undefined> {
    if (this.#ended.has(id) && !this.#channels.has(id)) return new OutputsReader(null);
    const channel = this.#channel(id);
    const waiting = channel.readers.size === 0 ? channel.waiting.splice(0) : [];
    const reader = new OutputsReader(channel);
    for (const outputs of waiting) reader.queue.put(outputs);
    return reader;
  }

  /**
   * The next outputs of `id` (one waiting while nobody read, else the next one pushed).
   *
   * @throws Error after `timeoutMs` without outputs, or when the connection ends first.
   */
  async next(id: string, timeoutMs = 10_000): Promise<AdditionalOutputs> {
    const channel = this.#channels.get(id);
    if (channel && channel.readers.size === 0 && channel.waiting.length > 0) {
      return channel.waiting.shift() as AdditionalOutputs;
    }
    const reader = this.stream(id);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), timeoutMs);
    });
    try {
      const got = await Promise.race([reader.next(), timeout]);
      if (got === "timeout") throw new Error(`No outputs for ${id} within ${timeoutMs} ms`);
      if (got.done) throw new Error(`Connection ${id} ended`);
      return got.value;
    } finally {
      clearTimeout(timer);
      void reader.return(undefined);
    }
  }

  #channel(id: string): Channel {
    let channel = this.#channels.get(id);
    if (!channel) {
      channel = { readers: new Set(), waiting: [], ended: new AbortController() };
      this.#channels.set(id, channel);
    }
    return channel;
  }
}
