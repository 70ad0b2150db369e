/**
 * Entry of a WebRTC media thread: hosts werift peers ({@link WebRtcConnection}: ICE, DTLS, SRTP,
 * RTP, the data channel, the jitter buffer and Opus), and paces each peer's reply audio on this
 * thread's own timers ({@link FramePacer}). The main thread keeps the sessions and handlers and
 * talks to this one in batches of {@link ToMediaThread} / {@link FromMediaThread} messages.
 *
 * @internal
 */
import { parentPort, workerData } from "node:worker_threads";
import { configureLogger, getLogger, type LogLevel, type LogSink } from "../../../logger.js";
import { WebRtcConnection } from "../WebRtcConnection.js";
import { FramePacer } from "./pacer.js";
import {
  cloneLogFields,
  type FromMediaThread,
  type PeerCall,
  type ThreadError,
  type ToMediaThread,
} from "./threadMessages.js";

const log = getLogger("webrtc");
/** How often changed peer counters are reported to the main thread. */
const COUNTERS_INTERVAL_MS = 100;

interface Hosted {
  conn: WebRtcConnection;
  pacer: FramePacer;
  /** Counters last reported: inbound datagrams, RTP sent, RTP received. */
  reported: [number, number, number];
}

const port = parentPort;
if (!port) throw new Error("mediaThreadWorker must run in a worker thread");

/** Log records go to the main thread's logger (its level at start, its sink). */
function forward(level: "debug" | "info" | "warn" | "error"): LogSink["warn"] {
  // The fields carry the record's component, which the main thread's logger keeps.
  return (message, fields) => emit({ k: "log", level, message, fields: cloneLogFields(fields) });
}
configureLogger({
  level: ((workerData as { logLevel?: LogLevel } | null)?.logLevel ?? "warn") as LogLevel,
  sink: {
    debug: forward("debug"),
    info: forward("info"),
    warn: forward("warn"),
    error: forward("error"),
  },
});

const hosted = new Map<number, Hosted>();
let outbox: FromMediaThread[] = [];
let transfers: ArrayBuffer[] = [];
let flushing = false;

function emit(message: FromMediaThread, transfer?: ArrayBuffer): void {
  outbox.push(message);
  if (transfer) transfers.push(transfer);
  if (!flushing) {
    flushing = true;
    setImmediate(flush);
  }
}

function flush(): void {
  flushing = false;
  const batch = outbox;
  const list = transfers;
  outbox = [];
  transfers = [];
  port?.postMessage(batch, list);
}

function threadError(err: unknown): ThreadError {
  return err instanceof Error
    ? { name: err.name, message: err.message }
    : { name: "Error", message: String(err) };
}

function open(h: number, options: ConstructorParameters<typeof WebRtcConnection>[0]): void {
  let host: Hosted | undefined;
  const conn = new WebRtcConnection(options, {
    onAudio: (pcm) => {
      // A fresh buffer of exactly this frame: the decoder's may be a view of wasm memory.
      const copy = pcm.slice();
      emit({ k: "audio", h, pcm: copy }, copy.buffer as ArrayBuffer);
    },
    onDataChannel: (label) => emit({ k: "channel", h, label }),
    onDataChannelMessage: (text) => emit({ k: "text", h, text }),
    onStateChange: (state) => {
      if (state === "closed" && host) {
        host.pacer.close();
        reportCounters(h, host);
        hosted.delete(h);
      }
      emit({ k: "state", h, state });
    },
  });
  const pacer = new FramePacer((f) => {
    try {
      conn.sendAudio(f.samples, f.sampleRate, f.discontinuity);
    } catch (err) {
      emit({ k: "error", h, op: "sendAudio", error: threadError(err) });
    }
  });
  host = { conn, pacer, reported: [0, 0, 0] };
  hosted.set(h, host);
}

async function run(host: Hosted, body: PeerCall): Promise<unknown> {
  switch (body.op) {
    case "applyOffer":
      return host.conn.applyOffer(body.sdp);
    case "createAnswer":
      return host.conn.createAnswer();
    case "addIceCandidate":
      return host.conn.addIceCandidate(body.init);
    case "close":
      return host.conn.close();
  }
}

function call(h: number, id: number, body: PeerCall): void {
  const host = hosted.get(h);
  if (!host) {
    if (body.op === "close") emit({ k: "reply", call: id, ok: true, value: undefined });
    else {
      const error = { name: "InvalidSdpError", message: "The connection is closed" };
      emit({ k: "reply", call: id, ok: false, error });
    }
    return;
  }
  run(host, body).then(
    (value) => emit({ k: "reply", call: id, ok: true, value }),
    (err: unknown) => emit({ k: "reply", call: id, ok: false, error: threadError(err) }),
  );
}

function handle(m: ToMediaThread): void {
  if (m.k === "open") {
    try {
      open(m.h, m.options);
    } catch (err) {
      emit({ k: "error", h: m.h, op: "open", error: threadError(err) });
      emit({ k: "state", h: m.h, state: "failed" });
    }
    return;
  }
  if (m.k === "call") {
    call(m.h, m.call, m.body);
    return;
  }
  const host = hosted.get(m.h);
  if (!host) return;
  try {
    switch (m.k) {
      case "audio":
        host.pacer.push({ samples: m.samples, sampleRate: m.rate, discontinuity: m.disc });
        break;
      case "drop":
        host.pacer.drop();
        break;
      case "text":
        host.conn.sendMessage(m.text);
        break;
      case "accept":
        host.conn.acceptAudio(m.media, m.direction);
        break;
      case "ignore":
        host.conn.ignore(m.media);
        break;
    }
  } catch (err) {
    log.debug("media thread request failed", { op: m.k, err });
    emit({ k: "error", h: m.h, op: m.k, error: threadError(err) });
  }
}

function reportCounters(h: number, host: Hosted): void {
  const { conn, reported } = host;
  if (
    conn.inboundDatagrams === reported[0] &&
    conn.packetsSent === reported[1] &&
    conn.packetsReceived === reported[2]
  )
    return;
  host.reported = [conn.inboundDatagrams, conn.packetsSent, conn.packetsReceived];
  emit({
    k: "counters",
    h,
    inbound: conn.inboundDatagrams,
    sent: conn.packetsSent,
    received: conn.packetsReceived,
  });
}

port.on("message", (batch: ToMediaThread[]) => {
  for (const m of batch) handle(m);
});
setInterval(() => {
  for (const [h, host] of hosted) reportCounters(h, host);
}, COUNTERS_INTERVAL_MS).unref();
