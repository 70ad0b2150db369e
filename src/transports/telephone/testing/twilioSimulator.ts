/**
 * A stand-in for Twilio in tests: a Media Streams client over a real WebSocket, written from
 * Twilio's documented message shapes (https://www.twilio.com/docs/voice/media-streams/websocket-messages)
 * and its documented playback behaviour for bidirectional streams:
 *
 * - `media` messages from the server are buffered and played in the order received, in real time;
 * - a `mark` is answered, with the same name, once the audio sent before it has played;
 * - `clear` empties the buffer and every pending mark is answered at once.
 *
 * Everything time-related runs on a {@link Clock}, so a {@link VirtualClock} makes playback and
 * real-time pacing deterministic. The network itself is real (loopback), so wait for messages with
 * {@link TwilioCallSimulator.waitFor}, whose timeout is wall-clock time.
 */
import { type RawData, WebSocket } from "ws";
import { muLawDecode, muLawEncode } from "../../../audio/g711.js";
import { readWavAsChunk } from "../../../audio/wav.js";
import { getLogger } from "../../../logger.js";
import { type Clock, realClock } from "../../../utils/clock.js";
import type {
  TwilioConnectedMessage,
  TwilioDtmfMessage,
  TwilioMarkMessage,
  TwilioMediaMessage,
  TwilioStartMessage,
  TwilioStopMessage,
} from "../mediaStreamsTypes.js";
import { computeTwilioSignature } from "../twilioSignature.js";

const log = getLogger("telephone");

/**
 * Bytes (= samples) of µ-law in one 20 ms inbound frame at 8 kHz.
 *
 * @example
 * ```ts
 * expect(sent).toBe(Math.ceil(samples.length / TWILIO_FRAME_BYTES));
 * ```
 */
export const TWILIO_FRAME_BYTES = 160;
/**
 * Duration of one inbound frame in ms.
 *
 * @example
 * ```ts
 * await clock.advance(10 * TWILIO_FRAME_MS); // ten frames go out in real-time pacing
 * ```
 */
export const TWILIO_FRAME_MS = 20;
const SAMPLES_PER_MS = 8;
const MULAW_SILENCE = 0xff;

let sidCounter = 0;
function nextSid(prefix: string, n: number): string {
  return `${prefix}${n.toString(16).padStart(32, "0")}`;
}

/**
 * Options of {@link TwilioCallSimulator}.
 *
 * @example
 * ```ts
 * const opts: TwilioCallSimulatorOptions = {
 *   url: `ws://127.0.0.1:${port}/telephone/handler`,
 *   authToken: "test-token",
 *   customParameters: { caller: "+14155550100" },
 *   clock: new VirtualClock(),
 * };
 * ```
 */
export interface TwilioCallSimulatorOptions {
  /** WebSocket URL of the Media Streams handler, e.g. `ws://127.0.0.1:8000/telephone/handler`. */
  url: string;
  /** Extra headers for the upgrade request (e.g. `X-Twilio-Signature`). Default: none. */
  headers?: Readonly<Record<string, string>>;
  /**
   * When set, and `headers` has no `X-Twilio-Signature`, the upgrade request is signed like
   * Twilio signs it: over the WebSocket URL, no parameters. Default: unsigned.
   */
  authToken?: string;
  /** Default: `MZ` + 32 hex digits, unique in the process. */
  streamSid?: string;
  /** Default: `CA` + 32 hex digits. */
  callSid?: string;
  /** Default: `AC` + 32 hex digits. */
  accountSid?: string;
  /** Sent in `start.customParameters`. Default `{}`. */
  customParameters?: Readonly<Record<string, string>>;
  /** Time source for pacing, playback and record timestamps. Default: the real clock. */
  clock?: Clock;
  /** Wall-clock limit for the WebSocket handshake, in ms. Default `10000`. */
  handshakeTimeoutMs?: number;
}

