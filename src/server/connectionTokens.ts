import { randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Header that carries a connection token on `/input_hook` and `/outputs`.
 *
 * @example
 * ```ts
 * fetch("/input_hook", { method: "POST", headers: { [CONNECTION_TOKEN_HEADER]: token }, body });
 * ```
 */
export const CONNECTION_TOKEN_HEADER = "x-fastrtc-token";
/**
 * Body field (trickled candidates) and query parameter (`/outputs`) that carry a token.
 *
 * @example
 * ```ts
 * new EventSource(`/outputs?webrtc_id=${id}&${CONNECTION_TOKEN_FIELD}=${token}`);
 * ```
 */
export const CONNECTION_TOKEN_FIELD = "fastrtc_token";

/**
 * The per-connection tokens of a stream with `connectionTokens: true`: one random token per
 * live connection id, issued when the connection is answered (WebRTC) or started (WebSocket),
 * forgotten when it ends. Requests about an id (`/input_hook`, trickled candidates, `/outputs`)
 * must present it, so a client that learns another session's id still cannot reach it.
 *
 * @example
 * ```ts
 * const tokens = new ConnectionTokens(true);
 * const token = tokens.issue("abc");
 * tokens.check("abc", token); // true
 * ```
 * @internal
 */
export class ConnectionTokens {
  readonly enabled: boolean;
  readonly #tokens = new Map<string, Buffer>();

  constructor(enabled: boolean) {
    this.enabled = enabled;
  }

  /** Issues (or re-issues) the token of `id`; `null` when tokens are off. */
  issue(id: string): string | null {
    if (!this.enabled) return null;
    const token = randomBytes(24);
    this.#tokens.set(id, token);
    return token.toString("base64url");
  }

  /** Forgets the token of an id that ended. */
  forget(id: string): void {
    this.#tokens.delete(id);
  }

  /**
   * True when tokens are off, or `presented` is the token of `id` (compared in constant time).
   * An id without a token (not answered yet, or a telephone call) accepts none.
   */
  check(id: string, presented: unknown): boolean {
    if (!this.enabled) return true;
    const token = this.#tokens.get(id);
    if (!token || typeof presented !== "string" || presented.length > 64) return false;
    const given = Buffer.from(presented, "base64url");
    return given.length === token.length && timingSafeEqual(given, token);
  }
}
