/**
 * A minimal FastRTC-like answerer on werift for the client tests: a `fetch` function that
 * implements `POST /webrtc/offer` (offers and trickled ICE candidates) against real werift peer
 * connections. Test-only (excluded from the build).
 */
import {
  type MediaStreamTrack,
  type RTCDataChannel,
  RTCPeerConnection,
  type RTCRtpTransceiver,
  type RtpPacket,
} from "werift";
import type { FetchLike, FetchResponseLike } from "../clientTypes.js";

/** One request the fake server received. */
export interface RecordedRequest {
  url: string;
  body: Record<string, unknown>;
  response: unknown;
}

/** Per-connection state of the fake server. */
export interface ServerConnection {
  pc: RTCPeerConnection;
  webrtcId: string;
  offerSdp: string;
  channels: RTCDataChannel[];
  messages: string[];
  remoteTracks: MediaStreamTrack[];
  received: RtpPacket[];
  audioTransceiver: RTCRtpTransceiver | undefined;
}

/** Options of {@link FakeFastRTCServer}. */
export interface FakeServerOptions {
  /** Make the answer's audio section `sendrecv` so the server can send RTP. Default false. */
  sendAudio?: boolean;
  /**
   * Register the connection only once the answer is ready (instead of on receipt), so that
   * candidates sent during the offer request get `unknown_connection`. Default false.
   */
  registerOnAnswer?: boolean;
  /** Answers an offer instead of the werift peer (return undefined to proceed normally). */
  interceptOffer?: (body: Record<string, unknown>) => { status: number; body: string } | undefined;
  /** Never answer offers (for timeouts). Default false. */
  hang?: boolean;
}

/** Fake FastRTC signalling endpoint backed by werift answerers. */
export class FakeFastRTCServer {
  readonly requests: RecordedRequest[] = [];
  readonly connections = new Map<string, ServerConnection>();
  readonly #options: FakeServerOptions;
  readonly #all: RTCPeerConnection[] = [];

  constructor(options: FakeServerOptions = {}) {
    this.#options = options;
  }

  /** The `fetch` to give the client. */
  readonly fetch: FetchLike = async (url, init) => {
    const body = JSON.parse(init.body) as Record<string, unknown>;
    const record: RecordedRequest = { url, body, response: undefined };
    this.requests.push(record);
    const { status, payload } = await this.#handle(body);
    record.response = payload;
    const text = typeof payload === "string" ? payload : JSON.stringify(payload);
    const res: FetchResponseLike = { status, text: async () => text };
    return res;
  };

  /** Candidate requests and their responses. */
  get candidateRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.body.type === "ice-candidate");
  }

  /** The only connection (throws if there is not exactly one). */
  only(): ServerConnection {
    const all = [...this.connections.values()];
    if (all.length !== 1) throw new Error(`expected one connection, have ${all.length}`);
    return all[0]!;
  }

  /** Closes every server peer connection. */
  async close(): Promise<void> {
    await Promise.all(this.#all.map((pc) => pc.close()));
  }

  async #handle(body: Record<string, unknown>): Promise<{ status: number; payload: unknown }> {
    const webrtcId = body.webrtc_id;
    if (typeof body.type !== "string" || typeof webrtcId !== "string") {
      return { status: 422, payload: { detail: [{ type: "missing", loc: ["body"] }] } };
    }
    if (body.type === "ice-candidate") return this.#candidate(webrtcId, body.candidate);
    const intercepted = this.#options.interceptOffer?.(body);
    if (intercepted !== undefined) return { status: intercepted.status, payload: intercepted.body };
    if (this.#options.hang) return new Promise(() => {});
    return this.#offer(webrtcId, String(body.sdp));
  }

  async #candidate(webrtcId: string, candidate: unknown) {
    const conn = this.connections.get(webrtcId);
    if (conn === undefined) {
      return { status: 200, payload: { status: "failed", meta: { error: "unknown_connection" } } };
    }
    const c = candidate as { candidate?: string; sdpMid?: string; sdpMLineIndex?: number };
    const tokens = (c?.candidate ?? "").split(/\s+/);
    if (tokens.length < 10 || !tokens[0]?.startsWith("candidate:")) {
      return {
        status: 200,
        payload: { status: "failed", meta: { error: "invalid_candidate_format" } },
      };
    }
    try {
      await conn.pc.addIceCandidate(c as { candidate: string });
    } catch (error) {
      return { status: 200, payload: { status: "failed", meta: { error: String(error) } } };
    }
    return { status: 200, payload: { status: "success" } };
  }

  async #offer(webrtcId: string, sdp: string) {
    const pc = new RTCPeerConnection({ iceServers: [] });
    this.#all.push(pc);
    const conn: ServerConnection = {
      pc,
      webrtcId,
      offerSdp: sdp,
      channels: [],
      messages: [],
      remoteTracks: [],
      received: [],
      audioTransceiver: undefined,
    };
    if (!this.#options.registerOnAnswer) this.connections.set(webrtcId, conn);
    pc.onDataChannel.subscribe((dc) => {
      conn.channels.push(dc);
      dc.onMessage.subscribe((data) => {
        const text = data.toString();
        conn.messages.push(text);
        dc.send(JSON.stringify({ type: "log", data: `Server received: ${text}` }));
      });
    });
    pc.onTrack.subscribe((track) => {
      conn.remoteTracks.push(track);
      track.onReceiveRtp.subscribe((rtp) => conn.received.push(rtp));
    });
    await pc.setRemoteDescription({ type: "offer", sdp });
    conn.audioTransceiver = pc.getTransceivers().find((t) => t.kind === "audio");
    if (this.#options.sendAudio) conn.audioTransceiver?.setDirection("sendrecv");
    await pc.setLocalDescription(await pc.createAnswer());
    if (pc.iceGatheringState !== "complete") {
      await new Promise<void>((resolve) => {
        const { unSubscribe } = pc.iceGatheringStateChange.subscribe((s) => {
          if (s !== "complete") return;
          unSubscribe();
          resolve();
        });
      });
    }
    if (this.#options.registerOnAnswer) this.connections.set(webrtcId, conn);
    return { status: 200, payload: { sdp: pc.localDescription?.sdp, type: "answer" } };
  }
}

/** Resolves when `pc` is connected (or rejects after `timeoutMs`). */
export function waitConnected(pc: RTCPeerConnection, timeoutMs = 10_000): Promise<void> {
  if (pc.connectionState === "connected") return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      unSubscribe();
      reject(new Error(`not connected after ${timeoutMs} ms`));
    }, timeoutMs);
    const { unSubscribe } = pc.connectionStateChange.subscribe((s) => {
      if (s !== "connected") return;
      clearTimeout(timer);
      unSubscribe();
      resolve();
    });
  });
}