/**
 * Audio {@link TwilioCallSimulator.sendAudio} accepts: 8 kHz mono 16-bit samples, a path to an
 * 8 kHz mono WAV file (decoded, then µ-law encoded again: a µ-law file's bytes come out the same,
 * except the code 0x7F, which decodes to 0 and is re-encoded as 0xFF), or raw µ-law bytes sent as is.
 *
 * @example
 * ```ts
 * const a: SimulatorAudio = new Int16Array(8000);                       // 1 s of silence
 * const b: SimulatorAudio = "fixtures/audio/leopard__test__8k_mulaw.wav";
 * const c: SimulatorAudio = { mulaw: new Uint8Array(160).fill(0xff) };
 * ```
 */
export type SimulatorAudio = Int16Array | string | URL | { mulaw: Uint8Array };

/**
 * Options of {@link TwilioCallSimulator.sendAudio}.
 *
 * @example
 * ```ts
 * await sim.sendAudio(samples, { pace: "fast" });
 * ```
 */
export interface SendAudioOptions {
  /**
   * `"realtime"`: frame *i* goes out when its 20 ms have been "captured", at start + (i+1)·20 ms on
   * the clock, as a phone call would. `"fast"`: all frames at once. Default `"realtime"`.
   */
  pace?: "realtime" | "fast";
  /** Stops sending early; the promise then resolves with `complete: false`. */
  signal?: AbortSignal;
}

/**
 * What {@link TwilioCallSimulator.sendAudio} sent.
 *
 * @example
 * ```ts
 * const { chunks, complete } = await sim.sendAudio(samples);
 * ```
 */
export interface SendAudioResult {
  /** `media` messages sent. */
  chunks: number;
  /** Audio samples sent, not counting the µ-law silence that pads the last frame to 160 bytes. */
  samples: number;
  /** `false` when the socket closed, the call was stopped, or `signal` aborted first. */
  complete: boolean;
}

/**
 * One message received from the server.
 *
 * @example
 * ```ts
 * const events = sim.received.map((r) => (r.message as { event?: string } | undefined)?.event);
 * ```
 */
export interface ReceivedMessage {
  /** Clock time of arrival, ms. */
  at: number;
  /** The frame as received: text, or bytes for a binary frame. */
  raw: string | Uint8Array;
  /** The parsed JSON, or `undefined` for binary frames and invalid JSON. */
  message: unknown;
}

/**
 * One `media` message received from the server.
 *
 * @example
 * ```ts
 * expect(sim.receivedMedia.every((m) => m.streamSid === sim.streamSid)).toBe(true);
 * ```
 */
export interface ReceivedMedia {
  at: number;
  /** The `streamSid` the message carried (`undefined` if none). */
  streamSid: string | undefined;
  /** Decoded payload: µ-law bytes. */
  bytes: Uint8Array;
  /** Samples carried (= bytes). */
  samples: number;
  /** `true` when the message was valid and queued for playback (right `streamSid`, open socket). */
  accepted: boolean;
}

/**
 * A `clear` received from the server.
 *
 * @example
 * ```ts
 * expect(sim.clears[0]?.discardedMs).toBeGreaterThan(0);
 * ```
 */
export interface ClearRecord {
  at: number;
  streamSid: string | undefined;
  /** Buffered audio thrown away, in samples and ms. */
  discardedSamples: number;
  discardedMs: number;
  /** Names of the pending marks answered because of this clear. */
  flushedMarks: string[];
  /** `false` when the clear was rejected (wrong `streamSid`) and nothing was discarded. */
  accepted: boolean;
}

/**
 * A `mark` the simulator sent back to the server.
 *
 * @example
 * ```ts
 * expect(sim.marksEchoed.map((m) => m.name)).toEqual(["turn-1"]);
 * ```
 */
export interface MarkEcho {
  name: string;
  /** Clock time the answer was sent. */
  at: number;
  /** Clock time the server's mark arrived. */
  queuedAt: number;
  /** `true` when answered because of a `clear` rather than playback reaching it. */
  flushed: boolean;
  sequenceNumber: string;
}

