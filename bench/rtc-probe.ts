/**
 * Bench-only probe on the server's WebRTC connections. The Stream keeps its connections private
 * and exposes no per-connection hook, so the benchmarks wrap two methods of
 * `WebRtcConnection.prototype` for their duration (and restore them afterwards):
 *
 * - `sendAudio(samples, rate, discontinuity)`: called by the session at each 20 ms frame's play
 *   time; the probe sees the wall time the call started (frame release) and ended (RTP packets
 *   handed to werift, the moment `onRtpSent` fires), and how many packets it produced;
 * - `sendMessage(text)`: side-band messages (`pause_detected`, ...) handed to the data channel.
 *
 * Nothing else changes: the original methods run unchanged.
 */
import { ThreadedPeer } from "../src/transports/webrtc/mediaThread/ThreadedPeer.js";
import { WebRtcConnection } from "../src/transports/webrtc/WebRtcConnection.js";

/** One output frame handed to a connection by its session. */
export interface SentFrame {
  /** `performance.now()` when the session released the frame (sendAudio entry). */
  releasedAt: number;
  /** `performance.now()` after the frame's RTP packets were handed to werift. */
  sentAt: number;
  /** RTP packets the frame completed (0 when the packetizer holds it back). */
  packets: number;
  /** The session marked the frame as the start of a new stretch of audio. */
  discontinuity: boolean;
}

export interface ConnectionProbe {
  onFrame?(conn: WebRtcConnection | ThreadedPeer, frame: SentFrame): void;
  onMessage?(conn: WebRtcConnection | ThreadedPeer, text: string, at: number): void;
}

let installed = false;

type Peer = WebRtcConnection | ThreadedPeer;

/**
 * Installs `probe`; returns the function that removes it. One probe at a time. Wraps both kinds
 * of peer: `WebRtcConnection` (peers on the main thread) and `ThreadedPeer` (the main thread's
 * stand-in for a peer on a media thread, `webrtcMediaThreads`), whose `sendAudio` is the
 * frame's release to the thread's pacer (`sentAt` is then the hand-over, not the wire).
 */
export function installConnectionProbe(probe: ConnectionProbe): () => void {
  if (installed) throw new Error("a connection probe is already installed");
  installed = true;
  const restores = [WebRtcConnection.prototype, ThreadedPeer.prototype].map((proto) => {
    const sendAudio = Object.getOwnPropertyDescriptor(proto, "sendAudio");
    const sendMessage = Object.getOwnPropertyDescriptor(proto, "sendMessage");
    if (!sendAudio || !sendMessage) throw new Error("a peer class has changed shape");
    const originalAudio = proto.sendAudio;
    const originalMessage = proto.sendMessage;
    proto.sendAudio = function (
      this: Peer,
      samples: Int16Array,
      sampleRate: number,
      discontinuity: boolean,
    ): number {
      const releasedAt = performance.now();
      const packets = originalAudio.call(this, samples, sampleRate, discontinuity);
      probe.onFrame?.(this, { releasedAt, sentAt: performance.now(), packets, discontinuity });
      return packets;
    };
    proto.sendMessage = function (this: Peer, text: string): boolean {
      probe.onMessage?.(this, text, performance.now());
      return originalMessage.call(this, text);
    };
    return () => {
      Object.defineProperty(proto, "sendAudio", sendAudio);
      Object.defineProperty(proto, "sendMessage", sendMessage);
    };
  });
  return () => {
    for (const restore of restores) restore();
    installed = false;
  };
}

/** True when a side-band message is the log event `event` (e.g. `"pause_detected"`). */
export function isLog(text: string, event: string): boolean {
  if (!text.includes(event)) return false;
  try {
    const m = JSON.parse(text) as { type?: unknown; data?: unknown };
    return m.type === "log" && m.data === event;
  } catch {
    return false;
  }
}

/** CPU time of this process (all threads) in ms, user + system. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** `[min, ..., max]` summary helper: rounds for the JSON. */
export function round(v: number | null, digits = 3): number | null {
  if (v === null || !Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
