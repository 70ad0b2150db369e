/**
 * B2 — end-of-turn delay: for every labelled fixture, stream it (then 2 s of silence) through
 * ReplyOnPause on virtual time and measure, in audio time, how long after the true end of each
 * turn `pause_detected` comes. Counts false endpoints (a pause inside a turn) and misses.
 */
import { readFileSync } from "node:fs";
import { fixturePath } from "../src/audio/testing/fixtures.js";
import { readWavFile } from "../src/audio/wav.js";
import { ReplyOnPause } from "../src/handlers/ReplyOnPause.js";
import type { AlgoOptions } from "../src/handlers/replyOnPauseTypes.js";
import { createHarness } from "../src/session/testing/harness.js";
import { getSileroModel } from "../src/vad/silero.js";
import type { SileroVadOptions } from "../src/vad/types.js";
import { type BenchReport, percentile } from "./report.js";

interface Labelled {
  file: string;
  /** Turns as [start, end] seconds: speech separated by less than 1 s is one turn. */
  turns: Array<[number, number]>;
}

function syntheticTurns(): Labelled[] {
  const rows = readFileSync(fixturePath("synthetic/segments.tsv"), "utf8")
    .trim()
    .split("\n")
    .slice(1);
  const byFile = new Map<string, Array<[number, number]>>();
  for (const r of rows) {
    const c = r.split("\t");
    const list = byFile.get(c[0] as string) ?? [];
    list.push([Number(c[5]), Number(c[6])]);
    byFile.set(c[0] as string, list);
  }
  return [...byFile].map(([file, segs]) => ({
    file: `synthetic/${file}`,
    turns: mergeTurns(segs),
  }));
}

function mergeTurns(segs: Array<[number, number]>, gap = 1.0): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const s of segs) {
    const last = out.at(-1);
    if (last && s[0] - last[1] < gap) last[1] = s[1];
    else out.push([s[0], s[1]]);
  }
  return out;
}

const FIXTURES: Labelled[] = [
  ...syntheticTurns(),
  { file: "leopard__test.wav", turns: [[0.54, 5.34]] },
  // Official labels end at 4.0 s; the MANIFEST's energy check finds speech until 5.64 s.
  { file: "speechbrain__vad_train.wav", turns: [[0.52, 5.64]] },
];

interface Variant {
  name: string;
  version: "v4" | "v5";
  algo?: Partial<AlgoOptions>;
  vad?: Partial<SileroVadOptions>;
}

const VARIANTS: Variant[] = [
  { name: "fastrtc-default (v4)", version: "v4" },
  { name: "silero v5, same options", version: "v5" },
];

async function measure(variant: Variant) {
  const model = getSileroModel({ version: variant.version });
  const delays: number[] = [];
  let falseEndpoints = 0;
  let misses = 0;
  let turns = 0;
  for (const fx of FIXTURES) {
    const wav = await readWavFile(fixturePath(fx.file));
    const pauses: number[] = [];
    let h: ReturnType<typeof createHarness> | null = null;
    const handler = new ReplyOnPause(
      function* () {
        pauses.push((h as ReturnType<typeof createHarness>).pushedSeconds);
      },
      { model, algoOptions: variant.algo ?? {}, modelOptions: variant.vad },
    );
    h = createHarness(handler);
    await h.feed(wav.samples as Int16Array, wav.sampleRate);
    await h.silence(2000, wav.sampleRate);
    await h.close();
    turns += fx.turns.length;
    fx.turns.forEach(([start, end], i) => {
      const next = fx.turns[i + 1]?.[0] ?? Number.POSITIVE_INFINITY;
      falseEndpoints += pauses.filter((p) => p > start && p < end).length;
      const after = pauses.filter((p) => p >= end && p < next);
      if (after.length === 0) misses++;
      else delays.push(((after[0] as number) - end) * 1000);
    });
  }
  return { delays, falseEndpoints, misses, turns };
}

export async function run(): Promise<BenchReport> {
  const rows: BenchReport["rows"] = [];
  for (const v of VARIANTS) {
    const m = await measure(v);
    rows.push({
      variant: v.name,
      turns: m.turns,
      "p50 ms": percentile(m.delays, 50),
      "p90 ms": percentile(m.delays, 90),
      "max ms": m.delays.length ? Math.max(...m.delays) : null,
      "false endpoints": m.falseEndpoints,
      misses: m.misses,
    });
  }
  for (const version of ["v4", "v5"] as const) await getSileroModel({ version }).close();
  return {
    id: "B2",
    title: "end-of-turn delay (audio time from labelled end of turn to pause_detected)",
    columns: ["variant", "turns", "p50 ms", "p90 ms", "max ms", "false endpoints", "misses"],
    rows,
    notes: [
      `fixtures: ${FIXTURES.map((f) => f.file).join(", ")} (synthetic at 16k and 48k)`,
      "speech separated by < 1 s counts as one turn; each file is followed by 2 s of silence",
    ],
  };
}
