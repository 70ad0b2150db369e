/**
 * B2 — end of turn on a labelled set (eot-bench style). Every pause >= 0.2 s of
 * `fixtures/audio/turns/labels.json` is a "hold" (inside a turn) or an "end" (the turn is over).
 * For FastRTC's chunk rule, the streaming policy at its defaults and a sweep of its knobs:
 *
 * - cut-off rate per hold: holds where the policy ended the turn;
 * - latency after each end (p50/p90): end_of_turn time - true speech end;
 * - misses: ends not detected before the next speech or within 3 s;
 * - speech end -> first reply audio with a reply that needs 300 ms: preemptive off
 *   (end_of_turn + 300) and on (the reply starts at each candidate, a cancelled candidate
 *   aborts it, at most 3 preemptive starts per turn; audio = max(start + 300, end_of_turn)).
 *
 * All times are audio times. Probabilities come from Silero v5 / v6.2 run over each whole file in
 * 512-sample frames with the recurrent state carried (what the frame VAD computes); FastRTC's
 * rule is the real `ReplyOnPause.determinePause` (default `algoOptions`, Silero v4 chunk VAD)
 * fed 20 ms frames, awaited one by one, so its decisions fall exactly where FastRTC's would.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { audioToFloat32, floatToInt16Rounded } from "../src/audio/convert.js";
import { resample } from "../src/audio/resample.js";
import { fixturePath } from "../src/audio/testing/fixtures.js";
import { readWavFile } from "../src/audio/wav.js";
import { ReplyOnPause } from "../src/handlers/ReplyOnPause.js";
import { EndOfTurnPolicy } from "../src/turns/endOfTurn.js";
import { DEFAULT_END_OF_TURN_OPTIONS, type EndOfTurnOptions } from "../src/turns/endOfTurnTypes.js";
import type { TurnDetector } from "../src/turns/turnDetectorTypes.js";
import { getSileroModel } from "../src/vad/silero.js";
import {
  defaultSileroModelPath,
  SileroInference,
  type SileroVersion,
} from "../src/vad/sileroInference.js";
import { type BenchReport, percentile } from "./report.js";

const RATE = 16_000;
const FRAME_MS = 32;
const REPLY_MS = 300;
const MAX_PREEMPTIVE = 3;
const MISS_AFTER_MS = 3000;

interface Pause {
  start: number;
  end: number;
  label: "hold" | "end";
}
interface LabelFile {
  file: string;
  origin: "real" | "synthetic";
  inBench: boolean;
  rate: number;
  durationS: number;
  padAfterS: number;
  segments: Array<[number, number]>;
  pauses: Pause[];
}
interface Item {
  label: LabelFile;
  /** 16 kHz mono, the file then `padAfterS` of digital silence. */
  audio: Float32Array;
  probs: Partial<Record<SileroVersion, Float32Array>>;
}

/** What a policy did on one file, in audio ms. */
interface Trace {
  /** Decisions that ended a turn: [speechEndMs (as the policy saw it), atMs]. */
  ends: Array<{ from: number; at: number; replyOn: number }>;
  candidates: number;
  preemptiveStarts: number;
  abortedStarts: number;
  detectorMs: number[];
}

async function loadSet(versions: SileroVersion[]): Promise<Item[]> {
  const labels = JSON.parse(readFileSync(fixturePath("turns/labels.json"), "utf8")) as {
    files: LabelFile[];
  };
  const items: Item[] = [];
  for (const label of labels.files.filter((f) => f.inBench)) {
    const wav = await readWavFile(fixturePath(label.file));
    const x = resample(audioToFloat32(wav.samples as Int16Array), wav.sampleRate, RATE);
    const audio = new Float32Array(x.length + Math.round(label.padAfterS * RATE));
    audio.set(x);
    items.push({ label, audio, probs: {} });
  }
  for (const v of versions) {
    const model = await SileroInference.create(defaultSileroModelPath(v), v);
    for (const it of items) it.probs[v] = await model.probabilities(it.audio, 512);
    await model.dispose();
  }
  return items;
}

/** Turn audio the detector hears: from the onset (minus prefix padding) to `atMs`. */
function turnAudio(it: Item, fromMs: number, toMs: number): Float32Array {
  const a = Math.max(0, Math.round((fromMs / 1000) * RATE));
  return it.audio.subarray(a, Math.round((toMs / 1000) * RATE));
}

