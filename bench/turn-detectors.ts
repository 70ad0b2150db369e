/**
 * B2d — turn detectors: how well each {@link TurnDetector} of `src/turns/detectors` tells a
 * pause inside a turn ("hold") from the end of a turn ("end"), what one call costs, and what
 * that does to the end-of-turn policy: for every labelled pause, the detector is asked at the
 * candidate point (audio from the start of the turn to 200 ms after the speech stopped: the
 * policy's 96 ms candidate silence plus the frame VAD's offset lag), its answer sets
 * `requiredSilence(window, p)`, and the pause is cut off when it is longer than that; for
 * ends, that silence is the latency. An answer arriving after the window has run out is too
 * late (the turn already ended on the window).
 *
 * The labelled set is `fixtures/audio/turns/labels.json` when it exists, else a synthetic
 * espeak-ng set built in a temporary folder (needs `espeak-ng` and `sox`): every pause inside
 * a turn is a hold, every turn end an end. Synthetic speech is optimistic for prosody (espeak's
 * intonation is stylised) and for STT (clean audio).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixturePath } from "../src/audio/testing/fixtures.js";
import type { AudioChunk } from "../src/audio/types.js";
import { readWavAsChunk } from "../src/audio/wav.js";
import { closeSttModels } from "../src/stt/moonshine.js";
import { ProsodyTurnDetector } from "../src/turns/detectors/prosodyDetector.js";
import { TranscriptTurnDetector } from "../src/turns/detectors/transcriptDetector.js";
import { requiredSilence } from "../src/turns/endOfTurn.js";
import { DEFAULT_END_OF_TURN_OPTIONS } from "../src/turns/endOfTurnTypes.js";
import type { TurnDetector } from "../src/turns/turnDetectorTypes.js";
import { type BenchReport, percentile } from "./report.js";

/**
 * One pause of the set: where speech stops, how long the silence lasts, hold or end.
 *
 * @example
 * ```ts
 * const holds = turns.flatMap((t) => t.pauses).filter((p: LabelledPause) => p.kind === "hold");
 * ```
 */
export interface LabelledPause {
  /** Turn id. */
  turn: string;
  kind: "hold" | "end";
  /** Speech end before the pause, seconds from the start of the file. */
  atS: number;
  /** Length of the silence, seconds (`Infinity` for an end). */
  pauseS: number;
  /** Start of the turn the pause belongs to, seconds. */
  turnStartS: number;
  /** The words spoken in the turn up to this pause (ground truth), when known. */
  textBefore: string | null;
  /** Which group of the set the pause belongs to. */
  group: string;
}

/**
 * One file of the set.
 *
 * @example
 * ```ts
 * const [first]: LabelledTurn[] = await buildEspeakTurnSet("/tmp/b2d");
 * ```
 */
export interface LabelledTurn {
  id: string;
  audio: AudioChunk;
  text: string;
  pauses: LabelledPause[];
  synthetic: boolean;
}

