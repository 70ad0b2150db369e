import { describe, expect, it } from "vitest";
import { checkTrickledCandidate } from "./candidate.js";

const GOOD =
  "candidate:842163049 1 udp 1677729535 192.0.2.10 54400 typ srflx raddr 0.0.0.0 rport 0 generation 0";

describe("checkTrickledCandidate (spec §2.1)", () => {
  it("accepts a browser candidate and keeps sdpMid/sdpMLineIndex", () => {
    const r = checkTrickledCandidate({
      candidate: GOOD,
      sdpMid: "0",
      sdpMLineIndex: 0,
      usernameFragment: "ab",
    });
    expect(r).toEqual({
      ok: true,
      init: { candidate: GOOD, sdpMid: "0", sdpMLineIndex: 0, usernameFragment: "ab" },
    });
  });

  it.each([
    ["empty end-of-candidates", ""],
    ["too few tokens", "candidate:1 1 udp 2122260223 10.0.0.2 50000 typ host"],
    ["no candidate: prefix", GOOD.replace("candidate:", "cand:")],
  ])("%s -> invalid_candidate_format", (_name, candidate) => {
    expect(checkTrickledCandidate({ candidate, sdpMid: "0", sdpMLineIndex: 0 })).toEqual({
      ok: false,
      error: "invalid_candidate_format",
    });
  });

  it("non-object or non-string candidate -> an error text", () => {
    expect(checkTrickledCandidate(null)).toMatchObject({ ok: false, error: /object/ });
    expect(checkTrickledCandidate({ candidate: 5 })).toMatchObject({ ok: false, error: /string/ });
    expect(checkTrickledCandidate({ candidate: GOOD.replace(" 1 udp", " x udp") })).toMatchObject({
      ok: false,
    });
    expect(checkTrickledCandidate({ candidate: GOOD, sdpMLineIndex: -1 })).toMatchObject({
      ok: false,
    });
  });
});
