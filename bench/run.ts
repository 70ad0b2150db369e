/**
 * `npm run bench [ids...]`: runs every benchmark (or the named ones), prints a table for each and
 * writes `bench/results/<id>.json`.
 */

import type { BenchReport } from "./report.js";
import { publish } from "./report.js";

type Bench = { id: string; run: () => Promise<BenchReport | BenchReport[]> };

const benches: Bench[] = [];

async function load(): Promise<void> {
  const mods: Array<[string, string]> = [
    ["B1", "./b1-vad.js"],
    ["B2", "./b2-end-of-turn.js"],
    ["B1b", "./b1b-event-loop.js"],
  ];
  for (const [id, path] of mods) {
    try {
      const mod = (await import(path)) as { run: Bench["run"] };
      benches.push({ id, run: mod.run });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ERR_MODULE_NOT_FOUND") throw err;
    }
  }
}

await load();
const wanted = process.argv.slice(2);
for (const b of benches) {
  if (wanted.length > 0 && !wanted.includes(b.id)) continue;
  const out = await b.run();
  for (const r of Array.isArray(out) ? out : [out]) publish(r);
}
