import { WebSocket } from "ws";
import { muLawDecode, muLawEncode } from "../../audio/g711.js";
import { waitFor } from "./peers.js";

/**
 * A raw WebSocket client for wire-level tests of `/websocket/offer` and `/telephone/handler`:
 * records every text frame (parsed when JSON) and the close code.
 *
 * @internal
 */
export interface WsPeer {
  socket: WebSocket;
  /** Every message received, parsed (non-JSON text is kept as `{ raw }`). */
  messages: Array<Record<string, unknown>>;
  /** Close code and reason once closed. */
  closed: { code: number; reason: string } | null;
  send(value: unknown): void;
  sendRaw(data: string | Buffer): void;
  /** Sends int16 audio as one µ-law media message. */
  sendAudio(samples: Int16Array): void;
  /** Messages with `event == name` (or `type == name`). */
  of(name: string): Array<Record<string, unknown>>;
  /** Decoded µ-law samples of every media message received. */
  audio(): Int16Array;
  waitFor(check: () => boolean, what?: string, timeoutMs?: number): Promise<void>;
  waitClosed(timeoutMs?: number): Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

/**
 * Opens a raw WebSocket; resolves once open (rejects on an HTTP refusal with its status).
 *
 * @internal
 */
export function openWs(url: string, headers: Record<string, string> = {}): Promise<WsPeer> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    const peer: WsPeer = {
      socket,
      messages: [],
      closed: null,
      send: (value) => socket.send(JSON.stringify(value)),
      sendRaw: (data) => socket.send(data),
      sendAudio: (samples) =>
        socket.send(
          JSON.stringify({
            event: "media",
            media: { payload: Buffer.from(muLawEncode(samples)).toString("base64") },
          }),
        ),
      of: (name) => peer.messages.filter((m) => m.event === name || m.type === name),
      audio: () => {
        const parts = peer
          .of("media")
          .map((m) =>
            muLawDecode(
              new Uint8Array(Buffer.from((m.media as { payload: string }).payload, "base64")),
            ),
          );
        const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) {
          out.set(p, at);
          at += p.length;
        }
        return out;
      },
      waitFor: (check, what = "condition", timeoutMs = 10_000) => waitFor(check, timeoutMs, what),
      waitClosed: async (timeoutMs = 10_000) => {
        await waitFor(() => peer.closed !== null, timeoutMs, "socket close");
        return peer.closed as { code: number; reason: string };
      },
      close: async () => {
        if (peer.closed) return;
        socket.close();
        await waitFor(() => peer.closed !== null, 5000, "socket close").catch(() =>
          socket.terminate(),
        );
      },
    };
    socket.on("message", (data) => {
      const text = data.toString();
      try {
        peer.messages.push(JSON.parse(text) as Record<string, unknown>);
      } catch {
        peer.messages.push({ raw: text });
      }
    });
    socket.on("close", (code, reason) => {
      peer.closed = { code, reason: reason.toString() };
    });
    socket.on("unexpected-response", (_req, res) => {
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode }));
      socket.terminate();
    });
    socket.on("error", (err) => reject(err));
    socket.on("open", () => resolve(peer));
  });
}
