import type { BrowserContext, Page } from "playwright-core";

export {
  type BrowserHandle,
  CHROMIUM_PATH,
  hasChromium,
  launchChromium,
  SKIP_REASON,
} from "../../src/testing/chromium.js";

/**
 * The probe, as plain JavaScript (it runs in the page before any of the page's scripts).
 *
 * - `RTCPeerConnection` is replaced by a subclass that records every message of every data
 *   channel (created by the page or announced by the server), connection state changes and
 *   remote tracks.
 * - Each remote audio track is fed into an `AudioContext` → AudioWorklet that reports the RMS
 *   of every 10 ms of audio (an `AnalyserNode` polled every 10 ms when AudioWorklet is not
 *   available). Chrome only lets remote WebRTC audio flow into Web Audio when the track is
 *   also played by a media element: if the page has not attached it to one within 300 ms, the
 *   probe plays it in an `Audio` element of its own.
 * - `getUserMedia` resolutions and the body's `data-state` / `data-last-log` changes are
 *   recorded too (the latter only exist on the built-in page).
 */
const PROBE_SCRIPT = `(() => {
  if (window.__e2e) return;
  const rec = { messages: [], levels: [], tracks: [], pcStates: [], gum: [], states: [], notes: [] };
  window.__e2e = rec;
  const now = () => performance.now();

  // --- page state attributes (built-in page) ---
  const watchBody = () => {
    const body = document.body;
    if (!body) return;
    const snap = () => rec.states.push({ t: now(), state: body.dataset.state ?? null, lastLog: body.dataset.lastLog ?? null });
    snap();
    new MutationObserver(snap).observe(body, { attributes: true, attributeFilter: ["data-state", "data-last-log"] });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watchBody, { once: true });
  else watchBody();

  // --- microphone ---
  const md = navigator.mediaDevices;
  if (md && md.getUserMedia) {
    const gum = md.getUserMedia.bind(md);
    md.getUserMedia = async (constraints) => {
      const requested = now();
      const stream = await gum(constraints);
      rec.gum.push({ t: now(), requested, tracks: stream.getTracks().map((t) => t.kind) });
      return stream;
    };
  }

  // --- remote audio level ---
  const WORKLET = "class E2eRms extends AudioWorkletProcessor {" +
    " constructor() { super(); this.sum = 0; this.n = 0; this.size = Math.round(sampleRate / 100); }" +
    " process(inputs) { const input = inputs[0]; const ch = input && input[0];" +
    "  if (ch) { for (let i = 0; i < ch.length; i++) this.sum += ch[i] * ch[i]; this.n += ch.length; } else { this.n += 128; }" +
    "  if (this.n >= this.size) { this.port.postMessage({ end: currentFrame / sampleRate, dur: this.n / sampleRate, rms: Math.sqrt(this.sum / this.n) }); this.sum = 0; this.n = 0; }" +
    "  return true; } }" +
    " registerProcessor('e2e-rms', E2eRms);";
  let ctx;
  let workletReady;
  const context = () => {
    if (!ctx) {
      ctx = new AudioContext();
      workletReady = ctx.audioWorklet
        ? ctx.audioWorklet.addModule(URL.createObjectURL(new Blob([WORKLET], { type: "text/javascript" }))).then(() => true, (e) => { rec.notes.push("worklet failed: " + e); return false; })
        : Promise.resolve(false);
    }
    if (ctx.state !== "running") ctx.resume().catch(() => undefined);
    return ctx;
  };
  const played = new Set();
  const ensurePlayed = (track) => {
    const els = Array.from(document.querySelectorAll("audio, video"));
    const attached = els.some((el) => el.srcObject && typeof el.srcObject.getTracks === "function" && el.srcObject.getTracks().includes(track));
    if (attached || played.has(track)) return;
    played.add(track);
    const audio = new Audio();
    audio.autoplay = true;
    audio.srcObject = new MediaStream([track]);
    audio.play().catch((e) => rec.notes.push("probe audio play failed: " + e));
    (window.__e2eAudio = window.__e2eAudio || []).push(audio);
    rec.notes.push("probe attached remote track " + track.id + " to its own <audio>");
  };
  const analyse = async (track, index) => {
    const c = context();
    const source = c.createMediaStreamSource(new MediaStream([track]));
    const sink = c.createGain();
    sink.gain.value = 0;
    sink.connect(c.destination);
    let base;
    const push = (endS, durS, rms) => {
      // audio clock for durations, anchored once to performance.now() for ordering
      if (base === undefined) base = now() - endS * 1000;
      rec.levels.push({ t: base + (endS - durS) * 1000, dur: durS * 1000, rms, track: index });
    };
    if (await workletReady) {
      const node = new AudioWorkletNode(c, "e2e-rms", { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
      node.port.onmessage = (e) => push(e.data.end, e.data.dur, e.data.rms);
      source.connect(node);
      node.connect(sink);
      rec.notes.push("worklet analyser on track " + index);
    } else {
      const analyser = c.createAnalyser();
      analyser.fftSize = 512;
      const buf = new Float32Array(analyser.fftSize);
      source.connect(analyser);
      analyser.connect(sink);
      setInterval(() => {
        analyser.getFloatTimeDomainData(buf);
        let s = 0;
        for (let i = 0; i < buf.length; i++) s += buf[i] * buf[i];
        push(c.currentTime, buf.length / c.sampleRate, Math.sqrt(s / buf.length));
      }, 10);
      rec.notes.push("analyser-node fallback on track " + index);
    }
  };

  // --- peer connections ---
  const Native = window.RTCPeerConnection;
  if (!Native) { rec.notes.push("no RTCPeerConnection"); return; }
  let pcCount = 0;
  const watchChannel = (pc, channel, origin) => {
    channel.addEventListener("open", () => rec.notes.push("data channel " + channel.label + " open"));
    channel.addEventListener("message", (e) => {
      rec.messages.push({ t: now(), pc, label: channel.label, origin, data: typeof e.data === "string" ? e.data : "[binary " + (e.data.byteLength ?? e.data.size) + "]" });
    });
  };
  class E2ePeerConnection extends Native {
    constructor(...args) {
      super(...args);
      const id = pcCount++;
      this.__e2eId = id;
      this.addEventListener("connectionstatechange", () => rec.pcStates.push({ t: now(), pc: id, state: this.connectionState }));
      this.addEventListener("datachannel", (e) => watchChannel(id, e.channel, "remote"));
      this.addEventListener("track", (e) => {
        const track = e.track;
        const index = rec.tracks.length;
        rec.tracks.push({ t: now(), pc: id, kind: track.kind, id: track.id, streams: e.streams.length });
        if (track.kind !== "audio") return;
        analyse(track, index).catch((err) => rec.notes.push("analyse failed: " + err));
        setTimeout(() => ensurePlayed(track), 300);
      });
    }
    createDataChannel(...args) {
      const channel = super.createDataChannel(...args);
      watchChannel(this.__e2eId, channel, "local");
      return channel;
    }
  }
  window.RTCPeerConnection = E2ePeerConnection;
  if (window.webkitRTCPeerConnection) window.webkitRTCPeerConnection = E2ePeerConnection;
})();`;

