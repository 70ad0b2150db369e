import type { AdditionalOutputs } from "../handlers/outputs.js";
import { AsyncQueue } from "../utils/asyncQueue.js";

/**
 * Observers of an {@link OutputsBus}.
 *
 * @internal
 */
export interface OutputsBusHooks {
  /** Sees every outputs value before it is queued. */
  beforePush?(id: string, outputs: AdditionalOutputs): void;
  /** A connection's outputs ended. */
  onEnd?(id: string): void;
}

interface Channel {
  queue: AsyncQueue<AdditionalOutputs>;
  ended: AbortController;
}

/** How many ended connection ids are remembered, so late subscribers end at once. */
const REMEMBERED_ENDED = 1024;

/**
 * Per-connection queues of `AdditionalOutputs` behind `stream.outputStream(id)` and
 * `stream.fetchLatestOutput(id)`. Subscribing before the connection exists works (the queue is
 * created lazily, as in FastRTC); unlike FastRTC, every iterator ends when the connection ends,
 * including iterators opened after it ended (Q23).
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

  /** Queues outputs for `id` (after the `beforePush` hook saw them). */
  push(id: string, outputs: AdditionalOutputs): void {
    this.#hooks.beforePush?.(id, outputs);
    this.#channel(id).queue.put(outputs);
  }

  /** A connection with this id started: forget that an earlier one ended. */
  open(id: string): void {
    this.#ended.delete(id);
  }

  /** The connection ended: end its iterators and drop its queue. */
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

  /** Iterates the outputs of `id` until its connection ends. */
  async *stream(id: string): AsyncGenerator<AdditionalOutputs, void, undefined> {
    if (this.#ended.has(id) && !this.#channels.has(id)) return;
    const channel = this.#channel(id);
    while (!channel.ended.signal.aborted) {
      try {
        yield await channel.queue.get(channel.ended.signal);
      } catch {
        return;
      }
    }
  }

  /**
   * The next outputs of `id`.
   *
   * @throws Error after `timeoutMs` without outputs, or when the connection ends first.
   */
  async next(id: string, timeoutMs = 10_000): Promise<AdditionalOutputs> {
    const channel = this.#channel(id);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = AbortSignal.any([timeout, channel.ended.signal]);
    try {
      return await channel.queue.get(signal);
    } catch {
      if (timeout.aborted) throw new Error(`No outputs for ${id} within ${timeoutMs} ms`);
      throw new Error(`Connection ${id} ended`);
    }
  }

  #channel(id: string): Channel {
    let channel = this.#channels.get(id);
    if (!channel) {
      channel = { queue: new AsyncQueue(), ended: new AbortController() };
      this.#channels.set(id, channel);
    }
    return channel;
  }
}
