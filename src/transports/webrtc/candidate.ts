/**
 * A trickled ICE candidate as browsers send it (`RTCIceCandidate.toJSON()`).
 *
 * @example
 * ```ts
 * const init: IceCandidateInit = { candidate: "candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host", sdpMid: "0", sdpMLineIndex: 0 };
 * ```
 */
export interface IceCandidateInit {
  candidate: string;
  sdpMid?: string | null;
  sdpMLineIndex?: number | null;
  usernameFragment?: string | null;
}

/** Result of {@link checkTrickledCandidate}: a candidate ready to add, or FastRTC's error text. */
export type CandidateCheck = { ok: true; init: IceCandidateInit } | { ok: false; error: string };

/**
 * Validates a trickled candidate the way FastRTC does (spec §2.1): the candidate string split on
 * whitespace must have at least 10 tokens and start with `candidate:`, else
 * `invalid_candidate_format` (which includes the empty end-of-candidates string). A value that is
 * not an object with a string `candidate` gives an error text of its own, as FastRTC's parser
 * would.
 *
 * @example
 * ```ts
 * const check = checkTrickledCandidate(body.candidate);
 * if (!check.ok) return { status: "failed", meta: { error: check.error } };
 * await pc.addIceCandidate(check.init);
 * ```
 */
export function checkTrickledCandidate(value: unknown): CandidateCheck {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, error: `candidate must be an object, got ${describe(value)}` };
  }
  const c = value as Record<string, unknown>;
  if (typeof c.candidate !== "string") {
    return {
      ok: false,
      error: `candidate.candidate must be a string, got ${describe(c.candidate)}`,
    };
  }
  const tokens = c.candidate.trim().split(/\s+/);
  if (tokens.length < 10 || !tokens[0]?.startsWith("candidate:")) {
    return { ok: false, error: "invalid_candidate_format" };
  }
  if (
    !/^\d+$/.test(tokens[1] ?? "") ||
    !/^\d+$/.test(tokens[3] ?? "") ||
    !/^\d+$/.test(tokens[5] ?? "")
  ) {
    return { ok: false, error: "invalid literal for int() in candidate" };
  }
  const sdpMid = c.sdpMid;
  const sdpMLineIndex = c.sdpMLineIndex;
  if (sdpMid !== undefined && sdpMid !== null && typeof sdpMid !== "string") {
    return { ok: false, error: `candidate.sdpMid must be a string, got ${describe(sdpMid)}` };
  }
  if (
    sdpMLineIndex !== undefined &&
    sdpMLineIndex !== null &&
    !(typeof sdpMLineIndex === "number" && Number.isInteger(sdpMLineIndex) && sdpMLineIndex >= 0)
  ) {
    return { ok: false, error: "candidate.sdpMLineIndex must be a non-negative integer" };
  }
  const init: IceCandidateInit = { candidate: c.candidate, sdpMid: sdpMid ?? null };
  if (typeof sdpMLineIndex === "number") init.sdpMLineIndex = sdpMLineIndex;
  if (typeof c.usernameFragment === "string") init.usernameFragment = c.usernameFragment;
  return { ok: true, init };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}
