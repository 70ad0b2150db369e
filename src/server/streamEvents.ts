import type { SessionTurnEvent } from "../session/turnTypes.js";
import type { TransportKind } from "./connectionEntry.js";

/**
 * A reply was interrupted (the handler called `clearQueue()`, e.g. `ReplyOnPause` heard the
 * person talk over it).
 *
 * @example
 * ```ts
 * stream.on("interrupted", (e: InterruptionEvent) => {
 *   if (e.transport === "telephone") trimTranscript(e.id, e.playedMs);
 * });
 * ```
 */
export interface InterruptionEvent {
  id: string;
  transport: TransportKind;
  /** Audio of the interrupted reply sent to the client, in ms. */
  sentMs: number;
  /**
   * Audio of it the person heard, in ms. Telephone: confirmed by Twilio's mark echoes (accurate
   * to 100 ms). WebRTC and WebSocket: audio is released in real time, so this is `sentMs`
   * (the client's playout buffer, tens of ms, is not subtracted). WebRTC on media threads
   * (`webrtcMediaThreads`): frames go to the thread up to 60 ms ahead and those still queued
   * there are dropped, counted here as not sent (estimated from the send-ahead).
   */
  playedMs: number;
  /** Queued audio of the reply that was never sent, in ms. */
  droppedMs: number;
}

/**
 * One lifecycle step of a turn on a connection (see `TurnEventType`), with the latencies known
 * so far.
 *
 * @example
 * ```ts
 * stream.on("turn", (e: TurnEvent) => {
 *   if (e.type === "turn_ended") histogram.observe(e.latencies.speechEndToFirstAudioMs ?? NaN);
 * });
 * ```
 */
export interface TurnEvent extends SessionTurnEvent {
  id: string;
  transport: TransportKind;
}

/**
 * The events of a `Stream`, by name.
 *
 * @example
 * ```ts
 * stream.on("connect", ({ id, transport }) => metrics.inc(transport));
 * stream.on("dtmf", ({ id, digit }) => console.log(id, "pressed", digit));
 * ```
 */
export interface StreamEvents {
  /** A connection took a slot (WebRTC: its offer was answered; WebSocket/telephone: `start`). */
  connect: { id: string; transport: TransportKind };
  /** A connection ended and its slot is free again. */
  disconnect: { id: string; transport: TransportKind };
  /** A reply was interrupted. */
  interrupted: InterruptionEvent;
  /** A step of a conversational turn, with timestamps and derived latencies. */
  turn: TurnEvent;
  /** A caller pressed a key (Twilio `dtmf`). */
  dtmf: { id: string; digit: string };
}

/**
 * Where connection code reports {@link StreamEvents}.
 *
 * @internal
 */
export type StreamEventSink = <K extends keyof StreamEvents>(
  name: K,
  event: StreamEvents[K],
) => void;
