import { getLogger } from "../logger.js";
import { currentSessionContext } from "./context.js";

const log = getLogger("handlers");

function sendToCurrent(payload: { type: "error" | "warning"; message: string }): boolean {
  const ctx = currentSessionContext();
  if (!ctx?.channel) return false;
  try {
    const sent = ctx.channel.send(JSON.stringify(payload));
    if (sent instanceof Promise) {
      sent.catch((err: unknown) => log.warn("could not send message", { err, type: payload.type }));
    }
    return true;
  } catch (err) {
    log.warn("could not send message", { err, type: payload.type });
    return false;
  }
}

/**
 * An error that tells the client. Creating one inside handler code sends
 * `{"type":"error","message": message}` on the connection's channel at once (as FastRTC does);
 * throwing it also ends the current handler call.
 *
 * Any other error thrown by handler code is reported the same way by the session, so throwing a
 * plain `Error` works too.
 *
 * @example
 * ```ts
 * async function* reply(audio: AudioChunk) {
 *   if (audio[1].length === 0) throw new WebRTCError("I did not hear anything");
 *   yield audio;
 * }
 * ```
 */
export class WebRTCError extends Error {
  /** True when the message reached a channel when the error was created. */
  readonly delivered: boolean;
  constructor(message: string) {
    super(message);
    this.name = "WebRTCError";
    this.delivered = sendToCurrent({ type: "error", message });
  }
}

/**
 * Sends `{"type":"warning","message": message}` to the client of the running handler code
 * (FastRTC's `Warning`). Outside handler code it only logs.
 *
 * @param message - Default `"Warning issued."`.
 * @example
 * ```ts
 * warning("Speak a little louder");
 * ```
 */
export function warning(message = "Warning issued."): void {
  if (!sendToCurrent({ type: "warning", message: String(message) })) {
    log.warn("warning() outside a connection", { message });
  }
}

/**
 * FastRTC's name for {@link warning}.
 *
 * @example
 * ```ts
 * Warning("Speak a little louder"); // same as warning()
 * ```
 */
export const Warning = warning;
