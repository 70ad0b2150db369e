import type { WebSocket } from "ws";
import { muLawDecode } from "../audio/g711.js";
import type { TelephoneCallInfo } from "../handlers/context.js";
import type { StreamHandlerBase } from "../handlers/StreamHandler.js";
import { getLogger } from "../logger.js";
import { Session } from "../session/Session.js";
import type { ClearInfo, OutputFrame } from "../session/sessionTypes.js";
import { PlaybackMarks } from "../transports/telephone/playbackMarks.js";
import { MuLawOutput } from "../transports/websocket/muLawOutput.js";
import {
  CLOSE_CODES,
  type ClientMessage,
  clearMessage,
  markMessage,
  mediaMessage,
  PONG,
  parseClientMessage,
} from "../transports/websocket/wsMessages.js";
import { type Clock, startTimer } from "../utils/clock.js";
import type { ConnectionEntry } from "./connectionEntry.js";
import type { OutputsBus } from "./outputsBus.js";
import type { StreamEventSink } from "./streamEvents.js";

const log = getLogger("server");

/** Most messages held while a slot claim is pending (about 5 s of 20 ms media). */
const MAX_HELD_MESSAGES = 256;

/** Twilio's media rate. */
const PHONE_RATE = 8000;
/** Protocol errors a socket may make before it is closed. */
const MAX_PROTOCOL_ERRORS = 20;
/** WebSocket close code "going away" (RFC 6455), sent to a socket closed for inactivity. */
const GOING_AWAY = 1001;
/** Unsent bytes above which outbound audio is dropped (the client is not reading). */
const MAX_BUFFERED_BYTES = 1 << 20;

/**
 * The answer of the stream's registry to a `start`.
 *
 * @internal
 */
export type RegisterResult = { ok: true } | { ok: false; error: string; extra?: object };

/** Everything a {@link WebSocketEntry} needs from its stream.
 *
 * @internal
 */
export interface WebSocketEntryOptions {
  transport: "websocket" | "telephone";
  /** The stream's handler; the entry copies it at `start`. */
  handler: StreamHandlerBase;
  clock: Clock;
  /** ms a socket has to send `start` before it is closed. */
  startTimeoutMs: number;
  /**
   * ms without any inbound frame (message or pong) after `start` before the socket is taken
   * for dead and closed; halfway there the server pings it. `null` never.
   */
  inactivityTimeoutMs?: number | null;
  timeLimitMs: number | null;
  /** ms of output released ahead of play time. */
  sendAheadMs: number;
  outputs: OutputsBus;
  /**
   * Claims a slot for the id (concurrency limit, id in use). A promise (a claim across
   * processes) holds the socket's later messages until it settles.
   */
  register(entry: WebSocketEntry): RegisterResult | Promise<RegisterResult>;
  /** Called once when a registered entry is cleaned up (frees its slot). */
  onCleanup(entry: WebSocketEntry): void;
  events: StreamEventSink;
  /** Send turn steps to the client as `log` messages too. */
  sendTurnMetrics: boolean;
  /**
   * What handler code sees as `getCurrentContext().websocket` (the app's own socket object when
   * the socket came through `stream.telephoneHandler`/`websocketHandler`). Default: the socket.
   */
  contextSocket?: unknown;
}

/** The call as the handler's context shows it (`From`/`To` come from custom parameters). */
function callInfo(
  streamSid: string,
  callSid: string | null,
  parameters: Record<string, string>,
): TelephoneCallInfo {
  const info: TelephoneCallInfo = { callSid: callSid ?? "", streamSid, parameters };
  const from = parameters.From ?? parameters.from;
  const to = parameters.To ?? parameters.to;
  if (from !== undefined) info.from = from;
  if (to !== undefined) info.to = to;
  return info;
}

/**
 * One WebSocket connection of a stream, on `/websocket/offer` (FastRTC's JSON + µ-law protocol)
 * or `/telephone/handler` (Twilio Media Streams, phone mode). Owns the socket, the handler copy
 * and its session from `start` to cleanup.
 *
 * Beyond FastRTC: `error`, `warning`, `fetch_output` and `end_stream` reach WebSocket clients,
 * `shutdown()` is called, `timeLimit` applies, output is paced in real time (idle emits create
 * no backlog), an interruption sends `clear` (and, on the phone, marks measure what was heard),
 * and a socket that closes before `start` just goes away.
 *
 * @internal
 */
