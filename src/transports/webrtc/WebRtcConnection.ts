import {
  type MediaStreamTrack,
  type RTCDataChannel,
  type RTCDtlsTransport,
  RTCPeerConnection,
  type RTCRtpTransceiver,
} from "werift";
import { getLogger } from "../../logger.js";
import type { IceCandidateInit } from "./candidate.js";
import { JitterBuffer } from "./jitterBuffer.js";
import { assertOpusSettings, type OpusEncoderSettings, OpusStreamDecoder } from "./opus.js";
import { OpusPacketizer, type OpusRtpPayload, toRtpPacket } from "./opusPacketizer.js";
import { installReceiverFastPaths } from "./receiverFastPaths.js";
import { installRtpHeaderParser } from "./rtpHeaderParser.js";
import type {
  AudioDirection,
  MediaPeer,
  OfferedMedia,
  PeerState,
  WebRtcConnectionEvents,
  WebRtcConnectionOptions,
} from "./webrtcTypes.js";

const log = getLogger("webrtc");

export type { OfferedMedia } from "./webrtcTypes.js";

/** Most side-band messages kept while the client's data channel is not open yet. */
export const MAX_PENDING_MESSAGES = 256;

/**
 * The offer could not be parsed, applied or answered (HTTP 400).
 *
 * @example
 * ```ts
 * throw new InvalidSdpError("The offer has no media section");
 * ```
 */
export class InvalidSdpError extends Error {
  override name = "InvalidSdpError";
}

/**
 * A step of the negotiation with the peer did not finish in time (HTTP 400, like a bad offer:
 * in practice only offers werift cannot use get here).
 *
 * @example
 * ```ts
 * if (err instanceof NegotiationTimeoutError) return { status: 400, body: { detail: err.message } };
 * ```
 */
export class NegotiationTimeoutError extends InvalidSdpError {
  override name = "NegotiationTimeoutError";
}

/** Default bound of each await on the peer while answering (setRemoteDescription, answer, gathering). */
export const DEFAULT_NEGOTIATION_TIMEOUT_MS = 10_000;
/** Bound of the peer's own close. */
const CLOSE_TIMEOUT_MS = 2_000;
/**
 * How long close() waits for the peer to acknowledge the close of the data channel before it
 * closes the peer connection (a peer that is gone never answers).
 */
const CHANNEL_CLOSE_WAIT_MS = 500;
/** Longest accepted SDP line. */
const MAX_SDP_LINE = 4096;
/** `m=<media> <port>[/<n>] <proto> <fmt> ...` (RFC 8866 §5.14). */
const M_LINE = /^m=([a-z][a-z0-9-]*) (\d{1,5})(?:\/\d+)? ([A-Za-z0-9/_.-]+)(?: [^ ]+)+$/;

/**
 * Checks the shape of an offered SDP before it reaches werift: `v=0` first, every line
 * `<letter>=<value>` (lines split on CRLF or LF, no empty line inside, no control characters),
 * and at least one well-formed `m=` line. Returns the media kinds of the `m=` lines.
 *
 * @throws InvalidSdpError naming the first problem.
 * @example
 * ```ts
 * checkOfferSdp("v=0\r\n\nm="); // throws: empty line 2
 * ```
 */
export function checkOfferSdp(sdp: string): string[] {
  const lines = sdp.split(/\r?\n/);
  if (lines.at(-1) === "") lines.pop();
  if (lines[0] !== "v=0") {
    throw new InvalidSdpError("The offer is not an SDP session description (expected v=0 first)");
  }
  const kinds: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.length > MAX_SDP_LINE || !/^[a-z]=/.test(line) || hasControlCharacter(line)) {
      throw new InvalidSdpError(
        `The offer is not an SDP session description (line ${i + 1} is not <type>=<value>)`,
      );
    }
    if (line.startsWith("m=")) {
      const m = M_LINE.exec(line);
      if (!m) throw new InvalidSdpError(`The offer has a malformed media line (line ${i + 1})`);
      kinds.push(m[1] as string);
    }
  }
  if (kinds.length === 0) {
    throw new InvalidSdpError("The offer has no media section (expected at least one m= line)");
  }
  return kinds;
}