/** Runs the streaming policy over one file's probabilities, with preemptive bookkeeping. */
async function runPolicy(
  it: Item,
  version: SileroVersion,
  options: Partial<EndOfTurnOptions>,
  detector?: { name: string; d: TurnDetector; cache: Map<string, { p: number; ms: number }> },
): Promise<Trace> {
  const probs = it.probs[version] as Float32Array;
  const policy = new EndOfTurnPolicy(options);
  const tr: Trace = {
    ends: [],
    candidates: 0,
    preemptiveStarts: 0,
    abortedStarts: 0,
    detectorMs: [],
  };
  let onsetMs = 0;
  let starts = 0;
  let active: number | null = null;
  // Detector answers arrive after the detector's own compute time (measured on its first call).
  const pending: Array<{ candidate: number; frame: number; p: number }> = [];
  let frame = 0;
  for (const p of probs) {
    frame++;
    for (let k = pending.length - 1; k >= 0; k--) {
      const a = pending[k] as (typeof pending)[number];
      if (a.frame > frame) continue;
      policy.setEndProbability(a.candidate, a.p);
      pending.splice(k, 1);
    }
    for (const s of policy.pushFrame(p)) {
      if (s.type === "speech_started") {
        onsetMs = s.onsetMs;
        starts = 0;
        active = null;
      } else if (s.type === "candidate") {
        tr.candidates++;
        if (starts < MAX_PREEMPTIVE) {
          starts++;
          tr.preemptiveStarts++;
          active = s.atMs;
        }
        if (detector) {
          const from = onsetMs - policy.options.prefixPaddingMs;
          const key = `${it.label.file}|${from}|${s.atMs}`;
          let answer = detector.cache.get(key);
          if (answer === undefined) {
            const t0 = performance.now();
            const p = await detector.d.endOfTurnProbability({
              audio: [RATE, turnAudio(it, from, s.atMs)],
            });
            answer = { p, ms: performance.now() - t0 };
            tr.detectorMs.push(answer.ms);
            detector.cache.set(key, answer);
          }
          // It takes effect from the first frame that starts after the answer is there.
          pending.push({
            candidate: s.candidate,
            frame: frame + Math.ceil(answer.ms / FRAME_MS),
            p: answer.p,
          });
        }
      } else if (s.type === "candidate_cancelled") {
        if (active !== null) tr.abortedStarts++;
        active = null;
      } else if (s.type === "end_of_turn") {
        const replyOn = active !== null ? Math.max(active + REPLY_MS, s.atMs) : s.atMs + REPLY_MS;
        tr.ends.push({ from: s.speechEndMs, at: s.atMs, replyOn });
        active = null;
      }
    }
  }
  return tr;
}

/** FastRTC's rule, the real code: `ReplyOnPause.determinePause` with default `algoOptions`. */
class FastRtcRule extends ReplyOnPause {
  constructor() {
    super(function* () {}, { model: getSileroModel({ version: "v4" }) });
  }

  /** Feeds one frame as `receive()` does; true when FastRTC would start a reply. */
  async step(samples: Int16Array): Promise<boolean> {
    const s = this.state;
    if (s.samplingRate === 0) s.samplingRate = RATE;
    s.buffer.push(samples);
    s.bufferLength += samples.length;
    const pause = await this.determinePause(s);
    if (pause) this.state = this.createState(); // the reply starts and takes the turn's audio
    return pause;
  }
}

async function runFastRtc(it: Item): Promise<Trace> {
  const rule = new FastRtcRule();
  const pcm = floatToInt16Rounded(it.audio);
  const tr: Trace = {
    ends: [],
    candidates: 0,
    preemptiveStarts: 0,
    abortedStarts: 0,
    detectorMs: [],
  };
  const n = RATE / 50; // 20 ms frames
  const chunkMs = rule.algoOptions.audioChunkDuration * 1000;
  for (let i = 0; i < pcm.length; i += n) {
    const frame = pcm.subarray(i, Math.min(pcm.length, i + n));
    if (await rule.step(frame.slice())) {
      const at = ((i + frame.length) / RATE) * 1000;
      tr.ends.push({ from: at - chunkMs, at, replyOn: at + REPLY_MS });
    }
  }
  return tr;
}