export class WebSocketEntry implements ConnectionEntry {
  readonly transport: "websocket" | "telephone";
  readonly #socket: WebSocket;
  readonly #opts: WebSocketEntryOptions;
  #id: string | null = null;
  #handler: StreamHandlerBase | null = null;
  /** Messages held while the slot claim is pending (a claim across processes). */
  #held: ClientMessage[] | null = null;
  #session: Session | null = null;
  #output: MuLawOutput | null = null;
  readonly #marks: PlaybackMarks | null;
  #registered = false;
  #errors = 0;
  #droppingOutput = false;
  /** The next payload sent is the first of a reply (after a pause or a clear). */
  #replyStarts = false;
  #timers: Array<{ cancel(): void }> = [];
  /** Frames received (messages and pongs), watched by the inactivity check. */
  #inbound = 0;
  #watchdog: { cancel(): void } | null = null;
  #cleanup: Promise<void> | null = null;

  constructor(socket: WebSocket, options: WebSocketEntryOptions) {
    this.#socket = socket;
    this.#opts = options;
    this.transport = options.transport;
    this.#marks = options.transport === "telephone" ? new PlaybackMarks() : null;
    socket.on("message", (data, isBinary) => {
      this.#inbound++;
      this.#onMessage(data, isBinary);
    });
    socket.on("pong", () => {
      this.#inbound++;
    });
    socket.on("close", () => void this.cleanup());
    socket.on("error", (err) => {
      log.debug("websocket error", { err, id: this.#id });
      void this.cleanup(CLOSE_CODES.internal);
    });
    this.#timers.push(
      startTimer(this.#opts.clock, options.startTimeoutMs, () => {
        if (this.#id !== null) return;
        log.info("websocket sent no start message in time");
        this.#sendError('No "start" message in time');
        void this.cleanup(CLOSE_CODES.policy, "no start message");
      }),
    );
  }

  /** The connection id (`websocket_id` or Twilio's `streamSid`); empty before `start`. */
  get id(): string {
    return this.#id ?? "";
  }

  /** The handler copy serving this connection (the template before `start`). */
  get handler(): StreamHandlerBase {
    return this.#handler ?? this.#opts.handler;
  }

  /** The running session, once started. */
  get session(): Session | null {
    return this.#session;
  }

  get closed(): boolean {
    return this.#cleanup !== null;
  }

  /** Sends a side-band message as a text frame (never to Twilio, which only knows media). */
  send(message: object): boolean {
    if (this.transport === "telephone") return false;
    return this.#sendText(JSON.stringify(message));
  }

  /**
   * Ends the connection: stops the session (`shutdown()`, `reset()`), ends output streams,
   * frees the slot and closes the socket with `code`. Idempotent.
   */
  cleanup(code: number = CLOSE_CODES.normal, reason = ""): Promise<void> {
    this.#cleanup ??= (async () => {
      for (const t of this.#timers) t.cancel();
      this.#watchdog?.cancel();
      if (this.#registered) {
        this.#opts.onCleanup(this);
        this.#opts.outputs.end(this.id);
      }
      try {
        await this.#session?.close();
      } finally {
        if (this.#socket.readyState === this.#socket.OPEN) this.#socket.close(code, reason);
        else if (this.#socket.readyState === this.#socket.CONNECTING) this.#socket.terminate();
      }
    })();
    return this.#cleanup;
  }

  #onMessage(data: unknown, isBinary: boolean): void {
    if (this.closed) return;
    if (isBinary) {
      this.#protocolError("Binary frames are not supported: send JSON text messages");
      return;
    }
    const text = Buffer.isBuffer(data)
      ? data.toString("utf8")
      : Array.isArray(data)
        ? Buffer.concat(data as Buffer[]).toString("utf8")
        : Buffer.from(data as ArrayBuffer).toString("utf8");
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.#protocolError(parsed.error);
      return;
    }
    if (this.#held) {
      if (this.#held.length >= MAX_HELD_MESSAGES) {
        this.#protocolError("Too many messages before the session started");
        return;
      }
      this.#held.push(parsed.message);
      return;
    }
    this.#dispatch(parsed.message);
  }

