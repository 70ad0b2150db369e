/**
 * Test harness: one {@link Session} on a {@link VirtualClock}, with everything it sends recorded
 * (messages, output frames, outputs) against virtual time.
 */
import type { AudioChunk } from "../../audio/types.js";
import type { AdditionalOutputs } from "../../handlers/outputs.js";
import type { StreamHandlerBase } from "../../handlers/StreamHandler.js";
import { VirtualClock } from "../../utils/clock.js";
import { Session } from "../Session.js";
import type { OutputFrame, SessionOptions } from "../sessionTypes.js";

export interface RecordedMessage {
  /** Virtual time in ms when it was sent. */
  t: number;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON of any shape.
  msg: any;
}

export interface Harness {
  clock: VirtualClock;
  session: Session;
  messages: RecordedMessage[];
  frames: Array<OutputFrame & { t: number }>;
  outputs: Array<{ t: number; outputs: AdditionalOutputs }>;
  /** Seconds of input pushed so far. */
  readonly pushedSeconds: number;
  /** Pushes `samples` in frames of `frameMs`, advancing virtual time by one frame after each. */
  feed(samples: Int16Array, rate: number, frameMs?: number): Promise<void>;
  /** Pushes silence for `ms`. */
  silence(ms: number, rate: number, frameMs?: number): Promise<void>;
  /** Advances virtual time without input. */
  run(ms: number): Promise<void>;
  /** The `data` of every `log` message, in order. */
  logs(): string[];
  /** Messages of one `type`. */
  ofType(type: string): RecordedMessage[];
  /** Output audio concatenated. */
  outputAudio(): Int16Array;
  close(): Promise<void>;
}

export function createHarness(
  handler: StreamHandlerBase,
  options: Partial<SessionOptions> & { start?: boolean } = {},
): Harness {
  const clock = new VirtualClock();
  const messages: RecordedMessage[] = [];
  const frames: Array<OutputFrame & { t: number }> = [];
  const outputs: Array<{ t: number; outputs: AdditionalOutputs }> = [];
  let pushed = 0;
  const session = new Session(handler, {
    id: "test-connection",
    clock,
    channel: {
      send: (text: string) => {
        messages.push({ t: clock.now(), msg: JSON.parse(text) });
      },
    },
    onAudio: (f) => frames.push({ ...f, t: clock.now() }),
    onOutputs: (o) => outputs.push({ t: clock.now(), outputs: o }),
    ...options,
  });
  if (options.start !== false) session.start();
  const h: Harness = {
    clock,
    session,
    messages,
    frames,
    outputs,
    get pushedSeconds() {
      return pushed;
    },
    async feed(samples, rate, frameMs = 20) {
      const n = Math.round((rate * frameMs) / 1000);
      for (let i = 0; i < samples.length; i += n) {
        const frame = samples.slice(i, Math.min(samples.length, i + n));
        const chunk: AudioChunk = [rate, frame];
        session.pushAudio(chunk);
        pushed += frame.length / rate;
        await clock.advance((frame.length / rate) * 1000);
      }
    },
    async silence(ms, rate, frameMs = 20) {
      await h.feed(new Int16Array(Math.round((rate * ms) / 1000)), rate, frameMs);
    },
    async run(ms) {
      await clock.advance(ms);
    },
    logs() {
      return messages.filter((m) => m.msg.type === "log").map((m) => m.msg.data as string);
    },
    ofType(type) {
      return messages.filter((m) => m.msg.type === type);
    },
    outputAudio() {
      const total = frames.reduce((a, f) => a + f.samples.length, 0);
      const out = new Int16Array(total);
      let o = 0;
      for (const f of frames) {
        out.set(f.samples, o);
        o += f.samples.length;
      }
      return out;
    },
    close: () => session.close(),
  };
  return h;
}