interface Score {
  holds: number;
  cutHolds: number;
  holdsReal: number;
  cutReal: number;
  ends: number;
  latency: number[];
  replyOff: number[];
  replyOn: number[];
  misses: number;
  /** Ends decided over no labelled pause (a gap < 0.2 s inside speech). */
  inSpeech: number;
  candidates: number;
  preemptiveStarts: number;
  abortedStarts: number;
  detectorMs: number[];
}

function emptyScore(): Score {
  return {
    holds: 0,
    cutHolds: 0,
    holdsReal: 0,
    cutReal: 0,
    ends: 0,
    latency: [],
    replyOff: [],
    replyOn: [],
    misses: 0,
    inSpeech: 0,
    candidates: 0,
    preemptiveStarts: 0,
    abortedStarts: 0,
    detectorMs: [],
  };
}

/**
 * The labelled pause a decision belongs to: the one that overlaps most the stretch the decision
 * looked at (the policy: from where it saw the silence begin to its decision; FastRTC: the
 * 0.6 s chunk it judged). `-1` when it overlaps none.
 */
function assign(pauses: Pause[], fromMs: number, atMs: number): number {
  let best = -1;
  let bestOverlap = 0;
  pauses.forEach((p, i) => {
    const o = Math.min(atMs, p.end * 1000) - Math.max(fromMs, p.start * 1000);
    if (o > bestOverlap) {
      bestOverlap = o;
      best = i;
    }
  });
  return best;
}

function score(into: Score, it: Item, tr: Trace): void {
  const pauses = it.label.pauses;
  const byPause = new Map<number, Trace["ends"]>();
  for (const e of tr.ends) {
    const i = assign(pauses, e.from, e.at);
    if (i < 0) into.inSpeech++;
    else byPause.set(i, [...(byPause.get(i) ?? []), e]);
  }
  pauses.forEach((p, i) => {
    const decided = byPause.get(i) ?? [];
    if (p.label === "hold") {
      into.holds++;
      if (it.label.origin === "real") into.holdsReal++;
      if (decided.length > 0) {
        into.cutHolds++;
        if (it.label.origin === "real") into.cutReal++;
      }
      return;
    }
    into.ends++;
    const startMs = p.start * 1000;
    const limit = Math.min(p.end * 1000, startMs + MISS_AFTER_MS);
    const first = decided.find((e) => e.at <= limit);
    if (!first) {
      into.misses++;
      return;
    }
    into.latency.push(first.at - startMs);
    into.replyOff.push(first.at + REPLY_MS - startMs);
    into.replyOn.push(first.replyOn - startMs);
  });
  into.candidates += tr.candidates;
  into.preemptiveStarts += tr.preemptiveStarts;
  into.abortedStarts += tr.abortedStarts;
  into.detectorMs.push(...tr.detectorMs);
}

const pct = (a: number, b: number) => (b === 0 ? null : Math.round((1000 * a) / b) / 10);
const r0 = (v: number | null) => (v === null ? null : Math.round(v));

function row(variant: string, s: Score, preemptive: boolean): BenchReport["rows"][number] {
  return {
    variant,
    "cut-off %": pct(s.cutHolds, s.holds),
    "cut real %": pct(s.cutReal, s.holdsReal),
    "end p50": r0(percentile(s.latency, 50)),
    "end p90": r0(percentile(s.latency, 90)),
    misses: s.misses,
    "in speech": s.inSpeech,
    "reply off p50": r0(percentile(s.replyOff, 50)),
    "reply off p90": r0(percentile(s.replyOff, 90)),
    "reply on p50": preemptive ? r0(percentile(s.replyOn, 50)) : null,
    "reply on p90": preemptive ? r0(percentile(s.replyOn, 90)) : null,
    "aborted starts": preemptive ? s.abortedStarts : null,
  };
}

const MAIN_COLUMNS = [
  "variant",
  "cut-off %",
  "cut real %",
  "end p50",
  "end p90",
  "misses",
  "in speech",
  "reply off p50",
  "reply off p90",
  "reply on p50",
  "reply on p90",
  "aborted starts",
];

