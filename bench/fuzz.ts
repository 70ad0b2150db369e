/**
 * Fuzz — the long seeded fuzz run of issue 12: `FUZZ_CASES` (default 2,000) cases per route
 * against a launched stream with a live WebSocket and WebRTC neighbour (see
 * `src/server/testing/fuzzRunner.ts`). Prints, per route, how many cases ended with each
 * status (HTTP status, `close <code>`, `http <status>` for refused upgrades), then the failures
 * (undocumented 5xx, hangs, crashes), the neighbours' replies and the slots left.
 *
 * `npm run bench -- fuzz` (`FUZZ_SEED`, `FUZZ_CASES` to change the run).
 */

import { FUZZ_ROUTES } from "../src/server/testing/fuzz.js";
import { runFuzz } from "../src/server/testing/fuzzRunner.js";
import type { BenchReport } from "./report.js";

export async function run(): Promise<BenchReport> {
  const seed = Number(process.env.FUZZ_SEED ?? 2024);
  const casesPerRoute = Number(process.env.FUZZ_CASES ?? 2000);
  const report = await runFuzz({
    seed,
    casesPerRoute,
    concurrency: 6,
    progress: (line) => console.log(`  ${line}`),
  });
  const rows: BenchReport["rows"] = [];
  for (const route of FUZZ_ROUTES) {
    const counts = report.counts[route] ?? {};
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    const byStatus = Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([status, n]) => `${status}: ${n}`)
      .join(", ");
    const failed = report.failures.filter((f) => f.route === route).length;
    rows.push({ route, cases: total, failures: failed, outcomes: byStatus });
  }
  return {
    id: "Fuzz",
    title: `seeded fuzz over every route (seed ${seed}, ${casesPerRoute} cases per route)`,
    columns: ["route", "cases", "failures", "outcomes"],
    rows,
    notes: [
      `crashes: ${report.crashes.length}; failures (undocumented 5xx, hangs): ${report.failures.length}`,
      ...report.failures
        .slice(0, 10)
        .map((f) => `failure ${f.route} ${f.outcome}: ${JSON.stringify(f.sent.slice(0, 120))}`),
      `neighbour replies: websocket ${report.neighbourReplies.websocket}, webrtc ${report.neighbourReplies.webrtc}; missed: ${report.neighbourFailures.length}`,
      ...report.neighbourFailures.slice(0, 5).map((f) => `missed: ${f}`),
      `slots held after the cases: ${report.liveAfterCases} (the 2 neighbours); after they left: ${report.liveAtEnd}; server closed: ${report.serverClosed}`,
      `duration: ${(report.durationMs / 1000).toFixed(1)} s`,
    ],
  };
}