/** `|` marks an inserted pause; the group names the kind of hold it makes. */
const TURNS: Array<{ group: string; text: string }> = [
  // Holds at commas (continuation intonation in the text).
  {
    group: "comma",
    text: "And so my fellow Americans, | ask not what your country can do for you, | ask what you can do for your country.",
  },
  { group: "comma", text: "First, | preheat the oven, | then mix the flour and the eggs." },
  { group: "comma", text: "If you have time tomorrow, | could you call the bank for me?" },
  { group: "comma", text: "When I got home last night, | the door was wide open." },
  { group: "comma", text: "We need apples, | bread, | milk and some cheese." },
  { group: "comma", text: "Honestly, | I don't think that is a good idea." },
  { group: "comma", text: "My sister, | who lives in Boston, | is coming to visit next week." },
  { group: "comma", text: "After the meeting, | send me the notes please." },
  // Holds before a conjunction, after a clause that looks complete.
  { group: "before-conj", text: "I went to the store | and bought some milk." },
  { group: "before-conj", text: "It was raining all day | so we stayed inside." },
  { group: "before-conj", text: "I tried to call him | but nobody answered." },
  { group: "before-conj", text: "We could take the train | or we could drive." },
  { group: "before-conj", text: "She left early | because she had a headache." },
  { group: "before-conj", text: "Book a table for two | and tell them we will be late." },
  // Holds after a conjunction, filler, preposition or article (unfinished words).
  { group: "after-word", text: "I wanted to call you but | I forgot your number." },
  { group: "after-word", text: "I think um | we should leave at six." },
  { group: "after-word", text: "Could you put it on the | kitchen table?" },
  { group: "after-word", text: "The problem is that | nobody told me about it." },
  { group: "after-word", text: "I was going to | ask you something about the trip." },
  { group: "after-word", text: "Uh | what was the name of that restaurant?" },
  { group: "after-word", text: "So | I was thinking about what you said." },
  { group: "after-word", text: "Can you tell me about the history of | the Roman empire?" },
  { group: "after-word", text: "We went there because | it was cheaper." },
  { group: "after-word", text: "Play some music with a | slow beat." },
  // Holds between sentences of one turn (they look finished).
  { group: "between-sentences", text: "I am really hungry. | Can we get some food?" },
  { group: "between-sentences", text: "That sounds great. | Let's do it on Friday." },
  { group: "between-sentences", text: "Okay. | What should I bring?" },
  { group: "between-sentences", text: "I have a question. | How long does shipping take?" },
  // Turns with no pause inside: only an end.
  { group: "end-only", text: "What time does the train leave?" },
  { group: "end-only", text: "Can you hear me?" },
  { group: "end-only", text: "Yes." },
  { group: "end-only", text: "No thanks." },
  { group: "end-only", text: "Sounds good to me." },
  { group: "end-only", text: "Turn off the lights in the living room." },
  { group: "end-only", text: "I would like to order a large pizza with mushrooms." },
  { group: "end-only", text: "Where is the nearest pharmacy?" },
  { group: "end-only", text: "Tell me a joke." },
  { group: "end-only", text: "Is it going to rain tomorrow?" },
  { group: "end-only", text: "Thank you very much." },
  { group: "end-only", text: "How do I reset my password?" },
];

const VOICES: Array<[string, number]> = [
  ["en-us", 150],
  ["en", 165],
  ["en-us+f3", 140],
  ["en-us+m3", 175],
];