async function scorePolicy(
  items: Item[],
  version: SileroVersion,
  options: Partial<EndOfTurnOptions>,
  detector?: { name: string; d: TurnDetector; cache: Map<string, { p: number; ms: number }> },
): Promise<Score> {
  const s = emptyScore();
  for (const it of items) score(s, it, await runPolicy(it, version, options, detector));
  return s;
}

/**
 * Every class exported by `src/turns/detectors/*.ts` whose instances answer
 * `endOfTurnProbability`, built with no arguments. Read from the file system so the bench
 * follows whatever detectors exist.
 */
async function findDetectors(): Promise<Array<{ name: string; d: TurnDetector }>> {
  const dir = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "turns", "detectors");
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
  } catch {
    return [];
  }
  const out: Array<{ name: string; d: TurnDetector }> = [];
  for (const f of files.sort()) {
    const mod = (await import(pathToFileURL(join(dir, f)).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) {
      if (typeof value !== "function") continue;
      const proto = (value as { prototype?: { endOfTurnProbability?: unknown } }).prototype;
      if (typeof proto?.endOfTurnProbability !== "function") continue;
      const d = new (value as new () => TurnDetector)();
      await d.warmup?.();
      out.push({ name, d });
    }
  }
  return out;
}

interface SweepPoint {
  endSilenceMs: number;
  candidateSilenceMs: number;
  dynamic: boolean;
  s: Score;
}

