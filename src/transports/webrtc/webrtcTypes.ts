import type { IceCandidateInit } from "./candidate.js";
import type { OpusEncoderSettings } from "./opus.js";

/**
 * One ICE server, as in the browser's `RTCIceServer`.
 *
 * @example
 * ```ts
 * const turn: IceServer = { urls: "turn:turn.example.com:3478", username: "u", credential: "p" };
 * ```
 */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/**
 * Peer-connection configuration (the subset FastRTC uses): ICE servers, and for the browser
 * side any other `RTCConfiguration` key, passed through untouched.
 *
 * @example
 * ```ts
 * const config: RtcConfiguration = { iceServers: [{ urls: "stun:stun.l.google.com:19302" }] };
 * ```
 */
export interface RtcConfiguration {
  iceServers?: IceServer[];
  [key: string]: unknown;
}

/** Connection state of a WebRTC peer, as in the browser's `RTCPeerConnectionState`. */
export type PeerState = "new" | "connecting" | "connected" | "disconnected" | "failed" | "closed";

/** Which way audio flows on the answered audio section. */
export type AudioDirection = "sendrecv" | "recvonly" | "sendonly" | "inactive";

/**
 * Callbacks of a {@link WebRtcConnection}. All optional.
 *
 * @example
 * ```ts
 * const events: WebRtcConnectionEvents = { onAudio: (pcm) => session.pushAudio([48000, pcm, "stereo"]) };
 * ```
 */
export interface WebRtcConnectionEvents {
  /**
   * 20 ms of decoded inbound audio: 48 kHz stereo int16, interleaved (1920 values). The array is
   * reused for the next packet: convert or copy it before returning (`Session.pushAudio` does).
   */
  onAudio?(pcm: Int16Array): void;
  /** The client announced a data channel (the latest one replaces earlier ones). */
  onDataChannel?(label: string): void;
  /** Text the client sent on the data channel. */
  onDataChannelMessage?(text: string): void;
  /** The peer connection changed state. */
  onStateChange?(state: PeerState): void;
}

/**
 * Options of a {@link WebRtcConnection}.
 *
 * @example
 * ```ts
 * new WebRtcConnection({ iceServers: [], audioDirection: "sendrecv" }, events);
 * ```
 */
export interface WebRtcConnectionOptions {
  /** ICE servers of the server-side peer. Default `[]`: host candidates only. */
  iceServers?: IceServer[];
  /** Extra local addresses to offer as host candidates (e.g. `"127.0.0.1"`). Default none. */
  additionalHostAddresses?: string[];
  /**
   * `"relay"` gathers and uses only TURN relay candidates (werift uses the first `turn:` URL of
   * `iceServers`; `?transport=tcp` reaches the TURN server over TCP). Default `"all"`.
   */
  iceTransportPolicy?: "all" | "relay";
  /** UDP ports ICE may bind, `[min, max]` inclusive. Default: any (ephemeral). */
  udpPortRange?: [number, number];
  /**
   * The Opus encoder of the audio we send: complexity, application, bitrate. Default: libopus's
   * complexity 9, `"voip"`, automatic bitrate.
   */
  opus?: OpusEncoderSettings;
}

/**
 * One media section of the remote offer.
 *
 * @example
 * ```ts
 * const media: OfferedMedia = { kind: "audio", mid: "0", direction: "sendrecv" };
 * ```
 */
export interface OfferedMedia {
  /** `"audio"`, `"video"` or another media kind. */
  kind: string;
  /** The section's mid. */
  mid: string | null;
  /** Direction the client offered, from the client's point of view. */
  direction: AudioDirection;
}

/**
 * The server side of one WebRTC peer as the server uses it: a {@link WebRtcConnection} on the
 * main thread, or its stand-in for a peer hosted by a media thread
 * (`StreamOptions.webrtcMediaThreads`).
 *
 * @example
 * ```ts
 * const media = await peer.applyOffer(offerSdp);
 * peer.acceptAudio(media[0], "sendrecv");
 * const answer = await peer.createAnswer();
 * ```
 */
export interface MediaPeer {
  /** The peer connection's state. */
  readonly state: PeerState;
  /** True once the client's data channel was announced. */
  readonly hasDataChannel: boolean;
  /** Datagrams received from the peer once connected (the dead-peer watchdog reads it). */
  readonly inboundDatagrams: number;
  /** RTP packets sent so far. */
  readonly packetsSent: number;
  /** RTP packets received on accepted audio tracks. */
  readonly packetsReceived: number;
  /** Applies the client's offer and lists its media sections. */
  applyOffer(sdp: string): Promise<OfferedMedia[]>;
  /** Takes the offered audio section with our direction. */
  acceptAudio(media: OfferedMedia, direction: AudioDirection): void;
  /** Declines an offered section. */
  ignore(media: OfferedMedia): void;
  /** Creates the answer, with every local ICE candidate in it. */
  createAnswer(): Promise<string>;
  /** Adds a trickled remote candidate. */
  addIceCandidate(init: IceCandidateInit): Promise<void>;
  /**
   * Sends (or queues for sending at its play time) 20 ms of mono audio as Opus RTP. Returns the
   * packets sent or queued.
   */
  sendAudio(samples: Int16Array, sampleRate: number, discontinuity: boolean): number;
  /** Drops the audio queued and not yet sent (an interruption). */
  dropQueuedAudio(): void;
  /** Sends a text message on the client's data channel (queued until it opens). */
  sendMessage(text: string): boolean;
  /** Closes the peer connection. Idempotent. */
  close(): Promise<void>;
}