  #dispatch(message: ClientMessage): void {
    switch (message.event) {
      case "start":
        if (this.#id === null && this.#refuseRates(message)) return;
        this.#start(message.id, message.callSid, message.customParameters);
        return;
      case "media":
        this.#media(message.payload);
        return;
      case "stop":
        void this.cleanup(CLOSE_CODES.normal, "stop");
        return;
      case "ping":
        this.#sendText(PONG);
        return;
      case "mark":
        this.#marks?.echoed(message.name);
        return;
      case "text":
        if (this.#session) this.#session.pushText(message.text);
        else this.#protocolError('"text" before "start"');
        return;
      case "dtmf":
        if (this.#id !== null) this.#opts.events("dtmf", { id: this.#id, digit: message.digit });
        return;
      case "other":
        log.debug("ignored websocket event", { event: message.name, id: this.#id });
        return;
    }
  }

  /**
   * FastRTC's protocol carries no rate: media is taken to be at the handler's rates. A client
   * that announces other rates in `start` (`input_sample_rate`/`output_sample_rate`, as the
   * fastrtc-ts client does) would be heard as noise at the wrong speed, so it is refused with a
   * `failed` message naming the handler's rates, the way a full server refuses a `start`.
   */
  #refuseRates(message: Extract<ClientMessage, { event: "start" }>): boolean {
    const { inputSampleRate: input, outputSampleRate: output } = message;
    if (this.transport !== "websocket" || (input === undefined && output === undefined)) {
      return false;
    }
    const handler = this.#opts.handler;
    const expected = { input: handler.inputSampleRate, output: handler.outputSampleRate };
    if (
      (input === undefined || input === expected.input) &&
      (output === undefined || output === expected.output)
    ) {
      return false;
    }
    const text =
      `sample rate mismatch: this stream's handler takes ${expected.input} Hz audio and sends ${expected.output} Hz, ` +
      `the client announced ${input ?? "?"} Hz in and ${output ?? "?"} Hz out`;
    log.warn(`websocket client refused: ${text}`, { id: message.id });
    this.#sendText(
      JSON.stringify({
        status: "failed",
        meta: {
          error: "sample_rate_mismatch",
          input_sample_rate: expected.input,
          output_sample_rate: expected.output,
          message: text,
        },
      }),
    );
    void this.cleanup(CLOSE_CODES.policy, "sample rate mismatch");
    return true;
  }

  #start(id: string | null, callSid: string | null, parameters: Record<string, string>): void {
    if (this.#id !== null) {
      this.#protocolError('Duplicate "start" message');
      return;
    }
    if (id === null) {
      const field = this.transport === "telephone" ? '"streamSid"' : '"websocket_id"';
      this.#sendError(`"start" needs a non-empty ${field} string`);
      void this.cleanup(CLOSE_CODES.policy, "bad start message");
      return;
    }
    this.#id = id;
    const pending = this.#opts.register(this);
    if (!(pending instanceof Promise)) {
      this.#claimed(id, pending, callSid, parameters);
      return;
    }
    // Messages that come while the slot is claimed elsewhere wait, in order, for the answer.
    const held: ClientMessage[] = [];
    this.#held = held;
    void pending
      .catch((): RegisterResult => ({ ok: false, error: "cluster_unavailable" }))
      .then((claim) => {
        this.#held = null;
        if (this.closed) return;
        this.#claimed(id, claim, callSid, parameters);
        for (const message of held) {
          if (this.closed) return;
          this.#dispatch(message);
        }
      });
  }

  #claimed(
    id: string,
    claim: RegisterResult,
    callSid: string | null,
    parameters: Record<string, string>,
  ): void {
    if (!claim.ok) {
      this.#sendText(
        JSON.stringify({ status: "failed", meta: { error: claim.error, ...claim.extra } }),
      );
      const code =
        claim.error === "concurrency_limit_reached"
          ? CLOSE_CODES.tryAgainLater
          : CLOSE_CODES.policy;
      void this.cleanup(code, claim.error);
      return;
    }
    this.#registered = true;
    this.#opts.outputs.open(id);
    const handler = this.#opts.handler.copy();
    this.#handler = handler;
    const phone = this.transport === "telephone";
    // Phones: the session frames straight at 8 kHz (one resampling from the emitted rate; 60 dB
    // is below what 8-bit µ-law resolves), so the µ-law encoder only encodes.
    const wireRate = phone ? PHONE_RATE : handler.outputSampleRate;
    this.#output = new MuLawOutput(wireRate, wireRate);
    const session = new Session(handler, {
      id,
      clock: this.#opts.clock,
      phoneMode: phone,
      websocket: this.#opts.contextSocket ?? this.#socket,
      ...(phone ? { telephone: callInfo(id, callSid, parameters) } : {}),
      sendAheadMs: this.#opts.sendAheadMs,
      ...(phone
        ? {
            output: { sampleRate: PHONE_RATE, quality: "fast" as const },
            wireInputRate: PHONE_RATE,
            inputQuality: "fast" as const,
            // As FastRTC: each 20 ms message reaches receive() as one frame at the handler's rate
            // (or at 8 kHz, unresampled, for a handler whose receiveRateFor takes the wire's rate).
            inputFraming: "duration" as const,
          }
        : {}),
      channel: phone ? null : { send: (text) => void this.#sendText(text) },
      onAudio: (frame) => this.#sendAudio(frame),
      onClear: (info) => this.#interrupted(info),
      onPause: () => this.#paused(),
      ...(this.#marks ? { unplayedFrames: () => this.#marks?.unplayedFrames() ?? 0 } : {}),
      onTurnEvent: (e) => {
        this.#opts.events("turn", { ...e, id, transport: this.transport });
        if (this.#opts.sendTurnMetrics) this.send({ type: "log", data: "turn_event", meta: e });
      },
      onOutputs: (outputs) => this.#opts.outputs.push(id, outputs),
      onEnd: (reason) => {
        if (reason.kind === "close-stream") void this.cleanup(CLOSE_CODES.normal, "end of stream");
      },
    });
    this.#session = session;
    session.start();
    this.#watchInbound();
    const limit = this.#opts.timeLimitMs;
    if (limit !== null) {
      this.#timers.push(
        startTimer(this.#opts.clock, limit, () => {
          log.info("time limit reached", { id });
          void this.cleanup(CLOSE_CODES.normal, "time limit reached");
        }),
      );
    }
  }

