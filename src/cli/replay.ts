/**
 * `fastrtc-ts replay [file.wav]`: plays a recording into an echo `ReplyOnPause` in real time, as a
 * microphone would, and prints the conversation as it happens (turn detection by Silero VAD,
 * replies paced by the session driver). Offline: the model ships in an npm package.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { AudioChunk } from "../audio/types.js";
import { readWavFile, writeWav } from "../audio/wav.js";
import { ReplyOnPause } from "../handlers/ReplyOnPause.js";
import { Session } from "../session/Session.js";
import { realClock } from "../utils/clock.js";
import { getSileroModel } from "../vad/silero.js";
import { finish, parseCommand } from "./args.js";

const here = fileURLToPath(new URL(".", import.meta.url));
/** The two-turn recording of the repository's fixtures (present in a clone, not in the package). */
const DEFAULT_FILE = resolve(here, "../../fixtures/audio/synthetic/48k/two_turns.wav");

const USAGE = `Usage: fastrtc-ts replay [speech.wav] [replies.wav]

Plays a recording (mono or stereo WAV, any rate) into an echo ReplyOnPause in real time, as a
microphone would, and prints the conversation; replies.wav receives what the app answered.
Default recording: the repository's two-turn fixture (in a clone).

Options:
  -h, --help     this text
  -v, --version  the version`;

/**
 * Runs `fastrtc-ts replay ...`; returns the process exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runReplay(["speech.wav"]);
 * ```
 */
export async function runReplay(args: string[]): Promise<number> {
  const parsed = parseCommand(args, {}, USAGE, 2);
  if ("exit" in parsed) return finish(parsed);
  const [inputArg, outputArg] = parsed.positionals;
  const file = inputArg ? resolve(inputArg) : DEFAULT_FILE;
  const out = outputArg ? resolve(outputArg) : null;
  if (!existsSync(file)) {
    console.error(`No recording at ${file}.\n\n${USAGE}`);
    return 2;
  }
  const wav = await readWavFile(file);
  const rate = wav.sampleRate;
  const layout = wav.channels === 2 ? "stereo" : "mono";
  const total = wav.samples.length / wav.channels / rate;
  let t0 = realClock.now();
  const stamp = () => `${((realClock.now() - t0) / 1000).toFixed(2).padStart(6)} s`;

  console.log(`fastrtc-ts replay: ${file} (${total.toFixed(1)} s, ${rate} Hz, ${layout})`);
  console.log("Loading Silero VAD (v4; the first run fetches its 2 MB of weights from npm) ...");
  const model = getSileroModel();
  await model.warmup();
  t0 = realClock.now();

  let turn = 0;
  async function* echo(audio: AudioChunk) {
    turn++;
    console.log(
      `${stamp()}  reply ${turn}: heard ${(audio[1].length / audio[0]).toFixed(2)} s, echoing it back`,
    );
    yield audio;
  }
  const handler = new ReplyOnPause(echo, { model, outputSampleRate: 24000 });
  const played: Int16Array[] = [];
  let lastFrameAt = 0;
  const session = new Session(handler.copy(), {
    id: "demo",
    channel: {
      send(text) {
        const msg = JSON.parse(text) as { type: string; data?: unknown; message?: string };
        if (msg.type === "log" && msg.data === "response_starting") return;
        console.log(
          `${stamp()}  ${msg.type}${msg.data !== undefined ? ` ${String(msg.data)}` : ""}${msg.message ? `: ${msg.message}` : ""}`,
        );
      },
    },
    onAudio(frame) {
      played.push(frame.samples);
      lastFrameAt = realClock.now();
    },
  });
  session.start();

  // Play the file as a microphone would: 20 ms frames in real time, then 2.5 s of silence.
  const frame = Math.round(rate / 50) * wav.channels;
  const silence = new Int16Array(Math.round(rate * 2.5) * wav.channels);
  if (!(wav.samples instanceof Int16Array)) {
    console.error(
      "The demo plays 16-bit PCM recordings; convert the file first (e.g. sox in.wav -b 16 out.wav).",
    );
    return 2;
  }
  const input = wav.samples;
  const stream = new Int16Array(input.length + silence.length);
  stream.set(input);
  for (let i = 0, k = 0; i < stream.length; i += frame, k++) {
    const due = t0 + k * 20;
    const wait = due - realClock.now();
    if (wait > 0) await realClock.sleep(wait);
    const chunk: AudioChunk =
      layout === "stereo"
        ? [rate, stream.slice(i, i + frame), "stereo"]
        : [rate, stream.slice(i, i + frame)];
    session.pushAudio(chunk);
  }
  // Let the last reply finish playing.
  while (realClock.now() - lastFrameAt < 300 || session.queuedFrames > 0)
    await realClock.sleep(100);
  await session.close();
  await model.close();
  const seconds = played.reduce((a, f) => a + f.length, 0) / 24000;
  console.log(`${stamp()}  done: ${turn} replies, ${seconds.toFixed(2)} s of reply audio played`);
  if (out) {
    const all = new Int16Array(played.reduce((a, f) => a + f.length, 0));
    let o = 0;
    for (const f of played) {
      all.set(f, o);
      o += f.length;
    }
    await writeFile(out, writeWav([24000, all]));
    console.log(`reply audio written to ${out}`);
  }
  return 0;
}
