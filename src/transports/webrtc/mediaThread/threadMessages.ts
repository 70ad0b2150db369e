/**
 * The messages between the main thread and a WebRTC media thread. Each `postMessage` carries an
 * array of them (everything one side queued during one event-loop turn), in order. Peers are
 * named by a small integer handle, unique per thread.
 *
 * @internal
 */
import type { PeerOptions } from "../WebRtcConnection.js";
import type { AudioDirection, OfferedMedia, PeerState } from "../webrtcTypes.js";

/** The peer's async operations the main thread awaits. */
export type PeerCall =
  | { op: "applyOffer"; sdp: string }
  | { op: "createAnswer" }
  | {
      op: "addIceCandidate";
      init: {
        candidate: string;
        sdpMid?: string | null;
        sdpMLineIndex?: number | null;
        usernameFragment?: string | null;
      };
    }
  | { op: "close" };

/** Main thread → media thread. */
export type ToMediaThread =
  | { k: "open"; h: number; options: PeerOptions }
  | { k: "call"; h: number; call: number; body: PeerCall }
  | { k: "accept"; h: number; media: OfferedMedia; direction: AudioDirection }
  | { k: "ignore"; h: number; media: OfferedMedia }
  | { k: "audio"; h: number; samples: Int16Array; rate: number; disc: boolean }
  | { k: "drop"; h: number }
  | { k: "text"; h: number; text: string };

/** An error as it crosses the thread boundary (its class is restored by name). */
export interface ThreadError {
  name: string;
  message: string;
}

/** Media thread → main thread. */
export type FromMediaThread =
  | { k: "reply"; call: number; ok: true; value: unknown }
  | { k: "reply"; call: number; ok: false; error: ThreadError }
  | { k: "audio"; h: number; pcm: Int16Array }
  | { k: "channel"; h: number; label: string }
  | { k: "text"; h: number; text: string }
  | { k: "state"; h: number; state: PeerState }
  | { k: "counters"; h: number; inbound: number; sent: number; received: number }
  | { k: "error"; h: number; op: string; error: ThreadError }
  | { k: "log"; level: "debug" | "info" | "warn" | "error"; message: string; fields: LogFields };

/** Log fields as they cross the thread boundary: errors as {@link ClonedError}. */
export type LogFields = Record<string, unknown>;

/** An `Error` among log fields, with its stack. */
export interface ClonedError {
  __error: true;
  name: string;
  message: string;
  stack: string | undefined;
}

/**
 * Log fields in a form `postMessage` always takes: errors keep name, message and stack; values
 * that cannot be cloned become their string form.
 */
export function cloneLogFields(fields: Record<string, unknown> | undefined): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value instanceof Error) {
      const e: ClonedError = {
        __error: true,
        name: value.name,
        message: value.message,
        stack: value.stack,
      };
      out[key] = e;
      continue;
    }
    try {
      out[key] = structuredClone(value);
    } catch {
      out[key] = String(value);
    }
  }
  return out;
}

/** The fields of a forwarded record, with its errors made `Error`s again. */
export function restoreLogFields(fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    const e = value as Partial<ClonedError> | null;
    if (typeof e === "object" && e !== null && e.__error === true) {
      const err = new Error(e.message);
      err.name = e.name ?? "Error";
      if (e.stack !== undefined) err.stack = e.stack;
      out[key] = err;
    } else out[key] = value;
  }
  return out;
}