  /**
   * Closes a socket that sends nothing for the inactivity timeout (a vanished client whose TCP
   * connection lingers): it is pinged once it has been quiet for half of it (clients answer
   * pings without any code), and terminated at the end of it.
   */
  #watchInbound(): void {
    const limit = this.#opts.inactivityTimeoutMs ?? null;
    if (limit === null || this.closed) return;
    const clock = this.#opts.clock;
    const tick = Math.max(10, Math.min(1000, limit / 4));
    let seen = this.#inbound;
    let lastChange = clock.now();
    let pinged = false;
    const check = () => {
      if (this.closed) return;
      const now = clock.now();
      if (this.#inbound !== seen) {
        seen = this.#inbound;
        lastChange = now;
        pinged = false;
      } else if (now - lastChange >= limit) {
        log.info("websocket peer sent nothing: closing it", {
          id: this.#id,
          silentMs: now - lastChange,
        });
        void this.cleanup(GOING_AWAY, "inactivity").finally(() => {
          this.#socket.terminate();
        });
        return;
      } else if (!pinged && now - lastChange >= limit / 2) {
        pinged = true;
        if (this.#socket.readyState === this.#socket.OPEN) {
          this.#socket.ping(undefined, undefined, (err) => {
            if (err) log.debug("websocket ping failed", { err, id: this.#id });
          });
        }
      }
      this.#watchdog = startTimer(clock, tick, check);
    };
    this.#watchdog = startTimer(clock, tick, check);
  }

  #media(payload: Uint8Array): void {
    const session = this.#session;
    if (!session) {
      this.#protocolError('"media" before "start"');
      return;
    }
    if (payload.length === 0) return;
    const rate = this.transport === "telephone" ? PHONE_RATE : session.handler.inputSampleRate;
    session.pushAudio([rate, muLawDecode(payload)]);
  }

  #sendAudio(frame: OutputFrame): void {
    const output = this.#output;
    if (!output) return;
    if (this.#socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      if (!this.#droppingOutput)
        log.warn("client is not reading: dropping audio", { id: this.#id });
      this.#droppingOutput = true;
      return;
    }
    this.#droppingOutput = false;
    const sid = this.transport === "telephone" ? (this.#id ?? "") : undefined;
    this.#replyStarts ||= frame.discontinuity;
    for (const payload of output.encode(frame.samples)) {
      this.#sendText(mediaMessage(payload, sid));
      const mark = this.#marks?.frameSent(this.#replyStarts);
      this.#replyStarts = false;
      if (mark && sid !== undefined) this.#sendText(markMessage(sid, mark));
    }
  }

  #interrupted(info: ClearInfo): void {
    const id = this.#id;
    if (id === null) return;
    const phone = this.transport === "telephone";
    this.#output?.reset();
    this.#sendText(clearMessage(phone ? id : undefined));
    const sentMs = info.releasedFrames * 20;
    const heard = this.#marks?.interrupt();
    this.#opts.events("interrupted", {
      id,
      transport: this.transport,
      sentMs: heard?.sentMs ?? sentMs,
      playedMs: heard?.playedMs ?? sentMs,
      droppedMs: info.droppedFrames * 20,
    });
  }

  /**
   * Barge-in paused the reply: the client drops what it buffered (the session re-sends the
   * part not yet played if the reply resumes).
   */
  #paused(): void {
    const id = this.#id;
    if (id === null) return;
    this.#output?.reset();
    this.#sendText(clearMessage(this.transport === "telephone" ? id : undefined));
    this.#marks?.interrupt();
  }

  #protocolError(message: string): void {
    log.debug("websocket protocol error", { message, id: this.#id });
    this.#sendError(message);
    if (++this.#errors > MAX_PROTOCOL_ERRORS) {
      void this.cleanup(CLOSE_CODES.policy, "too many invalid messages");
    }
  }

  /** Errors go to FastRTC WebSocket clients as `{"type":"error"}`; Twilio only gets logs. */
  #sendError(message: string): void {
    if (this.transport === "telephone") {
      log.warn("telephone protocol error", { message, id: this.#id });
      return;
    }
    this.#sendText(JSON.stringify({ type: "error", message }));
  }

  #sendText(text: string): boolean {
    if (this.#socket.readyState !== this.#socket.OPEN) return false;
    this.#socket.send(text);
    return true;
  }
}
