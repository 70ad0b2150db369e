/**
 * B8 — on-device TTS: engine load time, time to the first audio chunk of `streamTts()` (and of
 * `streamTtsSync()`), and the real-time factor of `tts()` (synthesis time / audio duration),
 * for eSpeak-NG and, when its model is already in the local transformers cache, Kokoro.
 *
 * All synthesis runs in the engines' worker threads; times are measured on the calling (main)
 * thread, so they include the message round trips.
 */
import { EspeakTts } from "../src/tts/espeak.js";
import { isKokoroModelCached, KokoroTts } from "../src/tts/kokoro.js";
import {
  DEFAULT_ESPEAK_MODULE,
  DEFAULT_KOKORO_MODEL_ID,
  type ResolvedEspeakOptions,
  type ResolvedKokoroOptions,
} from "../src/tts/options.js";
import type { TtsModel } from "../src/tts/ttsTypes.js";
import { WorkerTtsEngine } from "../src/tts/workerEngine.js";
import type { BenchReport } from "./report.js";
import { percentile } from "./report.js";

const SENTENCES = [
  "Sure, I can help you with that.",
  "The weather today is sunny with a high of twenty two degrees.",
  "Your appointment is confirmed for Tuesday at three in the afternoon.",
  "I did not quite catch that, could you say it again?",
  "Here are three options you might like.",
  "The nearest pharmacy is about five minutes away on foot.",
  "Thanks for calling, and have a wonderful day!",
  "Let me check that for you, it will only take a moment.",
  "Your order has shipped and should arrive by Friday.",
  "Is there anything else I can do for you today?",
];

const COLUMNS = ["engine", "measure", "n", "p50_ms", "p90_ms", "value", "unit"];

type Row = BenchReport["rows"][number];

function row(engine: string, measure: string, fields: Partial<Row>): Row {
  return {
    engine,
    measure,
    n: null,
    p50_ms: null,
    p90_ms: null,
    value: null,
    unit: null,
    ...fields,
  };
}

async function firstChunkMs(model: TtsModel, text: string): Promise<number> {
  const t0 = performance.now();
  let ms = Number.NaN;
  for await (const _ of model.streamTts(text)) {
    ms = performance.now() - t0;
    break;
  }
  return ms;
}

function firstChunkSyncMs(model: TtsModel, text: string): number {
  const t0 = performance.now();
  let ms = Number.NaN;
  for (const _ of model.streamTtsSync(text)) {
    ms = performance.now() - t0;
    break;
  }
  return ms;
}

/** Load, first-chunk and real-time-factor rows for one loaded-on-demand model. */
async function measure(name: string, model: TtsModel, load: () => Promise<void>): Promise<Row[]> {
  const rows: Row[] = [];
  const t0 = performance.now();
  await load();
  rows.push(
    row(name, "engine load (worker start + engine init)", {
      n: 1,
      value: performance.now() - t0,
      unit: "ms",
    }),
  );
  const t1 = performance.now();
  await model.warmup();
  rows.push(
    row(name, "warm-up tts('Hello, world!')", { n: 1, value: performance.now() - t1, unit: "ms" }),
  );

  const first: number[] = [];
  for (const s of SENTENCES) first.push(await firstChunkMs(model, s));
  rows.push(
    row(name, "streamTts first chunk", {
      n: first.length,
      p50_ms: percentile(first, 50),
      p90_ms: percentile(first, 90),
    }),
  );
  const firstSync: number[] = [];
  for (const s of SENTENCES) firstSync.push(firstChunkSyncMs(model, s));
  rows.push(
    row(name, "streamTtsSync first chunk (blocking)", {
      n: firstSync.length,
      p50_ms: percentile(firstSync, 50),
      p90_ms: percentile(firstSync, 90),
    }),
  );

  let synthMs = 0;
  let audioS = 0;
  const per: number[] = [];
  for (const s of SENTENCES) {
    const t = performance.now();
    const [rate, samples] = await model.tts(s);
    const ms = performance.now() - t;
    synthMs += ms;
    audioS += samples.length / rate;
    per.push(ms);
  }
  rows.push(
    row(name, "tts() per sentence", {
      n: per.length,
      p50_ms: percentile(per, 50),
      p90_ms: percentile(per, 90),
    }),
  );
  rows.push(
    row(name, "tts() real-time factor (synthesis s / audio s)", {
      n: SENTENCES.length,
      value: synthMs / 1000 / audioS,
      unit: "x",
    }),
  );
  rows.push(row(name, "tts() audio produced", { n: SENTENCES.length, value: audioS, unit: "s" }));
  await model.close();
  return rows;
}

export async function run(): Promise<BenchReport> {
  const rows: Row[] = [];
  const notes: string[] = [
    `${SENTENCES.length} short assistant-style sentences, sequential, one engine per model, warm after the warm-up call.`,
    "first chunk = call to the first [rate, samples] chunk of a one-sentence stream (includes the worker round trip).",
    "real-time factor < 1 means faster than real time (0.03 = 33x).",
    "From TypeScript sources (npm run bench) the worker compiles its modules with tsx at start, which inflates 'engine load'; the compiled dist build starts faster.",
  ];

  const espeakEngine = new WorkerTtsEngine<ResolvedEspeakOptions>({
    engine: { kind: "espeak", moduleSpecifier: DEFAULT_ESPEAK_MODULE },
    sampleRate: 22050,
  });
  const espeak = new EspeakTts({}, espeakEngine);
  try {
    rows.push(...(await measure("espeak", espeak, () => espeakEngine.load())));
  } catch (err) {
    rows.push(row("espeak", `failed: ${(err as Error).message}`, {}));
    await espeak.close();
  }

  if (await isKokoroModelCached()) {
    const kokoroEngine = new WorkerTtsEngine<ResolvedKokoroOptions>({
      engine: {
        kind: "kokoro",
        moduleSpecifier: "kokoro-js",
        modelId: DEFAULT_KOKORO_MODEL_ID,
        dtype: "q8",
        localFilesOnly: true,
      },
      sampleRate: 24000,
    });
    const kokoro = new KokoroTts({ localFilesOnly: true }, kokoroEngine);
    try {
      rows.push(...(await measure("kokoro", kokoro, () => kokoroEngine.load())));
    } catch (err) {
      rows.push(row("kokoro", `failed: ${(err as Error).message}`, {}));
      await kokoro.close();
    }
  } else {
    rows.push(
      row("kokoro", "skipped: model not in the local transformers cache", {
        value: null,
      }),
    );
    notes.push(
      `kokoro skipped: ${DEFAULT_KOKORO_MODEL_ID} (q8) is not in the transformers.js cache and benchmarks never download; ` +
        'run `await getTtsModel("kokoro")` once with network access to huggingface.co to fill it.',
    );
  }

  return {
    id: "B8",
    title:
      "On-device TTS: load, first audio chunk, real-time factor (worker threads, one core each)",
    columns: COLUMNS,
    rows,
    notes,
  };
}