/** Deterministic pause lengths in [0.3, 1.2] s. */
function pauseLength(i: number): number {
  const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
  const frac = x - Math.floor(x);
  return Math.round((0.3 + 0.9 * frac) * 100) / 100;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Silences of at least `minS` (10 ms frames under -60 dBFS) in int16 audio, as [start, end] s.
 *
 * @example
 * ```ts
 * const gaps = findSilences(samples, 16000, 0.2);
 * ```
 */
export function findSilences(
  samples: Int16Array,
  rate: number,
  minS = 0.2,
): Array<[number, number]> {
  const hop = Math.round(rate / 100);
  const out: Array<[number, number]> = [];
  let start = -1;
  const frames = Math.floor(samples.length / hop);
  for (let f = 0; f <= frames; f++) {
    let silent = true;
    if (f < frames) {
      let e = 0;
      for (let i = f * hop; i < (f + 1) * hop; i++) e += ((samples[i] ?? 0) / 32768) ** 2;
      silent = 10 * Math.log10(e / hop + 1e-12) < -60;
    }
    if (silent && f < frames && start < 0) start = f;
    if ((!silent || f === frames) && start >= 0) {
      if ((f - start) / 100 >= minS) out.push([start / 100, f / 100]);
      start = -1;
    }
  }
  return out;
}

/**
 * Synthesizes the set into `dir` (cached: existing WAVs are reused) and labels its pauses.
 *
 * @example
 * ```ts
 * const turns = await buildEspeakTurnSet("/tmp/b2d");
 * ```
 */
export async function buildEspeakTurnSet(dir: string): Promise<LabelledTurn[]> {
  mkdirSync(dir, { recursive: true });
  const out: LabelledTurn[] = [];
  let pauseIndex = 0;
  for (const [i, t] of TURNS.entries()) {
    const [voice, speed] = VOICES[i % VOICES.length] as [string, number];
    const parts = t.text.split("|").map((p) => p.trim());
    const lengths = parts.slice(1).map(() => pauseLength(pauseIndex++));
    const ssml = `<speak>${parts
      .map((p, k) =>
        k === 0
          ? escapeXml(p)
          : `<break time="${(lengths[k - 1] as number) * 1000}ms"/> ${escapeXml(p)}`,
      )
      .join(" ")}</speak>`;
    const id = `t${String(i).padStart(2, "0")}`;
    const wav16 = join(dir, `${id}.wav`);
    if (!existsSync(wav16)) {
      const raw = join(dir, `${id}.raw.wav`);
      execFileSync("espeak-ng", ["-m", "-v", voice, "-s", String(speed), "-w", raw, ssml]);
      // 0.3 s of silence before, 2 s after; 16 kHz mono int16, no dither.
      execFileSync("sox", [
        "-D",
        raw,
        "-r",
        "16000",
        "-b",
        "16",
        "-c",
        "1",
        wav16,
        "pad",
        "0.3",
        "2",
      ]);
    }
    const audio = await readWavAsChunk(wav16);
    const samples = audio[1] as Int16Array;
    const silences = findSilences(samples, 16000);
    // Internal silences: not the leading pad, not the final one.
    const inner = silences.filter((s) => s[0] > 0.05 && s[1] < samples.length / 16000 - 0.05);
    const final = silences.at(-1);
    if (final === undefined) throw new Error(`${id}: no final silence`);
    const words = (s: string) => s.replace(/\s+/g, " ").trim();
    const pauses: LabelledPause[] = [];
    // Assign each inserted break to the internal silence nearest its expected position; extra
    // silences (espeak's own comma pauses >= 0.2 s) are holds too, labelled with the nearest text.
    const prefixAt = (k: number) => words(parts.slice(0, k + 1).join(" "));
    const breaks = inner.map((s, k) => ({ s, k }));
    for (const { s } of breaks) {
      // Which break this is: the k-th inserted break in order among the long silences.
      const longOrder = inner
        .map((x, idx) => ({ len: x[1] - x[0], idx }))
        .sort((a, b) => b.len - a.len)
        .slice(0, parts.length - 1)
        .map((x) => x.idx)
        .sort((a, b) => a - b);
      const k = longOrder.indexOf(inner.indexOf(s));
      pauses.push({
        turn: id,
        turnStartS: 0,
        kind: "hold",
        atS: s[0],
        pauseS: s[1] - s[0],
        textBefore: k >= 0 ? prefixAt(k) : null,
        group: k >= 0 ? t.group : "espeak-own-pause",
      });
    }
    pauses.push({
      turn: id,
      turnStartS: 0,
      kind: "end",
      atS: final[0],
      pauseS: Number.POSITIVE_INFINITY,
      textBefore: words(parts.join(" ")),
      group: t.group === "end-only" ? "end" : "end",
    });
    out.push({ id, audio, text: words(parts.join(" ")), pauses, synthetic: true });
  }
  return out;
}

/** The labelled set of `fixtures/audio/turns` (files marked `inBench`), or `null` without it. */
async function readLabelledSet(): Promise<LabelledTurn[] | null> {
  const path = fixturePath("turns/labels.json");
  if (!existsSync(path)) return null;
  const json = JSON.parse(readFileSync(path, "utf8")) as { files: LabelsFile[] };
  const out: LabelledTurn[] = [];
  for (const f of json.files) {
    if (f.inBench === false) continue;
    const audio = await readWavAsChunk(fixturePath(f.file));
    const turnOf = (t: number) =>
      f.turns.find((u) => t >= u.start - 1e-6 && t <= u.end + 1e-6) ?? f.turns[0];
    const pauses: LabelledPause[] = f.pauses.map((p) => {
      const turn = turnOf(p.start);
      return {
        turn: `${f.file}@${turn?.start ?? 0}`,
        turnStartS: turn?.start ?? 0,
        kind: p.label,
        atS: p.start,
        pauseS: p.label === "end" ? Number.POSITIVE_INFINITY : p.end - p.start,
        textBefore: null,
        group: f.origin,
      };
    });
    out.push({
      id: f.file,
      audio,
      text: f.turns.map((t) => t.text).join(" / "),
      pauses,
      synthetic: f.origin !== "real",
    });
  }
  return out;
}

interface LabelsFile {
  file: string;
  origin: string;
  inBench?: boolean;
  pauses: Array<{ start: number; end: number; label: "hold" | "end" }>;
  turns: Array<{ start: number; end: number; text: string }>;
}

/** Audio from 0.3 s before the turn's start to the candidate point of pause `p`. */
function cutAt(turn: LabelledTurn, p: LabelledPause): AudioChunk {
  const [rate, samples] = turn.audio;
  const s0 = Math.max(0, Math.round((p.turnStartS - 0.3) * rate));
  const s1 = Math.min(samples.length, Math.round((p.atS + CANDIDATE_S) * rate));
  return [rate, samples.subarray(s0, s1)];
}

/** Where the detector is asked: 96 ms candidate silence + ~100 ms VAD offset lag. */
const CANDIDATE_S = 0.2;
const WINDOWS = [400, 500, 640, 800, 1000];

interface Answer {
  pause: LabelledPause;
  p: number;
  costMs: number;
}

interface DetectorRun {
  name: string;
  answers: Answer[];
  /** Whether the answer's arrival time counts (false: the transcript was given for free). */
  timed: boolean;
}

function mean(xs: number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Silence after which the policy ends the turn, given a detector answer arriving at `answerAtMs`. */
function endsAfter(windowMs: number, p: number | null, answerAtMs: number): number {
  const o = DEFAULT_END_OF_TURN_OPTIONS;
  if (p === null || answerAtMs >= windowMs) return windowMs;
  return Math.min(o.maxEndSilenceMs, Math.max(requiredSilence(windowMs, p, o), answerAtMs));
}

function simulate(run: DetectorRun | null, answersOf: Answer[], windowMs: number) {
  let cut = 0;
  let holds = 0;
  const latency: number[] = [];
  for (const a of answersOf) {
    const answerAt = CANDIDATE_S * 1000 + (run?.timed ? a.costMs : 0);
    const need = endsAfter(windowMs, run === null ? null : a.p, answerAt);
    if (a.pause.kind === "hold") {
      holds++;
      if (need <= a.pause.pauseS * 1000) cut++;
    } else latency.push(need);
  }
  return {
    cutoffPct: holds === 0 ? null : (100 * cut) / holds,
    latencyMean: mean(latency),
    latencyP50: percentile(latency, 50),
    latencyP90: percentile(latency, 90),
  };
}

async function ask(
  detector: TurnDetector,
  turns: LabelledTurn[],
  withTruth: boolean,
): Promise<Answer[]> {
  const out: Answer[] = [];
  for (const t of turns) {
    for (const pause of t.pauses) {
      const audio = cutAt(t, pause);
      const t0 = performance.now();
      const p =
        withTruth && pause.textBefore === null
          ? 0.5
          : await detector.endOfTurnProbability(
              withTruth ? { audio, transcript: pause.textBefore ?? "" } : { audio },
            );
      out.push({ pause, p, costMs: performance.now() - t0 });
    }
  }
  return out;
}

const pct = (xs: Answer[], f: (a: Answer) => boolean) =>
  xs.length === 0 ? null : (100 * xs.filter(f).length) / xs.length;

/**
 * Runs B2d on the labelled set of `fixtures/audio/turns` and on the synthetic espeak-ng set
 * (skipped, with a note, when `espeak-ng` is not installed).
 *
 * @example
 * ```ts
 * for (const r of await run()) publish(r);
 * ```
 */
export async function run(): Promise<BenchReport[]> {
  const sets: Array<{ name: string; turns: LabelledTurn[]; truth: boolean }> = [];
  const notes: string[] = [];
  const labelled = await readLabelledSet();
  if (labelled) sets.push({ name: "fixtures/audio/turns", turns: labelled, truth: false });
  else notes.push("fixtures/audio/turns/labels.json not found: that set was skipped.");
  try {
    execFileSync("espeak-ng", ["--version"], { stdio: "ignore" });
    const dir = join(tmpdir(), "fastrtc-b2d-espeak");
    sets.push({ name: "espeak B2d set", turns: await buildEspeakTurnSet(dir), truth: true });
  } catch {
    notes.push("espeak-ng not installed: the synthetic B2d set was skipped.");
  }

  const transcript = new TranscriptTurnDetector();
  await transcript.warmup();
  const prosody = new ProsodyTurnDetector();
  // One call first so that JIT compilation is not counted in the cost.
  const first = sets[0]?.turns[0];
  if (first) await prosody.endOfTurnProbability({ audio: first.audio });

  const sep: BenchReport = {
    id: "B2d",
    title: "turn detectors: separation of holds and ends, cost per call",
    columns: [
      "set",
      "detector",
      "holds",
      "ends",
      "mean_p_hold",
      "mean_p_end",
      "holds_p<0.5_%",
      "ends_p>0.5_%",
      "holds_p>0.5_%",
      "ends_p<0.5_%",
      "cost_p50_ms",
      "cost_p90_ms",
    ],
    rows: [],
    notes: [
      ...notes,
      "p: the detector's end-of-turn probability at the candidate point (200 ms after speech stops), from the turn's start.",
      "Wanted: holds p<0.5 and ends p>0.5 high, holds p>0.5 and ends p<0.5 low; 0.5 changes nothing.",
      "'true text given': the transcript detector's rules on the words actually spoken (no STT errors, no cost).",
    ],
  };
  const policy: BenchReport = {
    id: "B2d-policy",
    title: "turn detectors in the end-of-turn policy: cut-off rate on holds vs silence after ends",
    columns: [
      "set",
      "detector",
      "window_ms",
      "cutoff_%",
      "latency_mean_ms",
      "latency_p50_ms",
      "latency_p90_ms",
    ],
    rows: [],
    notes: [
      "requiredSilence(window, p) with the default min/max end silence (160/1600 ms); a hold is cut off when that silence is not longer than the pause; the answer is used from 200 ms + its measured cost (too late after the window: the window ends the turn).",
      "Latency = silence after the speech end of each turn end; the frame VAD adds ~100 ms to every row alike.",
    ],
  };
  const byGroup: BenchReport = {
    id: "B2d-groups",
    title: "turn detectors: mean p by kind of pause",
    columns: [
      "set",
      "group",
      "kind",
      "n",
      "transcript (Moonshine tiny)",
      "true text given",
      "prosody",
    ],
    rows: [],
  };

  for (const set of sets) {
    const runs: DetectorRun[] = [
      {
        name: "transcript (Moonshine tiny)",
        answers: await ask(transcript, set.turns, false),
        timed: true,
      },
    ];
    if (set.truth) {
      runs.push({
        name: "true text given",
        answers: await ask(transcript, set.turns, true),
        timed: false,
      });
    }
    runs.push({ name: "prosody", answers: await ask(prosody, set.turns, false), timed: true });
    for (const r of runs) {
      const h = r.answers.filter((a) => a.pause.kind === "hold");
      const e = r.answers.filter((a) => a.pause.kind === "end");
      sep.rows.push({
        set: set.name,
        detector: r.name,
        holds: h.length,
        ends: e.length,
        mean_p_hold: mean(h.map((a) => a.p)),
        mean_p_end: mean(e.map((a) => a.p)),
        "holds_p<0.5_%": pct(h, (a) => a.p < 0.5),
        "ends_p>0.5_%": pct(e, (a) => a.p > 0.5),
        "holds_p>0.5_%": pct(h, (a) => a.p > 0.5),
        "ends_p<0.5_%": pct(e, (a) => a.p < 0.5),
        cost_p50_ms: r.timed
          ? percentile(
              r.answers.map((a) => a.costMs),
              50,
            )
          : 0,
        cost_p90_ms: r.timed
          ? percentile(
              r.answers.map((a) => a.costMs),
              90,
            )
          : 0,
      });
    }
    const all = runs[0]?.answers ?? [];
    for (const w of WINDOWS) {
      policy.rows.push({
        set: set.name,
        detector: "none (silence window only)",
        window_ms: w,
        ...rounded(simulate(null, all, w)),
      });
      for (const r of runs) {
        policy.rows.push({
          set: set.name,
          detector: r.name,
          window_ms: w,
          ...rounded(simulate(r, r.answers, w)),
        });
      }
    }
    const groups = new Map<string, Map<string, Answer[]>>();
    for (const r of runs) {
      for (const a of r.answers) {
        const key = `${a.pause.group}\t${a.pause.kind}`;
        const m = groups.get(key) ?? new Map<string, Answer[]>();
        m.set(r.name, [...(m.get(r.name) ?? []), a]);
        groups.set(key, m);
      }
    }
    for (const [key, m] of groups) {
      const [group, kind] = key.split("\t");
      const row: BenchReport["rows"][number] = {
        set: set.name,
        group: group ?? "",
        kind: kind ?? "",
        n: [...m.values()][0]?.length ?? 0,
      };
      for (const [name, answers] of m) row[name] = mean(answers.map((a) => a.p));
      byGroup.rows.push(row);
    }
  }
  await closeSttModels();
  return [sep, policy, byGroup];
}

function rounded(r: ReturnType<typeof simulate>) {
  return {
    "cutoff_%": r.cutoffPct,
    latency_mean_ms: r.latencyMean,
    latency_p50_ms: r.latencyP50,
    latency_p90_ms: r.latencyP90,
  };
}