/**
 * Opens a page with the probe installed (before the page's own scripts run).
 *
 * @example
 * ```ts
 * const page = await newProbedPage(browser.context);
 * await page.goto(url);
 * ```
 */
export async function newProbedPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.addInitScript({ content: PROBE_SCRIPT });
  return page;
}

/** One data-channel message the page received. */
export interface ProbeMessage {
  /** `performance.now()` when it arrived, ms. */
  t: number;
  /** Index of the peer connection (0 = first created on this page). */
  pc: number;
  label: string;
  /** "local": the page created the channel; "remote": the server announced it. */
  origin: "local" | "remote";
  /** The raw text. */
  data: string;
}

/** The RMS of one ~10 ms window of a remote audio track. */
export interface LevelSample {
  /** Start of the window, ms (page clock). */
  t: number;
  /** Window length, ms. */
  dur: number;
  /** Linear RMS, full scale = 1. */
  rms: number;
  /** Index of the remote track (see {@link ProbeRecords.tracks}). */
  track: number;
}

/** Everything the probe recorded on a page. */
export interface ProbeRecords {
  messages: ProbeMessage[];
  levels: LevelSample[];
  tracks: Array<{ t: number; pc: number; kind: string; id: string; streams: number }>;
  pcStates: Array<{ t: number; pc: number; state: string }>;
  gum: Array<{ t: number; requested: number; tracks: string[] }>;
  states: Array<{ t: number; state: string | null; lastLog: string | null }>;
  notes: string[];
}

/**
 * Pulls the probe's records from the page (a copy).
 *
 * @example
 * ```ts
 * const { messages, levels } = await readProbe(page);
 * ```
 */
export async function readProbe(page: Page): Promise<ProbeRecords> {
  const text = await page.evaluate("JSON.stringify(window.__e2e ?? null)");
  if (typeof text !== "string" || text === "null") {
    throw new Error("the e2e probe is not installed on this page");
  }
  return JSON.parse(text) as ProbeRecords;
}

/** A FastRTC data-channel message, parsed. */
export interface ServerMessage {
  t: number;
  type: string;
  data?: unknown;
  message?: unknown;
  raw: string;
}

/**
 * The JSON messages of the probe's records (messages that are not JSON objects are kept with
 * type `"(not json)"`).
 */
