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
  /** 20 ms of decoded inbound audio: 48 kHz stereo int16, interleaved (1920 values). */
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
  /** Complexity of the Opus encoder of the audio we send, 0–10. Default: libopus's own (9). */
  opusComplexity?: number;
}
