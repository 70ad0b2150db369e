/**
 * Issue 12, "Must show": a seeded fuzz run over every route (SDP mutations, JSON shapes and
 * depths, sizes, methods, request lines, Host/forwarded headers, WebSocket frames and floods,
 * Twilio messages and signatures) while a WebSocket and a WebRTC neighbour keep getting
 * replies. No crash, no 5xx except FastRTC's documented one, no hang, every slot freed.
 * The long run is `npm run bench -- fuzz`.
 */
import { describe, expect, it } from "vitest";
import { FUZZ_ROUTES } from "./testing/fuzz.js";
import { runFuzz } from "./testing/fuzzRunner.js";

describe("seeded fuzz over every route with live neighbours", () => {
  it("seed 12: 0 crashes, 0 undocumented 5xx, 0 hangs, neighbours served, slots free", async () => {
    const report = await runFuzz({ seed: 12, casesPerRoute: 60, concurrency: 6 });
    expect(report.crashes).toEqual([]);
    expect(report.failures).toEqual([]);
    expect(report.neighbourFailures).toEqual([]);
    expect(report.neighbourReplies.websocket).toBeGreaterThan(0);
    expect(report.neighbourReplies.webrtc).toBeGreaterThan(0);
    expect(report.liveAfterCases).toBe(2);
    expect(report.liveAtEnd).toBe(0);
    expect(report.serverClosed).toBe(true);
    for (const route of FUZZ_ROUTES) {
      const total = Object.values(report.counts[route] ?? {}).reduce((a, b) => a + b, 0);
      expect(total, route).toBe(60);
    }
  }, 60_000);
});