export function serverMessages(records: ProbeRecords): ServerMessage[] {
  return records.messages.map((m) => {
    try {
      const v = JSON.parse(m.data) as Record<string, unknown>;
      if (v && typeof v === "object" && typeof v.type === "string") {
        return { t: m.t, type: v.type, data: v.data, message: v.message, raw: m.data };
      }
    } catch {
      // fall through
    }
    return { t: m.t, type: "(not json)", raw: m.data };
  });
}

/** The `data` of each `log` message, in order. */
export function logSequence(records: ProbeRecords): string[] {
  return serverMessages(records)
    .filter((m) => m.type === "log")
    .map((m) => String(m.data));
}

/**
 * Splits a `log` sequence into turns: each turn starts at a `started_talking`. Consecutive
 * duplicates of `response_starting` (FastRTC sends one per audio chunk) are collapsed.
 *
 * @example
 * ```ts
 * turnsOf(["started_talking", "pause_detected", "response_starting", "response_starting"]);
 * // [["started_talking", "pause_detected", "response_starting"]]
 * ```
 */
export function turnsOf(logs: string[]): string[][] {
  const turns: string[][] = [];
  for (const entry of logs) {
    if (entry === "started_talking" || turns.length === 0) turns.push([]);
    const turn = turns[turns.length - 1] as string[];
    if (entry === "response_starting" && turn[turn.length - 1] === entry) continue;
    turn.push(entry);
  }
  return turns;
}

/** A stretch of sound in a level timeline. */
export interface Segment {
  /** ms, page clock. */
  start: number;
  end: number;
  /** `end - start`, ms. */
  duration: number;
}

/** Tuning of {@link speechSegments}. */
export interface SegmentOptions {
  /**
   * Threshold relative to the loudest window of the timeline, in dB (default -36: speech
   * windows within 36 dB of the peak count as sound).
   */
  relativeDb?: number;
  /** Windows below this RMS never count (default 1e-3, about -60 dBFS). */
  floor?: number;
  /** Gaps shorter than this (ms) join their neighbours (default 300). */
  mergeGapMs?: number;
  /** Segments shorter than this (ms) are dropped (default 150). */
  minSegmentMs?: number;
  /** Only this remote track (default: all). */
  track?: number;
}

/**
 * Turns a level timeline into speech segments: windows above the threshold, gaps shorter than
 * `mergeGapMs` merged, segments shorter than `minSegmentMs` dropped.
 *
 * @example
 * ```ts
 * const segments = speechSegments(records.levels);
 * segments.map((s) => s.duration); // e.g. [1290, 2140]
 * ```
 */
export function speechSegments(levels: LevelSample[], options: SegmentOptions = {}): Segment[] {
  const relativeDb = options.relativeDb ?? -36;
  const floor = options.floor ?? 1e-3;
  const mergeGapMs = options.mergeGapMs ?? 300;
  const minSegmentMs = options.minSegmentMs ?? 150;
  const samples = levels
    .filter((l) => options.track === undefined || l.track === options.track)
    .slice()
    .sort((a, b) => a.t - b.t);
  const peak = samples.reduce((m, l) => Math.max(m, l.rms), 0);
  if (peak <= floor) return [];
  const threshold = Math.max(floor, peak * 10 ** (relativeDb / 20));
  const raw: Segment[] = [];
  for (const l of samples) {
    if (l.rms < threshold) continue;
    const last = raw[raw.length - 1];
    const end = l.t + l.dur;
    if (last && l.t - last.end < mergeGapMs) {
      last.end = Math.max(last.end, end);
      last.duration = last.end - last.start;
    } else {
      raw.push({ start: l.t, end, duration: end - l.t });
    }
  }
  return raw.filter((s) => s.duration >= minSegmentMs);
}

/** The loudest RMS of a timeline. */
export function peakLevel(levels: LevelSample[]): number {
  return levels.reduce((m, l) => Math.max(m, l.rms), 0);
}

/**
 * Polls `check` until it returns a value other than `undefined`/`false`, or throws after
 * `timeoutMs` with the last `describe()` in the message.
 */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  describe: () => string = () => "",
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms${describe() ? `: ${describe()}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Reads a WAV's speech segments for a file from the fixtures' `segments.tsv`. */
export function utterancesOf(
  tsv: string,
  file: string,
): Array<{ start: number; end: number; duration: number; text: string }> {
  return tsv
    .split("\n")
    .slice(1)
    .map((line) => line.split("\t"))
    .filter((cols) => cols[0] === file)
    .map((cols) => {
      const start = Number(cols[5]);
      const end = Number(cols[6]);
      return { start, end, duration: end - start, text: cols[7] ?? "" };
    });
}
