import { describe, expect, it } from "vitest";
import { EchoGuard } from "./echoGuard.js";

/** A syllable-like level contour: 20 ms frames between -12 and -40 dBFS. */
function speechLevel(i: number): number {
  const phase = (i * 7) % 13;
  return phase < 8 ? -12 - phase * 2 : -40;
}

/** Runs `frames` input frames of 20 ms; sent frame i is released at 20 i. */
function run(heard: (i: number, sent: (j: number) => number) => number, frames = 100) {
  const guard = new EchoGuard();
  const sent: Array<{ at: number; db: number }> = [];
  const echo: boolean[] = [];
  for (let i = 0; i < frames; i++) {
    sent.push({ at: i * 20, db: speechLevel(i) });
    if (sent.length > 50) sent.shift();
    const level = heard(i, (j) => (j >= 0 ? speechLevel(j) : Number.NEGATIVE_INFINITY));
    echo.push(guard.isEcho(i * 20 + 5, level, sent));
  }
  return echo;
}

describe("EchoGuard", () => {
  it("the reply's own voice, 25 dB down and 100 ms late, is echo throughout", () => {
    const echo = run((i, sent) => sent(i - 5) - 25);
    expect(echo.every((e) => e)).toBe(true);
  });

  it("the same at 10 dB down (no echo cancellation) is echo once the delay is learned", () => {
    const echo = run((i, sent) => sent(i - 5) - 10);
    expect(echo.slice(12).every((e) => e)).toBe(true);
  });

  it("a quiet person who does not follow the reply is not echo (after the first ~240 ms)", () => {
    // Syllables of their own (another rhythm), around -35 dBFS: 20+ dB under the reply's peaks,
    // which a level rule with a 15 dB margin would drop.
    const echo = run((i) => -35 + 8 * Math.sin(i * 0.9) + (i % 4 === 0 ? -12 : 0));
    expect(echo.slice(13).filter((e) => e).length).toBeLessThanOrEqual(1);
  });

  it("a person talking over the echo rises above the echo line and counts", () => {
    const echo = run((i, sent) => {
      const e = sent(i - 5) - 25;
      if (i < 60) return e;
      // The person's voice, at -20 dBFS, on top of the echo.
      return 10 * Math.log10(10 ** (e / 10) + 10 ** (-20 / 10));
    });
    expect(echo.slice(0, 60).every((x) => x)).toBe(true);
    expect(echo.slice(60, 64).some((x) => !x)).toBe(true);
  });

  it("silence in the input is echo-free and harmless; with nothing sent nothing is echo", () => {
    const guard = new EchoGuard();
    for (let i = 0; i < 30; i++) expect(guard.isEcho(i * 20, -30, [])).toBe(false);
  });
});
