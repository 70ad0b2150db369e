import type { Worker } from "node:worker_threads";
import { currentLogLevel, getLogger } from "../../../logger.js";
import { startModuleWorker } from "../../../utils/worker.js";
import type { PeerOptions } from "../WebRtcConnection.js";
import type { WebRtcConnectionEvents } from "../webrtcTypes.js";
import { type MediaThreadLink, restoreError, ThreadedPeer } from "./ThreadedPeer.js";
import {
  type FromMediaThread,
  type PeerCall,
  restoreLogFields,
  type ToMediaThread,
} from "./threadMessages.js";

const log = getLogger("webrtc");
/** Records the media threads log (werift peers, pacing). */
const threadLog = getLogger("webrtc-thread");

/** Most media threads a pool runs. */
export const MAX_MEDIA_THREADS = 64;

/**
 * Checks a `webrtcMediaThreads` value: an integer from 0 to {@link MAX_MEDIA_THREADS}.
 *
 * @throws RangeError otherwise.
 * @example
 * ```ts
 * assertMediaThreads(2); // 2
 * ```
 */
export function assertMediaThreads(value: unknown): number {
  if (
    typeof value !== "number" ||
    !Number.isInteger(value) ||
    value < 0 ||
    value > MAX_MEDIA_THREADS
  ) {
    throw new RangeError(
      `webrtcMediaThreads must be an integer from 0 to ${MAX_MEDIA_THREADS}, got ${String(value)}`,
    );
  }
  return value;
}

/** One media thread and the peers it hosts. */
class MediaThread implements MediaThreadLink {
  readonly #worker: Worker;
  readonly #peers = new Map<number, ThreadedPeer>();
  readonly #calls = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #outbox: ToMediaThread[] = [];
  #transfers: ArrayBuffer[] = [];
  #flushing = false;
  #nextHandle = 1;
  #nextCall = 1;
  #dead = false;

  constructor() {
    this.#worker = startModuleWorker(import.meta.url, "mediaThreadWorker", {
      what: "WebRTC media",
      workerData: { logLevel: currentLogLevel() },
    });
    // The peers' sockets live in the thread; the server's own handles keep the process alive.
    this.#worker.unref();
    this.#worker.on("message", (batch: FromMediaThread[]) => this.#receive(batch));
    this.#worker.on("error", (err) => {
      log.error("a WebRTC media thread failed; its connections end", { err });
      this.#die();
    });
    this.#worker.on("exit", () => this.#die());
  }

  /** Peers hosted. */
  get size(): number {
    return this.#peers.size;
  }

  get dead(): boolean {
    return this.#dead;
  }

  open(options: PeerOptions, events: WebRtcConnectionEvents): ThreadedPeer {
    const h = this.#nextHandle++;
    const peer = new ThreadedPeer(h, this, events);
    this.#peers.set(h, peer);
    this.post({ k: "open", h, options });
    return peer;
  }

  post(message: ToMediaThread, transfer?: ArrayBuffer): void {
    if (this.#dead) return;
    this.#outbox.push(message);
    if (transfer) this.#transfers.push(transfer);
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(() => this.#flush());
    }
  }

  call(h: number, body: PeerCall): Promise<unknown> {
    if (this.#dead) return Promise.reject(new Error("The WebRTC media thread has stopped"));
    return new Promise((resolve, reject) => {
      const call = this.#nextCall++;
      this.#calls.set(call, { resolve, reject });
      this.post({ k: "call", h, call, body });
    });
  }

  release(h: number): void {
    this.#peers.delete(h);
  }

  async terminate(): Promise<void> {
    this.#die();
    await this.#worker.terminate();
  }

  #flush(): void {
    this.#flushing = false;
    if (this.#dead) return;
    const batch = this.#outbox;
    const transfers = this.#transfers;
    this.#outbox = [];
    this.#transfers = [];
    this.#worker.postMessage(batch, transfers);
  }

  #receive(batch: FromMediaThread[]): void {
    for (const m of batch) {
      if (m.k === "reply") {
        const call = this.#calls.get(m.call);
        if (!call) continue;
        this.#calls.delete(m.call);
        if (m.ok) call.resolve(m.value);
        else call.reject(restoreError(m.error));
        continue;
      }
      if (m.k === "log") {
        threadLog[m.level](m.message, restoreLogFields(m.fields));
        continue;
      }
      const peer = this.#peers.get(m.h);
      if (!peer) continue;
      try {
        peer.deliver(m);
      } catch (err) {
        log.error("a WebRTC connection's event handler failed", { err });
      }
    }
  }

  #die(): void {
    if (this.#dead) return;
    this.#dead = true;
    const calls = [...this.#calls.values()];
    this.#calls.clear();
    for (const c of calls) c.reject(new Error("The WebRTC media thread has stopped"));
    const peers = [...this.#peers.values()];
    this.#peers.clear();
    for (const p of peers) p.threadDied();
  }
}

/**
 * Worker threads that host WebRTC peers (`StreamOptions.webrtcMediaThreads`): werift's ICE,
 * DTLS, SRTP and RTP, the data channel, Opus and the pacing of reply audio run there, so a stall
 * of the main thread (a GC pause, a handler's work) does not delay reply packets. Each new peer
 * goes to the thread hosting the fewest; a thread is started on first use, and a thread that
 * dies ends its peers' connections and is replaced on the next open.
 *
 * @example
 * ```ts
 * const pool = new MediaThreadPool(2);
 * const peer = pool.open({ iceServers: [] }, { onAudio: (pcm) => feed(pcm) });
 * await pool.close();
 * ```
 * @internal
 */
export class MediaThreadPool {
  readonly #size: number;
  #threads: MediaThread[] = [];
  #closed = false;

  /** @param threads - how many threads, 1 to {@link MAX_MEDIA_THREADS}. */
  constructor(threads: number) {
    assertMediaThreads(threads);
    if (threads < 1) throw new RangeError("A media thread pool needs at least one thread");
    this.#size = threads;
  }

  /** Peers hosted by the pool's threads. */
  get peers(): number {
    let n = 0;
    for (const t of this.#threads) n += t.size;
    return n;
  }

  /**
   * A new peer on the least-loaded thread.
   *
   * @throws Error when the pool is closed.
   */
  open(options: PeerOptions, events: WebRtcConnectionEvents): ThreadedPeer {
    if (this.#closed) throw new Error("The WebRTC media thread pool is closed");
    this.#threads = this.#threads.filter((t) => !t.dead);
    let best: MediaThread | undefined;
    if (this.#threads.length < this.#size) {
      best = new MediaThread();
      this.#threads.push(best);
    } else {
      for (const t of this.#threads) if (!best || t.size < best.size) best = t;
    }
    return (best as MediaThread).open(options, events);
  }

  /** Stops every thread (their peers' connections end). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const threads = this.#threads;
    this.#threads = [];
    await Promise.all(threads.map((t) => t.terminate()));
  }
}