/**
 * Kinds of messages Twilio would reject (error 31951, "Stream - Protocol - Invalid Message").
 * `extra-field` is only noted: the message is still processed.
 *
 * @example
 * ```ts
 * const fatal = sim.protocolErrors.filter((e) => e.kind !== ("extra-field" satisfies ProtocolErrorKind));
 * ```
 */
export type ProtocolErrorKind =
  | "binary-frame"
  | "not-json"
  | "unknown-event"
  | "missing-field"
  | "bad-payload"
  | "wrong-stream-sid"
  | "extra-field";

/**
 * A server message that does not follow the Media Streams protocol.
 *
 * @example
 * ```ts
 * expect(sim.protocolErrors).toEqual([]);
 * ```
 */
export interface ProtocolError {
  at: number;
  kind: ProtocolErrorKind;
  detail: string;
  raw: string | Uint8Array;
}

type PlaybackItem =
  | { kind: "audio"; remaining: number }
  | { kind: "mark"; name: string; queuedAt: number };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Simulates Twilio's side of one phone call's bidirectional Media Stream against a server.
 *
 * @example
 * ```ts
 * const clock = new VirtualClock();
 * const sim = new TwilioCallSimulator({ url: `ws://127.0.0.1:${port}/telephone/handler`, clock });
 * await sim.connect();                                   // sends connected + start
 * const sending = sim.sendAudio("fixtures/audio/leopard__test__8k_mulaw.wav");
 * await clock.advance(6000);                             // 5.9 s of audio go out in real time
 * await sending;
 * await sim.waitFor((s) => s.receivedMedia.length > 0, 5000);
 * await clock.advance(2000);                             // let Twilio "play" the reply
 * console.log(sim.playedMs, sim.receivedAudio().length);
 * await sim.stop();
 * ```
 */
export class TwilioCallSimulator {
  /** The handler URL connected to. */
  readonly url: string;
  readonly streamSid: string;
  readonly callSid: string;
  readonly accountSid: string;
  readonly customParameters: Readonly<Record<string, string>>;
  readonly clock: Clock;
  /** Every message received from the server, in order. */
  readonly received: ReceivedMessage[] = [];
  /** Every `media` message received from the server, valid or not. */
  readonly receivedMedia: ReceivedMedia[] = [];
  /** Every `clear` received. */
  readonly clears: ClearRecord[] = [];
  /** Every mark sent back to the server. */
  readonly marksEchoed: MarkEcho[] = [];
  /** Server messages Twilio would reject. */
  readonly protocolErrors: ProtocolError[] = [];
  /** Every message the simulator sent (parsed; `sendRaw` frames are not included). */
  readonly sent: object[] = [];
  /** WebSocket close code, once closed. */
  closeCode: number | undefined;
  /** WebSocket close reason, once closed. */
  closeReason: string | undefined;
  /** Clock time the socket closed. */
  closedAt: number | undefined;

  readonly #headers: Record<string, string>;
  readonly #handshakeTimeoutMs: number;
  #ws: WebSocket | undefined;
  #seq = 0;
  #chunk = 0;
  #nextTimestamp = 0;
  #startedAt = 0;
  #stopped = false;
  #sendChain: Promise<unknown> = Promise.resolve();
  #queue: PlaybackItem[] = [];
  #headStart = 0;
  #played = 0;
  #frozen = false;
  #timer: AbortController | undefined;
  readonly #listeners = new Set<() => void>();
  readonly #closed: Promise<{ code: number; reason: string }>;
  #resolveClosed!: (v: { code: number; reason: string }) => void;

  /** @param options - see {@link TwilioCallSimulatorOptions}. */
  constructor(options: TwilioCallSimulatorOptions) {
    if (options === null || typeof options !== "object" || typeof options.url !== "string") {
      throw new TypeError("TwilioCallSimulator needs { url: string }");
    }
    const n = ++sidCounter;
    this.url = options.url;
    this.streamSid = options.streamSid ?? nextSid("MZ", n);
    this.callSid = options.callSid ?? nextSid("CA", n);
    this.accountSid = options.accountSid ?? nextSid("AC", 1);
    this.customParameters = { ...(options.customParameters ?? {}) };
    this.clock = options.clock ?? realClock;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs ?? 10_000;
    this.#headers = { ...(options.headers ?? {}) };
    const hasSignature = Object.keys(this.#headers).some(
      (k) => k.toLowerCase() === "x-twilio-signature",
    );
    if (options.authToken !== undefined && !hasSignature) {
      this.#headers["X-Twilio-Signature"] = computeTwilioSignature(options.authToken, this.url);
    }
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  /**
   * Opens the WebSocket, then sends `connected` and `start` as Twilio does.
   *
   * @throws Error if the handshake fails (refused, non-101 answer such as 403, timeout) or
   * `connect()` was already called.
   */
  async connect(): Promise<void> {
    if (this.#ws) throw new Error("TwilioCallSimulator.connect() was already called");
    const ws = new WebSocket(this.url, {
      headers: this.#headers,
      handshakeTimeout: this.#handshakeTimeoutMs,
      perMessageDeflate: false,
    });
    this.#ws = ws;
    ws.on("message", (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on("close", (code, reason) => this.#onClose(code, reason.toString("utf8")));
    ws.on("error", (err) => log.debug("twilio simulator socket error", { error: err }));
    await new Promise<void>((resolve, reject) => {
      const onOpen = () => {
        cleanup();
        resolve();
      };
      const onError = (err: Error) => {
        cleanup();
        reject(new Error(`TwilioCallSimulator could not connect to ${this.url}: ${err.message}`));
      };
      const cleanup = () => {
        ws.off("open", onOpen);
        ws.off("error", onError);
      };
      ws.on("open", onOpen);
      ws.on("error", onError);
    });
    this.#startedAt = this.clock.now();
    this.#send({
      event: "connected",
      protocol: "Call",
      version: "1.0.0",
    } satisfies TwilioConnectedMessage);
    this.#send({
      event: "start",
      sequenceNumber: this.#nextSeq(),
      start: {
        accountSid: this.accountSid,
        streamSid: this.streamSid,
        callSid: this.callSid,
        tracks: ["inbound"],
        mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 },
        customParameters: { ...this.customParameters },
      },
      streamSid: this.streamSid,
    } satisfies TwilioStartMessage);
  }

  /** `true` while the socket is open. */
  get isOpen(): boolean {
    return this.#ws?.readyState === WebSocket.OPEN;
  }

  /** Resolves with the close code and reason once the socket has closed. */
  get closed(): Promise<{ code: number; reason: string }> {
    return this.#closed;
  }

  /**
   * Sends audio as the caller's voice: 160-byte (20 ms) `media` messages with `sequenceNumber`,
   * `media.chunk` counting up and `media.timestamp` = position in the stream in ms (it jumps ahead
   * after a pause in real-time pacing, as the stream's clock keeps running). The last frame is
   * padded with µ-law silence. Calls are queued: a second `sendAudio` starts after the first.
   *
   * @param audio - 8 kHz mono samples, a WAV path (must be 8 kHz mono), or `{ mulaw }` bytes.
   * @param options - pacing (default `"realtime"`) and an abort signal.
   * @returns what was sent; `complete: false` if the socket closed, `stop()` ran or `signal`
   * aborted before the end.
   * @throws Error if `connect()` was never called; TypeError/WavFormatError for unusable audio.
   */
  sendAudio(audio: SimulatorAudio, options: SendAudioOptions = {}): Promise<SendAudioResult> {
    if (!this.#ws) return Promise.reject(new Error("call connect() before sendAudio()"));
    const run = this.#sendChain.then(() => this.#sendAudioNow(audio, options));
    this.#sendChain = run.catch(() => undefined);
    return run;
  }

  /**
   * Sends a `dtmf` message (`track: "inbound_track"`), as when the caller presses a key.
   *
   * @param digit - `0`–`9`, `*` or `#`.
   * @returns `false` if the socket is no longer open (nothing sent).
   * @throws TypeError for another digit; Error before `connect()`.
   */
  sendDtmf(digit: string): boolean {
    if (typeof digit !== "string" || !/^[0-9*#]$/.test(digit)) {
      throw new TypeError(`DTMF digit must be one of 0-9, * or #, got ${JSON.stringify(digit)}`);
    }
    if (!this.#ws) throw new Error("call connect() before sendDtmf()");
    return this.#send({
      event: "dtmf",
      streamSid: this.streamSid,
      sequenceNumber: this.#nextSeq(),
      dtmf: { track: "inbound_track", digit },
    } satisfies TwilioDtmfMessage);
  }

  /**
   * Sends a frame as is (text for a string, binary for bytes), for bad-input tests.
   *
   * @returns `false` if the socket is not open.
   */
  sendRaw(data: string | Uint8Array): boolean {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(data, { binary: typeof data !== "string" });
    return true;
  }

  /**
   * Ends the stream as Twilio does when the call ends: sends `stop`, then (by default) closes the
   * socket with code 1000 and waits for the close.
   *
   * @param options.close - close the socket after `stop`. Default `true`. With `false` the socket
   * stays open (to watch how the server reacts) and the promise resolves right away.
   */
  async stop(options: { close?: boolean } = {}): Promise<void> {
    if (!this.#ws) throw new Error("call connect() before stop()");
    this.#stopped = true;
    this.#send({
      event: "stop",
      sequenceNumber: this.#nextSeq(),
      streamSid: this.streamSid,
      stop: { accountSid: this.accountSid, callSid: this.callSid },
    } satisfies TwilioStopMessage);
    if (options.close ?? true) await this.close(1000);
  }

  /**
   * Closes the socket without `stop` (a hang-up the server only sees as a close) and waits for it.
   *
   * @param code - close code. Default `1000`.
   * @param reason - close reason. Default `""`.
   */
  async close(code = 1000, reason = ""): Promise<void> {
    const ws = this.#ws;
    if (!ws) return;
    if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) {
      ws.close(code, reason);
    }
    await this.#closed;
  }

  /** Drops the connection abruptly (no close handshake), like a network failure, and waits. */
  async drop(): Promise<void> {
    const ws = this.#ws;
    if (!ws) return;
    ws.terminate();
    await this.#closed;
  }

  /** Samples of server audio played so far (played in real time on the clock). */
  get playedSamples(): number {
    this.#sync();
    return this.#played;
  }

  /** Milliseconds of server audio played so far. */
  get playedMs(): number {
    return this.playedSamples / SAMPLES_PER_MS;
  }

  /** Samples of server audio buffered and not yet played (kept as is once the socket closed). */
  get bufferedSamples(): number {
    this.#sync();
    let n = 0;
    for (const item of this.#queue) if (item.kind === "audio") n += item.remaining;
    return n;
  }

  /** Milliseconds of server audio buffered and not yet played. */
  get bufferedMs(): number {
    return this.bufferedSamples / SAMPLES_PER_MS;
  }

  /** Total samples of accepted server audio received (played or not). */
  get receivedSamples(): number {
    let n = 0;
    for (const m of this.receivedMedia) if (m.accepted) n += m.samples;
    return n;
  }

  /** All accepted server audio, µ-law bytes concatenated in arrival order. */
  receivedMulaw(): Uint8Array {
    const accepted = this.receivedMedia.filter((m) => m.accepted);
    const out = new Uint8Array(accepted.reduce((n, m) => n + m.bytes.length, 0));
    let at = 0;
    for (const m of accepted) {
      out.set(m.bytes, at);
      at += m.bytes.length;
    }
    return out;
  }

  /** All accepted server audio decoded to 16-bit samples at 8 kHz. */
  receivedAudio(): Int16Array {
    return muLawDecode(this.receivedMulaw());
  }

  /**
   * Resolves once `predicate(this)` is true. It is checked now, after every message and playback
   * event, and every 5 ms of wall-clock time.
   *
   * @param timeoutMs - wall-clock limit. Default `5000`.
   * @throws Error after `timeoutMs`, with a summary of what was received; or what `predicate` throws.
   */
  waitFor(predicate: (sim: this) => boolean, timeoutMs = 5000): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const finish = (err?: unknown) => {
        if (settled) return;
        settled = true;
        clearInterval(poll);
        clearTimeout(timer);
        this.#listeners.delete(check);
        if (err === undefined) resolve();
        else reject(err);
      };
      const check = () => {
        try {
          if (predicate(this)) finish();
        } catch (err) {
          finish(err ?? new Error("waitFor predicate threw"));
        }
      };
      const poll = setInterval(check, 5);
      const timer = setTimeout(
        () => finish(new Error(`waitFor timed out after ${timeoutMs} ms; ${this.#summary()}`)),
        timeoutMs,
      );
      this.#listeners.add(check);
      check();
    });
  }

  // ---------------------------------------------------------------- sending

  #nextSeq(): string {
    this.#seq += 1;
    return String(this.#seq);
  }

  #send(message: object): boolean {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(message));
    this.sent.push(message);
    return true;
  }

  async #sendAudioNow(audio: SimulatorAudio, options: SendAudioOptions): Promise<SendAudioResult> {
    const pace = options.pace ?? "realtime";
    if (pace !== "realtime" && pace !== "fast") {
      throw new TypeError(`pace must be "realtime" or "fast", got ${JSON.stringify(pace)}`);
    }
    const bytes = await toMulaw(audio);
    const total = Math.ceil(bytes.length / TWILIO_FRAME_BYTES);
    const t0 = this.clock.now();
    let chunks = 0;
    for (let i = 0; i < total; i++) {
      const captureStart = pace === "realtime" ? t0 + i * TWILIO_FRAME_MS : t0;
      if (pace === "realtime") {
        const wait = captureStart + TWILIO_FRAME_MS - this.clock.now();
        if (wait > 0) {
          try {
            await this.clock.sleep(wait, options.signal);
          } catch {
            break;
          }
        }
      }
      if (options.signal?.aborted || this.#stopped || !this.isOpen) break;
      const frame = new Uint8Array(TWILIO_FRAME_BYTES).fill(MULAW_SILENCE);
      frame.set(bytes.subarray(i * TWILIO_FRAME_BYTES, (i + 1) * TWILIO_FRAME_BYTES));
      const timestamp = Math.max(this.#nextTimestamp, Math.round(captureStart - this.#startedAt));
      this.#nextTimestamp = timestamp + TWILIO_FRAME_MS;
      this.#chunk += 1;
      const sent = this.#send({
        event: "media",
        sequenceNumber: this.#nextSeq(),
        media: {
          track: "inbound",
          chunk: String(this.#chunk),
          timestamp: String(timestamp),
          payload: Buffer.from(frame).toString("base64"),
        },
        streamSid: this.streamSid,
      } satisfies TwilioMediaMessage);
      if (!sent) break;
      chunks += 1;
    }
    return {
      chunks,
      samples: Math.min(chunks * TWILIO_FRAME_BYTES, bytes.length),
      complete: chunks === total,
    };
  }

  // -------------------------------------------------------------- receiving

  #onMessage(data: RawData, isBinary: boolean): void {
    const at = this.clock.now();
    const buf = toBuffer(data);
    if (isBinary) {
      const raw = new Uint8Array(buf);
      this.received.push({ at, raw, message: undefined });
      this.#error(at, "binary-frame", "Media Streams messages are JSON text frames", raw);
    } else {
      const text = buf.toString("utf8");
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        this.received.push({ at, raw: text, message: undefined });
        this.#error(at, "not-json", "the frame is not valid JSON", text);
        this.#notify();
        return;
      }
      this.received.push({ at, raw: text, message: parsed });
      this.#handle(parsed, text, at);
    }
    this.#notify();
  }

  #handle(parsed: unknown, raw: string, at: number): void {
    if (!isRecord(parsed) || typeof parsed.event !== "string") {
      this.#error(at, "missing-field", "a message needs a string `event`", raw);
      return;
    }
    const sid = typeof parsed.streamSid === "string" ? parsed.streamSid : undefined;
    const sidOk = this.#checkSid(sid, raw, at);
    switch (parsed.event) {
      case "media": {
        this.#checkExtra(parsed, ["event", "streamSid", "media"], "", raw, at);
        const media = parsed.media;
        if (!isRecord(media) || typeof media.payload !== "string") {
          this.#error(at, "missing-field", "media needs media.payload (a base64 string)", raw);
          return;
        }
        this.#checkExtra(media, ["payload"], "media.", raw, at);
        if (!BASE64.test(media.payload)) {
          this.#error(at, "bad-payload", "media.payload is not base64", raw);
          return;
        }
        const bytes = new Uint8Array(Buffer.from(media.payload, "base64"));
        const accepted = sidOk && !this.#frozen;
        this.receivedMedia.push({ at, streamSid: sid, bytes, samples: bytes.length, accepted });
        if (accepted && bytes.length > 0) {
          this.#advance(at);
          if (this.#queue.length === 0) this.#headStart = at;
          this.#queue.push({ kind: "audio", remaining: bytes.length });
          this.#schedule();
        }
        return;
      }
      case "mark": {
        this.#checkExtra(parsed, ["event", "streamSid", "mark"], "", raw, at);
        const mark = parsed.mark;
        if (!isRecord(mark) || typeof mark.name !== "string") {
          this.#error(at, "missing-field", "mark needs mark.name (a string)", raw);
          return;
        }
        this.#checkExtra(mark, ["name"], "mark.", raw, at);
        if (!sidOk || this.#frozen) return;
        this.#advance(at);
        if (this.#queue.length === 0) this.#headStart = at;
        this.#queue.push({ kind: "mark", name: mark.name, queuedAt: at });
        this.#advance(at);
        this.#schedule();
        return;
      }
      case "clear": {
        this.#checkExtra(parsed, ["event", "streamSid"], "", raw, at);
        if (!sidOk || this.#frozen) {
          this.clears.push({
            at,
            streamSid: sid,
            discardedSamples: 0,
            discardedMs: 0,
            flushedMarks: [],
            accepted: false,
          });
          return;
        }
        this.#advance(at);
        let discarded = 0;
        const marks: Array<Extract<PlaybackItem, { kind: "mark" }>> = [];
        for (const item of this.#queue) {
          if (item.kind === "audio") discarded += item.remaining;
          else marks.push(item);
        }
        this.#queue = [];
        this.clears.push({
          at,
          streamSid: sid,
          discardedSamples: discarded,
          discardedMs: discarded / SAMPLES_PER_MS,
          flushedMarks: marks.map((m) => m.name),
          accepted: true,
        });
        for (const m of marks) this.#echoMark(m, true);
        this.#schedule();
        return;
      }
      default:
        this.#error(at, "unknown-event", `unknown event ${JSON.stringify(parsed.event)}`, raw);
    }
  }

  #checkSid(sid: string | undefined, raw: string, at: number): boolean {
    if (sid === undefined) {
      this.#error(at, "missing-field", "the message has no streamSid", raw);
      return false;
    }
    if (sid !== this.streamSid) {
      this.#error(
        at,
        "wrong-stream-sid",
        `streamSid ${JSON.stringify(sid)} is not this stream's ${JSON.stringify(this.streamSid)}`,
        raw,
      );
      return false;
    }
    return true;
  }

  #checkExtra(
    obj: Record<string, unknown>,
    allowed: readonly string[],
    path: string,
    raw: string,
    at: number,
  ): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) {
        this.#error(at, "extra-field", `unexpected field ${path}${key}`, raw);
      }
    }
  }

  #error(at: number, kind: ProtocolErrorKind, detail: string, raw: string | Uint8Array): void {
    this.protocolErrors.push({ at, kind, detail, raw });
    log.debug("twilio simulator: invalid message from server", { kind, detail });
  }

  #onClose(code: number, reason: string): void {
    const at = this.clock.now();
    this.#advance(at);
    this.#frozen = true;
    this.#timer?.abort();
    this.#timer = undefined;
    this.closeCode = code;
    this.closeReason = reason;
    this.closedAt = at;
    this.#resolveClosed({ code, reason });
    this.#notify();
  }

  // --------------------------------------------------------------- playback

  /** Plays the buffer up to `now`: consumes audio at 8 samples/ms and answers marks reached. */
  #advance(now: number = this.clock.now()): void {
    if (this.#frozen) return;
    // The epsilon absorbs floating-point error in (now - headStart) at a mark's exact due time.
    let available = (now - this.#headStart) * SAMPLES_PER_MS + 1e-6;
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if (head.kind === "mark") {
        this.#queue.shift();
        this.#echoMark(head, false);
        continue;
      }
      if (available >= head.remaining) {
        available -= head.remaining;
        this.#headStart += head.remaining / SAMPLES_PER_MS;
        this.#played += head.remaining;
        this.#queue.shift();
      } else {
        const k = Math.max(0, Math.floor(available));
        head.remaining -= k;
        this.#headStart += k / SAMPLES_PER_MS;
        this.#played += k;
        break;
      }
    }
  }

  /** Arms one clock timer for when playback reaches the first pending mark. */
  #schedule(): void {
    this.#timer?.abort();
    this.#timer = undefined;
    if (this.#frozen) return;
    let before = 0;
    let hasMark = false;
    for (const item of this.#queue) {
      if (item.kind === "mark") {
        hasMark = true;
        break;
      }
      before += item.remaining;
    }
    if (!hasMark) return;
    const due = this.#headStart + before / SAMPLES_PER_MS;
    const timer = new AbortController();
    this.#timer = timer;
    this.clock.sleep(Math.max(0, due - this.clock.now()), timer.signal).then(
      () => {
        if (this.#timer !== timer) return;
        this.#timer = undefined;
        this.#advance();
        this.#schedule();
        this.#notify();
      },
      () => {},
    );
  }

  #sync(): void {
    if (this.#frozen) return;
    const before = this.#queue.length;
    const head = this.#queue[0];
    this.#advance();
    if (this.#queue.length !== before || this.#queue[0] !== head) this.#schedule();
  }

  #echoMark(item: Extract<PlaybackItem, { kind: "mark" }>, flushed: boolean): void {
    const sequenceNumber = this.#nextSeq();
    this.#send({
      event: "mark",
      sequenceNumber,
      streamSid: this.streamSid,
      mark: { name: item.name },
    } satisfies TwilioMarkMessage);
    this.marksEchoed.push({
      name: item.name,
      at: this.clock.now(),
      queuedAt: item.queuedAt,
      flushed,
      sequenceNumber,
    });
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #summary(): string {
    const events = this.received
      .map((r) => (isRecord(r.message) ? String(r.message.event) : "?"))
      .reduce<Record<string, number>>((acc, e) => {
        acc[e] = (acc[e] ?? 0) + 1;
        return acc;
      }, {});
    return (
      `received ${JSON.stringify(events)}, media ${this.receivedMedia.length}, ` +
      `marks echoed ${this.marksEchoed.length}, clears ${this.clears.length}, ` +
      `protocol errors ${this.protocolErrors.length}, closeCode ${this.closeCode ?? "none"}`
    );
  }
}

async function toMulaw(audio: SimulatorAudio): Promise<Uint8Array> {
  if (audio instanceof Int16Array) return muLawEncode(audio);
  if (typeof audio === "string" || audio instanceof URL) {
    const chunk = await readWavAsChunk(audio);
    const [rate, samples] = chunk;
    if (rate !== 8000 || chunk[2] === "stereo") {
      throw new TypeError(
        `${String(audio)}: Twilio streams 8 kHz mono; this file is ${rate} Hz ${chunk[2] ?? "mono"}`,
      );
    }
    return muLawEncode(samples as Int16Array);
  }
  if (audio !== null && typeof audio === "object" && audio.mulaw instanceof Uint8Array) {
    return audio.mulaw;
  }
  throw new TypeError(
    "sendAudio needs an Int16Array (8 kHz), a WAV path, or { mulaw: Uint8Array }",
  );
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data as ArrayBuffer);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
