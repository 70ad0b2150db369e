/**
 * `npm run bench [ids...]`: runs every benchmark (or the named ones, case-insensitive, e.g.
 * `npm run bench -- b3 b6`), prints a table for each and writes `bench/results/<id>.json`.
 */

import type { BenchReport } from "./report.js";
import { publish } from "./report.js";

type Run = () => Promise<BenchReport | BenchReport[]>;

/** Benchmark id → module. Modules are imported only when their benchmark runs. */
const BENCHES: Array<[string, string]> = [
  ["B1", "./b1-vad.js"],
  ["B2", "./b2-end-of-turn.js"],
  ["B2d", "./turn-detectors.js"],
  ["B1b", "./b1b-event-loop.js"],
  ["B3", "./b3-reply-overhead.js"],
  ["B4", "./b4-capacity.js"],
  ["B5", "./b5-memory.js"],
  ["B6", "./b6-connect.js"],
  ["B7", "./b7-stt.js"],
  ["B8", "./b8-tts.js"],
  ["B9", "./b9-phone-capacity.js"],
  ["B10", "./b10-barge-in.js"],
  ["B11", "./b11-scale-out.js"],
  ["Fuzz", "./fuzz.js"],
  ["Churn", "./churn.js"],
];

const wanted = process.argv.slice(2).map((a) => a.toLowerCase());
const unknown = wanted.filter((w) => !BENCHES.some(([id]) => id.toLowerCase() === w));
if (unknown.length > 0) {
  console.error(
    `unknown benchmark id(s): ${unknown.join(", ")}; known: ${BENCHES.map(([id]) => id).join(", ")}`,
  );
  process.exit(2);
}

for (const [id, path] of BENCHES) {
  if (wanted.length > 0 && !wanted.includes(id.toLowerCase())) continue;
  const mod = (await import(path)) as { run: Run };
  const out = await mod.run();
  for (const r of Array.isArray(out) ? out : [out]) publish(r);
}