/** True when a line holds a control character other than tab. */
function hasControlCharacter(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

/**
 * Waits for `work`, at most `ms` and only while `signal` is not aborted.
 *
 * @throws NegotiationTimeoutError on timeout; InvalidSdpError when the connection closed first.
 */
function bounded<T>(work: Promise<T>, ms: number, what: string, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    };
    const onAbort = () => {
      done();
      reject(new InvalidSdpError(`The connection closed during ${what}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(
        new NegotiationTimeoutError(`The offer could not be answered: ${what} took over ${ms} ms`),
      );
    }, ms);
    timer.unref?.();
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        done();
        resolve(v);
      },
      (err: unknown) => {
        done();
        reject(err);
      },
    );
  });
}

/**
 * Options of a {@link WebRtcConnection}.
 *
 * @example
 * ```ts
 * const options: PeerOptions = { iceServers: [], negotiationTimeoutMs: 5000 };
 * ```
 */
export interface PeerOptions extends WebRtcConnectionOptions {
  /** Bound of each await on the peer while answering. Default {@link DEFAULT_NEGOTIATION_TIMEOUT_MS}. */
  negotiationTimeoutMs?: number;
}

/**
 * The server side of one WebRTC peer connection, on werift: applies the client's offer,
 * answers with every local ICE candidate (no server trickle), decodes inbound Opus through a
 * jitter buffer with loss concealment, and sends outbound audio as Opus RTP. It knows nothing
 * about handlers or sessions; the server wires it to one.
 *
 * @example
 * ```ts
 * const conn = new WebRtcConnection({ iceServers: [] }, { onAudio: (pcm) => feed(pcm) });
 * const media = await conn.applyOffer(offerSdp);
 * conn.acceptAudio(media[0], "sendrecv");
 * const answerSdp = await conn.createAnswer();
 * conn.sendAudio(samples, 24000, false);
 * ```
 */
export class WebRtcConnection implements MediaPeer {
  readonly #pc: RTCPeerConnection;
  readonly #events: WebRtcConnectionEvents;
  readonly #remoteAudioTracks: MediaStreamTrack[] = [];
  #receiving = false;
  #sender: RTCRtpTransceiver | null = null;
  #packetizer: OpusPacketizer | null = null;
  #channel: RTCDataChannel | null = null;
  /** Messages sent before the data channel was open, delivered once it is (bounded). */
  readonly #pendingMessages: string[] = [];
  #closed = false;
  /** Aborted by close(): every pending await on the peer ends. */
  readonly #closing = new AbortController();
  readonly #negotiationTimeoutMs: number;
  readonly #opus: OpusEncoderSettings;
  /** RTP packets sent so far. */
  packetsSent = 0;
  /** RTP packets received on accepted audio tracks. */
  packetsReceived = 0;
  /**
   * Datagrams received from the peer once connected, other than ICE checks: RTP, RTCP, DTLS
   * and SCTP (data channel). The server's dead-peer watchdog watches it.
   */
  inboundDatagrams = 0;
  /** Called with each outbound RTP payload right after it was handed to the transport. */
  onRtpSent: ((payload: OpusRtpPayload) => void) | null = null;

  constructor(options: PeerOptions = {}, events: WebRtcConnectionEvents = {}) {
    installRtpHeaderParser();
    installReceiverFastPaths();
    this.#events = events;
    this.#negotiationTimeoutMs = options.negotiationTimeoutMs ?? DEFAULT_NEGOTIATION_TIMEOUT_MS;
    this.#opus = assertOpusSettings(options.opus ?? {});
    this.#pc = new RTCPeerConnection({
      iceServers: options.iceServers ?? [],
      ...(options.additionalHostAddresses?.length
        ? { iceAdditionalHostAddresses: options.additionalHostAddresses }
        : {}),
      ...(options.iceTransportPolicy === "relay" ? { iceTransportPolicy: "relay" as const } : {}),
      ...(options.udpPortRange ? { icePortRange: options.udpPortRange } : {}),
    });
    this.#pc.onTrack.subscribe((track) => {
      if (track.kind !== "audio") return;
      this.#remoteAudioTracks.push(track);
      if (this.#receiving) this.#listen(track);
    });
    this.#pc.onDataChannel.subscribe((channel) => this.#adoptChannel(channel));
    this.#pc.connectionStateChange.subscribe((state) => {
      if (state === "connected") this.#watchTransports();
      this.#events.onStateChange?.(state);
    });
    this.#pc.iceConnectionStateChange.subscribe((state) => {
      if (state === "failed") void this.close();
    });
  }

  /** The peer connection's state. */
  get state(): PeerState {
    return this.#closed ? "closed" : this.#pc.connectionState;
  }

  /**
   * The candidate types of the pair ICE selected (`"host"`, `"srflx"`, `"prflx"` or
   * `"relay"`), or null before a pair is nominated.
   *
   * @example
   * ```ts
   * conn.selectedCandidateTypes(); // { local: "relay", remote: "relay", turnTransport: "tcp" }
   * ```
   */
  selectedCandidateTypes(): { local: string; remote: string; turnTransport: string | null } | null {
    for (const dtls of this.#pc.dtlsTransports) {
      const pair = dtls.iceTransport.connection.nominated;
      if (pair) {
        // A relayed pair talks to the TURN server over UDP, TCP or TLS (werift's StunOverTurnProtocol).
        const turn = (pair.protocol as { turn?: { transport?: { type?: unknown } } }).turn;
        const type = turn?.transport?.type;
        return {
          local: pair.localCandidate.type,
          remote: pair.remoteCandidate.type,
          turnTransport: typeof type === "string" ? type : null,
        };
      }
    }
    return null;
  }

  /** True once the client's data channel was announced. */
  get hasDataChannel(): boolean {
    return this.#channel !== null;
  }

  /**
   * Applies the client's offer and lists its media sections.
   *
   * @throws InvalidSdpError when the SDP is not a usable offer (see {@link checkOfferSdp}),
   *   werift refuses it, it yields no media section werift can use, or werift does not finish
   *   applying it in time ({@link NegotiationTimeoutError}).
   */
  async applyOffer(sdp: string): Promise<OfferedMedia[]> {
    checkOfferSdp(sdp);
    try {
      await this.#bounded(
        this.#pc.setRemoteDescription({ type: "offer", sdp }),
        "setRemoteDescription",
      );
    } catch (err) {
      if (err instanceof InvalidSdpError) throw err;
      throw new InvalidSdpError(
        `The offer could not be applied: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (this.#pc.getTransceivers().length === 0 && this.#pc.sctpTransport === undefined) {
      throw new InvalidSdpError("The offer has no media section werift can use");
    }
    return this.#pc.getTransceivers().map((t) => ({
      kind: t.kind,
      mid: t.mid,
      direction: offeredDirection(sdp, t.mid),
    }));
  }

  /**
   * Takes the offered audio section: `direction` is ours (`"sendrecv"` to hear the client and
   * answer, `"recvonly"` to only listen, `"sendonly"` to only play).
   */
  acceptAudio(media: OfferedMedia, direction: AudioDirection): void {
    const transceiver = this.#transceiver(media);
    transceiver.setDirection(direction);
    if (direction === "sendrecv" || direction === "sendonly") {
      this.#sender = transceiver;
      this.#packetizer = new OpusPacketizer(this.#opus);
    }
    if ((direction === "sendrecv" || direction === "recvonly") && !this.#receiving) {
      this.#receiving = true;
      for (const track of this.#remoteAudioTracks) this.#listen(track);
    }
  }

  /** Declines an offered section (answered as inactive, still present in the answer). */
  ignore(media: OfferedMedia): void {
    this.#transceiver(media).setDirection("inactive");
  }

  /**
   * Creates the answer and waits until every local ICE candidate is in it. Each step is
   * bounded by the negotiation timeout and ends when the connection closes.
   *
   * @throws InvalidSdpError when werift cannot answer the offer (or not in time).
   */
  async createAnswer(): Promise<string> {
    try {
      return await this.#createAnswer();
    } catch (err) {
      if (err instanceof InvalidSdpError) throw err;
      throw new InvalidSdpError(
        `The offer could not be answered: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  async #createAnswer(): Promise<string> {
    // Answer `a=setup:passive`: the client starts the DTLS handshake as soon as ICE connects.
    // As the DTLS client werift waits a fixed 100 ms before its first message (werift 0.24).
    for (const transport of this.#pc.dtlsTransports) {
      if (transport.role === "auto") transport.role = "server";
    }
    const answer = await this.#bounded(this.#pc.createAnswer(), "createAnswer");
    await this.#bounded(this.#pc.setLocalDescription(answer), "setLocalDescription");
    for (const transport of this.#pc.dtlsTransports) {
      transport.onStateChange.subscribe((state) => {
        if (state === "connected") skipReusedDtlsRecordNumber(transport);
      });
    }
    if (this.#pc.iceGatheringState !== "complete") {
      let sub: { unSubscribe(): void } | undefined;
      try {
        await this.#bounded(
          new Promise<void>((resolve) => {
            sub = this.#pc.iceGatheringStateChange.subscribe((s) => {
              if (s === "complete") resolve();
            });
          }),
          "ICE gathering",
        );
      } finally {
        sub?.unSubscribe();
      }
    }
    const sdp = this.#pc.localDescription?.sdp;
    if (!sdp) throw new Error("werift produced no local description");
    return sdp;
  }

  /** Adds a trickled remote candidate. */
  async addIceCandidate(init: IceCandidateInit): Promise<void> {
    await this.#bounded(this.#addIceCandidate(init), "addIceCandidate");
  }

  async #addIceCandidate(init: IceCandidateInit): Promise<void> {
    await this.#pc.addIceCandidate({
      candidate: init.candidate,
      sdpMid: init.sdpMid ?? undefined,
      sdpMLineIndex: init.sdpMLineIndex ?? undefined,
      usernameFragment: init.usernameFragment ?? undefined,
    });
  }

  /**
   * Sends mono audio (any rate) as Opus RTP; call it at play time, 20 ms at a time.
   * Returns the number of packets sent (0 while the connection is not up).
   */
  sendAudio(samples: Int16Array, sampleRate: number, discontinuity: boolean): number {
    const sender = this.#sender;
    const packetizer = this.#packetizer;
    if (!sender || !packetizer || this.#closed) return 0;
    const payloads = packetizer.push(samples, sampleRate, discontinuity);
    for (const p of payloads) {
      const packet = toRtpPacket(p, sender.sender.codec?.payloadType ?? 111);
      sender.sender.sendRtp(packet).catch((err: unknown) => {
        log.debug("sendRtp failed", { err });
      });
      this.packetsSent++;
      this.onRtpSent?.(p);
    }
    return payloads.length;
  }

  /** Nothing is queued here: {@link sendAudio} sends at once. Present for {@link MediaPeer}. */
  dropQueuedAudio(): void {}

  /**
   * Sends a text message on the client's data channel. Messages sent before the channel is
   * open wait for it (at most {@link MAX_PENDING_MESSAGES}); returns false when the message
   * could not be sent or queued.
   */
  sendMessage(text: string): boolean {
    if (this.#closed) return false;
    const channel = this.#channel;
    if (channel?.readyState !== "open") {
      if (channel && channel.readyState !== "connecting") return false;
      if (this.#pendingMessages.length >= MAX_PENDING_MESSAGES) return false;
      this.#pendingMessages.push(text);
      return true;
    }
    channel.send(text);
    return true;
  }

  #flushPending(): void {
    const channel = this.#channel;
    if (channel?.readyState !== "open") return;
    for (const text of this.#pendingMessages.splice(0)) channel.send(text);
  }

  /**
   * Closes the peer connection. Idempotent. The data channel is closed first and its close
   * acknowledged by the peer (at most {@link CHANNEL_CLOSE_WAIT_MS}): werift sends no DTLS close
   * alert, so the channel's close is how a client learns that the server ended its session.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#receiving = false;
    this.#closing.abort();
    await this.#closeChannel();
    try {
      await bounded(this.#pc.close(), CLOSE_TIMEOUT_MS, "close", new AbortController().signal);
    } catch (err) {
      log.debug("close failed", { err });
    }
    this.#events.onStateChange?.("closed");
  }

  /** Closes an open data channel and waits, bounded, until the peer acknowledged it. */
  async #closeChannel(): Promise<void> {
    const channel = this.#channel;
    if (channel === null || channel.readyState !== "open") return;
    await new Promise<void>((resolve) => {
      const subscription = channel.stateChanged.subscribe((state) => {
        if (state === "closed") done();
      });
      const timer = setTimeout(done, CHANNEL_CLOSE_WAIT_MS);
      function done(): void {
        clearTimeout(timer);
        subscription.unSubscribe();
        resolve();
      }
      try {
        channel.close();
      } catch (err) {
        log.debug("closing the data channel failed", { err });
        done();
      }
    });
  }

  #bounded<T>(work: Promise<T>, what: string): Promise<T> {
    return bounded(work, this.#negotiationTimeoutMs, what, this.#closing.signal);
  }

  #transceiver(media: OfferedMedia): RTCRtpTransceiver {
    const transceiver = this.#pc.getTransceivers().find((t) => t.mid === media.mid);
    if (!transceiver) throw new Error(`No transceiver for mid ${String(media.mid)}`);
    return transceiver;
  }

  /**
   * werift leaves the peer "connected" when the remote side closes (until ICE consent expires,
   * 30 s): a DTLS close_notify from the client or the close of its data channel ends it now.
   */
  #watchTransports(): void {
    for (const dtls of this.#pc.dtlsTransports) {
      dtls.iceTransport.connection.onData.subscribe(() => {
        this.inboundDatagrams++;
      });
      dtls.onStateChange.subscribe((state) => {
        if (state === "closed" || state === "failed") void this.close();
      });
    }
  }

  #adoptChannel(channel: RTCDataChannel): void {
    this.#channel = channel;
    channel.stateChanged.subscribe((state) => {
      if (this.#channel !== channel) return;
      if (state === "open") this.#flushPending();
      if (state === "closed") void this.close();
    });
    queueMicrotask(() => this.#flushPending());
    channel.onMessage.subscribe((data) => {
      if (this.#channel !== channel) return;
      this.#events.onDataChannelMessage?.(typeof data === "string" ? data : data.toString("utf8"));
    });
    this.#events.onDataChannel?.(channel.label);
  }

  #listen(track: MediaStreamTrack): void {
    const jitter = new JitterBuffer<Buffer>();
    const decoder = new OpusStreamDecoder();
    track.onReceiveRtp.subscribe((rtp) => {
      if (!this.#receiving) return;
      this.packetsReceived++;
      for (const out of jitter.push(rtp.header.sequenceNumber, rtp.payload)) {
        let pcm: Int16Array;
        if (out.kind === "lost") pcm = decoder.conceal();
        else {
          try {
            // Reused per packet: every onAudio consumer converts or copies it before returning.
            pcm = decoder.decodeReused(out.item);
          } catch (err) {
            log.debug("dropping an undecodable Opus packet", { err });
            continue;
          }
        }
        this.#events.onAudio?.(pcm);
      }
    });
  }
}

/** Reads the direction attribute of the media section `mid` in an SDP (default sendrecv). */
function offeredDirection(sdp: string, mid: string | null): AudioDirection {
  const sections = sdp.split(/\r?\nm=/).slice(1);
  for (const section of sections) {
    const midMatch = /\r?\na=mid:(\S+)/.exec(section);
    if (mid !== null && midMatch?.[1] !== mid) continue;
    const dir = /\r?\na=(sendrecv|recvonly|sendonly|inactive)\b/.exec(section);
    return (dir?.[1] as AudioDirection | undefined) ?? "sendrecv";
  }
  return "sendrecv";
}

/**
 * Works around a werift (0.24.4 to 0.25.2) DTLS bug: its Finished message is record N of epoch 1,
 * then its record counter restarts at 0, so the N-th application record (in practice the first
 * data-channel message, e.g. `pause_detected`) reuses the number and browsers drop it as a
 * replay; SCTP resends it about 1 s later. Moving the counter past the handshake records when
 * DTLS connects keeps every number unique. Does nothing if werift's internals change shape.
 */
function skipReusedDtlsRecordNumber(transport: RTCDtlsTransport): void {
  const context = (
    transport.dtls as { dtls?: { epoch?: unknown; recordSequenceNumber?: unknown } } | undefined
  )?.dtls;
  if (context?.epoch !== 1 || typeof context.recordSequenceNumber !== "number") return;
  context.recordSequenceNumber = Math.max(context.recordSequenceNumber, 32);
}
