import { getLogger } from "../../../logger.js";
import type { IceCandidateInit } from "../candidate.js";
import { checkOfferSdp, InvalidSdpError, NegotiationTimeoutError } from "../WebRtcConnection.js";
import type {
  AudioDirection,
  MediaPeer,
  OfferedMedia,
  PeerState,
  WebRtcConnectionEvents,
} from "../webrtcTypes.js";
import type { FromMediaThread, PeerCall, ThreadError, ToMediaThread } from "./threadMessages.js";

const log = getLogger("webrtc");

/** Longest wait for the media thread to close a peer before it is taken as closed anyway. */
const CLOSE_TIMEOUT_MS = 3_000;

/**
 * What a {@link ThreadedPeer} needs of its media thread.
 *
 * @internal
 */
export interface MediaThreadLink {
  /** Queues a message for the thread (sent at the end of this event-loop turn, in order). */
  post(message: ToMediaThread, transfer?: ArrayBuffer): void;
  /** Runs an async peer operation on the thread. */
  call(h: number, body: PeerCall): Promise<unknown>;
  /** The peer is closed: forget its handle. */
  release(h: number): void;
}

/** Restores an error's class from its name (the offer route answers 400 for SDP errors). */
export function restoreError(error: ThreadError): Error {
  let err: Error;
  if (error.name === "NegotiationTimeoutError") err = new NegotiationTimeoutError(error.message);
  else if (error.name === "InvalidSdpError") err = new InvalidSdpError(error.message);
  else {
    err = new Error(error.message);
    err.name = error.name;
  }
  return err;
}

/**
 * The main thread's stand-in for a WebRTC peer hosted by a media thread: the same surface as a
 * {@link WebRtcConnection} ({@link MediaPeer}), with its state, data-channel presence and
 * counters mirrored from the thread's reports. Audio sent here is queued on the thread and paced
 * there; {@link dropQueuedAudio} drops what is still queued.
 *
 * Differences from a main-thread peer: `sendMessage` returns true for any message it hands to
 * the thread while the peer is open (the thread still keeps at most 256 waiting for the data
 * channel to open); the counters lag by up to 100 ms.
 *
 * @example
 * ```ts
 * const peer = pool.open(options, events); // a ThreadedPeer
 * const media = await peer.applyOffer(offerSdp);
 * ```
 * @internal
 */
export class ThreadedPeer implements MediaPeer {
  readonly #h: number;
  readonly #link: MediaThreadLink;
  readonly #events: WebRtcConnectionEvents;
  #state: PeerState = "new";
  #closed = false;
  #closedReported = false;
  #channel = false;
  #close: Promise<void> | null = null;
  inboundDatagrams = 0;
  packetsSent = 0;
  packetsReceived = 0;

  constructor(h: number, link: MediaThreadLink, events: WebRtcConnectionEvents) {
    this.#h = h;
    this.#link = link;
    this.#events = events;
  }

  get state(): PeerState {
    return this.#closed ? "closed" : this.#state;
  }

  get hasDataChannel(): boolean {
    return this.#channel;
  }

  async applyOffer(sdp: string): Promise<OfferedMedia[]> {
    checkOfferSdp(sdp);
    return (await this.#call({ op: "applyOffer", sdp })) as OfferedMedia[];
  }

  acceptAudio(media: OfferedMedia, direction: AudioDirection): void {
    this.#link.post({ k: "accept", h: this.#h, media, direction });
  }

  ignore(media: OfferedMedia): void {
    this.#link.post({ k: "ignore", h: this.#h, media });
  }

  async createAnswer(): Promise<string> {
    return (await this.#call({ op: "createAnswer" })) as string;
  }

  async addIceCandidate(init: IceCandidateInit): Promise<void> {
    await this.#call({ op: "addIceCandidate", init });
  }

  sendAudio(samples: Int16Array, sampleRate: number, discontinuity: boolean): number {
    if (this.#closed) return 0;
    // A copy: the session keeps its frames (echo guard, rewind), and the copy moves, not clones.
    const copy = samples.slice();
    this.#link.post(
      { k: "audio", h: this.#h, samples: copy, rate: sampleRate, disc: discontinuity },
      copy.buffer as ArrayBuffer,
    );
    return 1;
  }

  dropQueuedAudio(): void {
    if (!this.#closed) this.#link.post({ k: "drop", h: this.#h });
  }

  sendMessage(text: string): boolean {
    if (this.#closed) return false;
    this.#link.post({ k: "text", h: this.#h, text });
    return true;
  }

  close(): Promise<void> {
    this.#close ??= (async () => {
      const wasOpen = !this.#closed;
      this.#closed = true;
      if (wasOpen) {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            this.#link.call(this.#h, { op: "close" }),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
            }),
          ]);
        } catch (err) {
          log.debug("close failed", { err });
        } finally {
          clearTimeout(timer);
        }
      }
      this.#link.release(this.#h);
      this.#reportClosed();
    })();
    return this.#close;
  }

  /** A message from the thread about this peer. */
  deliver(m: Exclude<FromMediaThread, { k: "reply" }>): void {
    switch (m.k) {
      case "audio":
        if (!this.#closed) this.#events.onAudio?.(m.pcm);
        return;
      case "channel":
        this.#channel = true;
        this.#events.onDataChannel?.(m.label);
        return;
      case "text":
        if (!this.#closed) this.#events.onDataChannelMessage?.(m.text);
        return;
      case "counters":
        this.inboundDatagrams = m.inbound;
        this.packetsSent = m.sent;
        this.packetsReceived = m.received;
        return;
      case "error":
        log.warn("media thread: a peer request failed", { op: m.op, error: m.error.message });
        return;
      case "state":
        if (m.state === "closed") {
          this.#closed = true;
          this.#link.release(this.#h);
          this.#reportClosed();
          return;
        }
        this.#state = m.state;
        this.#events.onStateChange?.(m.state);
        return;
    }
  }

  /** The thread died: the peer is gone. */
  threadDied(): void {
    if (this.#closed) return;
    this.#state = "failed";
    this.#closed = true;
    this.#events.onStateChange?.("failed");
    this.#reportClosed();
  }

  #reportClosed(): void {
    if (this.#closedReported) return;
    this.#closedReported = true;
    this.#events.onStateChange?.("closed");
  }

  async #call(body: PeerCall): Promise<unknown> {
    if (this.#closed) throw new InvalidSdpError("The connection is closed");
    return this.#link.call(this.#h, body);
  }
}