export async function run(): Promise<BenchReport[]> {
  const items = await loadSet(["v5", "v6"]);
  const holds = items.reduce(
    (a, it) => a + it.label.pauses.filter((p) => p.label === "hold").length,
    0,
  );
  const ends = items.reduce(
    (a, it) => a + it.label.pauses.filter((p) => p.label === "end").length,
    0,
  );
  const synth = items.filter((it) => it.label.origin === "synthetic");
  const real = items.filter((it) => it.label.origin === "real");
  const count = (list: Item[], l: "hold" | "end") =>
    list.reduce((a, it) => a + it.label.pauses.filter((p) => p.label === l).length, 0);

  // FastRTC's rule.
  const fastrtc = emptyScore();
  for (const it of items) score(fastrtc, it, await runFastRtc(it));
  await getSileroModel({ version: "v4" }).close();
  const fastrtcCut = fastrtc.cutHolds / fastrtc.holds;

  const mainRows: BenchReport["rows"] = [row("FastRTC rule (v4, 0.6 s chunks)", fastrtc, false)];
  for (const v of ["v5", "v6"] as const) {
    const s = await scorePolicy(items, v, {});
    mainRows.push(row(`policy defaults (Silero ${v === "v6" ? "v6.2" : "v5"})`, s, true));
  }

  // Sweep (Silero v6.2, the frame VAD's default).
  const sweep: SweepPoint[] = [];
  for (const dynamic of [false, true]) {
    for (const candidateSilenceMs of [64, 96, 160]) {
      for (const endSilenceMs of [320, 400, 440, 480, 520, 560, 640, 800, 960, 1200]) {
        const s = await scorePolicy(items, "v6", { endSilenceMs, candidateSilenceMs, dynamic });
        sweep.push({ endSilenceMs, candidateSilenceMs, dynamic, s });
      }
    }
  }
  const meets = (s: Score) =>
    (percentile(s.replyOn, 50) ?? Number.POSITIVE_INFINITY) <= 500 &&
    s.cutHolds / s.holds <= fastrtcCut &&
    s.misses === 0;
  const sweepRows = sweep
    .map((p) => ({
      endSilenceMs: p.endSilenceMs,
      candidateMs: p.candidateSilenceMs,
      dynamic: p.dynamic ? "on" : "off",
      "cut-off %": pct(p.s.cutHolds, p.s.holds),
      "end p50": r0(percentile(p.s.latency, 50)),
      "end p90": r0(percentile(p.s.latency, 90)),
      misses: p.s.misses,
      "reply off p50": r0(percentile(p.s.replyOff, 50)),
      "reply on p50": r0(percentile(p.s.replyOn, 50)),
      "reply on p90": r0(percentile(p.s.replyOn, 90)),
      goal: meets(p.s) ? "yes" : "",
    }))
    .sort(
      (a, b) =>
        (a["end p50"] ?? 0) - (b["end p50"] ?? 0) || (a["cut-off %"] ?? 0) - (b["cut-off %"] ?? 0),
    );

  // Turn detectors, if any exist, at the defaults and at two fixed windows.
  const detectorRows: BenchReport["rows"] = [];
  const detectorNotes: string[] = [];
  let detectors: Array<{ name: string; d: TurnDetector }> = [];
  try {
    // B2_DETECTORS=0 skips them (they can be slow: a transcript detector runs STT per candidate).
    if (process.env.B2_DETECTORS !== "0") detectors = await findDetectors();
  } catch (err) {
    detectorNotes.push(`turn detectors not measured: ${(err as Error).message}`);
  }
  for (const { name, d } of detectors) {
    const cache = new Map<string, { p: number; ms: number }>();
    const configs: Array<[string, Partial<EndOfTurnOptions>]> = [
      ["defaults", {}],
      ["endSilenceMs 640, dynamic off", { dynamic: false }],
      ["endSilenceMs 480, dynamic off", { endSilenceMs: 480, dynamic: false }],
      ["endSilenceMs 800, dynamic off", { endSilenceMs: 800, dynamic: false }],
      ["endSilenceMs 960, dynamic off", { endSilenceMs: 960, dynamic: false }],
    ];
    try {
      for (const [label, o] of configs) {
        const s = await scorePolicy(items, "v6", o, { name, d, cache });
        detectorRows.push(row(`${name} + ${label}`, s, true));
        detectorNotes.push(
          `${name} + ${label}: ${s.detectorMs.length} new detector calls, p50 ${r0(percentile(s.detectorMs, 50))} ms each`,
        );
      }
    } catch (err) {
      detectorNotes.push(`${name} failed: ${(err as Error).message}`);
    }
    await (d as { close?: () => Promise<void> }).close?.();
  }

  const d = DEFAULT_END_OF_TURN_OPTIONS;
  const setNote =
    `set: ${items.length} files, ${holds} holds (${count(synth, "hold")} synthetic, ` +
    `${count(real, "hold")} real), ${ends} ends (${count(synth, "end")} synthetic, ` +
    `${count(real, "end")} real); synthetic = espeak-ng turns (fixtures/audio/turns/MANIFEST.md)`;
  return [
    {
      id: "B2",
      title: "end of turn on the labelled set: cut-offs per hold, latency after ends (audio ms)",
      columns: MAIN_COLUMNS,
      rows: [...mainRows, ...detectorRows],
      notes: [
        setNote,
        `policy defaults: candidate ${d.candidateSilenceMs} ms, endSilence ${d.endSilenceMs} ms, ` +
          `min/max ${d.minEndSilenceMs}/${d.maxEndSilenceMs} ms, dynamic ${d.dynamic}`,
        "cut-off % = holds where the turn was ended; cut real % = the same over the real recordings only",
        "end p50/p90 = end_of_turn - labelled speech end; misses = no end within 3 s or before the next speech",
        "in speech = ends decided over no labelled pause (a gap < 0.2 s inside speech)",
        `reply = first reply audio after the speech end with a ${REPLY_MS} ms reply: off = end + ${REPLY_MS}; ` +
          `on = preemptive at each candidate (<= ${MAX_PREEMPTIVE} per turn); aborted = preemptive starts cancelled`,
        "goal: reply on p50 <= 500 ms and cut-off % <= FastRTC's rule",
        "detector rows: asked at each candidate with the turn audio (onset - prefix padding .. candidate), " +
          "no transcript given; the answer applies after the detector's measured compute time (first call, this machine)",
        ...detectorNotes,
      ],
    },
    {
      id: "B2-sweep",
      title:
        "end-of-turn policy sweep (Silero v6.2): the cut-off / latency curve, sorted by end p50",
      columns: [
        "endSilenceMs",
        "candidateMs",
        "dynamic",
        "cut-off %",
        "end p50",
        "end p90",
        "misses",
        "reply off p50",
        "reply on p50",
        "reply on p90",
        "goal",
      ],
      rows: sweepRows,
      notes: [
        setNote,
        `FastRTC's rule: cut-off ${pct(fastrtc.cutHolds, fastrtc.holds)} %, reply p50 ${r0(percentile(fastrtc.replyOff, 50))} ms`,
        "goal = reply on p50 <= 500 ms, cut-off % <= FastRTC's rule, no misses",
      ],
    },
  ];
}
