import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** One benchmark's outcome: a table to print and the same figures as JSON. */
export interface BenchReport {
  /** Benchmark id from docs (B1, B2, ...). */
  id: string;
  title: string;
  /** Column order for the printed table. */
  columns: string[];
  rows: Record<string, string | number | null>[];
  /** Free-form notes printed under the table and stored in the JSON. */
  notes?: string[];
}

const resultsDir = join(dirname(fileURLToPath(import.meta.url)), "results");

function cell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return "-";
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return String(v);
    return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) >= 100 ? 1 : 3);
  }
  return v;
}

/** Prints `report` as a table and writes `bench/results/<id>.json`. Returns the JSON path. */
export function publish(report: BenchReport): string {
  const widths = report.columns.map((c) =>
    Math.max(c.length, ...report.rows.map((r) => cell(r[c]).length)),
  );
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i] ?? 0)).join("  ");
  console.log(`\n${report.id} — ${report.title}`);
  console.log(line(report.columns));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of report.rows) console.log(line(report.columns.map((c) => cell(r[c]))));
  for (const n of report.notes ?? []) console.log(`  note: ${n}`);
  mkdirSync(resultsDir, { recursive: true });
  const path = join(resultsDir, `${report.id}.json`);
  writeFileSync(
    path,
    `${JSON.stringify({ ...report, node: process.version, date: new Date().toISOString() }, null, 2)}\n`,
  );
  return path;
}

/** The p-th percentile (0..100) of `values` by linear interpolation; `null` when empty. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const idx = (p / 100) * (s.length - 1);
  const lo = Math.floor(idx);
  const hi = Math.ceil(idx);
  const a = s[lo] ?? 0;
  const b = s[hi] ?? a;
  return a + (b - a) * (idx - lo);
}
