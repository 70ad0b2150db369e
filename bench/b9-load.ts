/**
 * B9 load generator (child process, started by b9-phone-capacity.ts with `child_process.fork`):
 * runs N `TwilioCallSimulator` calls against the server's `/telephone/handler`. Each call sends
 * `connected` and `start`, then one 160-byte µ-law `media` message every 20 ms (drift-corrected,
 * one timer loop per call, offsets spread over the 20 ms tick and over the audio loop): the
 * fixture followed by silence, in a loop. The simulator buffers the server's media in real time
 * and answers its marks, as Twilio does.
 *
 * Besides its own CPU use and send-tick lateness (to tell when the load generator is the limit),
 * the child reports what a caller would hear: from the arrival times of the server's media
 * messages it replays Twilio's buffer (each 20 ms payload plays after the previous one, or on
 * arrival when the buffer is empty) and counts the times the buffer ran dry inside a reply.
 *
 * The protocol and the common measuring are loadChild.ts's.
 */
import { muLawEncode } from "../src/audio/g711.js";
import { readWavAsChunk } from "../src/audio/wav.js";
import {
  TWILIO_FRAME_BYTES,
  TwilioCallSimulator,
} from "../src/transports/telephone/testing/twilioSimulator.js";
import {
  type LoadChildStats,
  type LoadFromChild,
  type LoadToChild,
  runLoadChild,
} from "./loadChild.js";

export type ToChild = LoadToChild<{ fixture: string; silenceMs: number }>;

interface CallStats {
  /** `media` messages sent / received over the window, all calls. */
  mediaSent: number;
  mediaReceived: number;
  /** Marks the simulators answered over the window; `clear`s received. */
  marksEchoed: number;
  clears: number;
  /** Server messages Twilio would reject (whole step). */
  protocolErrors: number;
  /** Times a call's playback buffer ran dry inside a reply, and the silence they made (ms). */
  underruns: number;
  underrunMs: number;
  /** Calls whose socket closed before `stop`. */
  closedEarly: number;
}

export type LoadStats = LoadChildStats & CallStats;

export type FromChild = LoadFromChild<CallStats>;

/** Media arriving this long after the previous one starts a new reply (the session's re-anchor). */
const REPLY_GAP_MS = 200;
const MULAW_SILENCE = 0xff;

/** Start of the measured window (`performance.now()`), for the playback replay. */
let markAt = 0;

/** The fixture (8 kHz) plus `silenceMs` of silence as µ-law, padded to whole 20 ms frames. */
async function loopAudio(fixture: string, silenceMs: number): Promise<Uint8Array> {
  const [rate, samples] = await readWavAsChunk(fixture);
  if (rate !== 8000) throw new Error(`${fixture}: need 8 kHz, got ${rate}`);
  const speech = muLawEncode(samples as Int16Array);
  const total = speech.length + Math.round((silenceMs * rate) / 1000);
  const out = new Uint8Array(Math.ceil(total / TWILIO_FRAME_BYTES) * TWILIO_FRAME_BYTES);
  out.fill(MULAW_SILENCE);
  out.set(speech);
  return out;
}

/**
 * Replays Twilio's playback buffer from the media arrival times: each payload plays after the
 * previous one, or on arrival when the buffer is empty. An empty buffer counts as an underrun
 * (from the mark on) when the payload came less than {@link REPLY_GAP_MS} after the previous one
 * (a longer silence is the server's own gap between replies: it re-anchors after 200 ms) and no
 * `clear` came in between.
 */
function underruns(call: TwilioCallSimulator): { count: number; ms: number } {
  let end = Number.NEGATIVE_INFINITY;
  let prev = Number.NEGATIVE_INFINITY;
  let count = 0;
  let ms = 0;
  const clears = call.clears.filter((c) => c.accepted).map((c) => c.at);
  let c = 0;
  for (const m of call.receivedMedia) {
    while (c < clears.length && (clears[c] ?? 0) <= m.at) {
      c++;
      prev = Number.NEGATIVE_INFINITY;
    }
    if (!m.accepted) continue;
    const gap = m.at - end;
    if (gap > 0.5) {
      if (m.at - prev <= REPLY_GAP_MS && m.at >= markAt) {
        count++;
        ms += gap;
      }
      end = m.at;
    }
    end += (m.samples / 8000) * 1000;
    prev = m.at;
  }
  return { count, ms };
}

/**
 * Drops what the simulators recorded so far (they keep every message), except the media of the
 * reply playing now: the playback replay needs the buffer level at the start of the window.
 */
function forget(call: TwilioCallSimulator): void {
  const media = call.receivedMedia;
  let from = media.length - 1;
  while (from > 0 && (media[from]?.at ?? 0) - (media[from - 1]?.at ?? 0) <= REPLY_GAP_MS) from--;
  const since = media[from]?.at ?? performance.now();
  media.splice(0, Math.max(0, from));
  const clears = call.clears.filter((c) => c.at >= since);
  call.clears.length = 0;
  call.clears.push(...clears);
  call.sent.length = 0;
  call.received.length = 0;
  call.marksEchoed.length = 0;
}

let audio: Uint8Array = new Uint8Array(0);

runLoadChild<TwilioCallSimulator, { fixture: string; silenceMs: number }, CallStats>({
  connectBatch: 16,
  async prepare({ url, fixture, silenceMs }) {
    audio = await loopAudio(fixture, silenceMs);
    return {
      frames: audio.length / TWILIO_FRAME_BYTES,
      create: () => new TwilioCallSimulator({ url }),
    };
  },
  connect: (c) => c.connect(),
  isOpen: (c) => c.isOpen,
  sendFrame(c, f) {
    const mulaw = audio.subarray(f * TWILIO_FRAME_BYTES, (f + 1) * TWILIO_FRAME_BYTES);
    // "fast" = send now: the pacing is the loop's (the simulator's own real-time pacing would
    // work too, but then the send ticks could not be timed there).
    void c.sendAudio({ mulaw }, { pace: "fast" }).catch(() => {});
    return true;
  },
  onMark(calls) {
    for (const c of calls) forget(c);
    markAt = performance.now();
  },
  stats(calls, window) {
    const gaps = calls.map(underruns);
    const since = <T extends { at: number }>(xs: T[]) => xs.filter((m) => m.at >= window.markAt);
    return {
      mediaSent: window.framesSent,
      mediaReceived: calls.reduce((s, c) => s + since(c.receivedMedia).length, 0),
      marksEchoed: calls.reduce((s, c) => s + since(c.marksEchoed).length, 0),
      clears: calls.reduce((s, c) => s + since(c.clears).length, 0),
      protocolErrors: calls.reduce(
        (s, c) => s + c.protocolErrors.filter((e) => e.kind !== "extra-field").length,
        0,
      ),
      underruns: gaps.reduce((s, g) => s + g.count, 0),
      underrunMs: gaps.reduce((s, g) => s + g.ms, 0),
      closedEarly: calls.filter((c) => c.closedAt !== undefined).length,
    };
  },
  stop: (c) => c.stop(),
  close: (c) => c.close(),
});
