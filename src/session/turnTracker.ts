import type {
  HandlerTurnEventType,
  SessionTurnEvent,
  TurnEventType,
  TurnLatencies,
} from "./turnTypes.js";

interface Turn {
  n: number;
  at: Partial<Record<TurnEventType, number>>;
}

function latencies(turn: Turn): TurnLatencies {
  const a = turn.at;
  const out: TurnLatencies = {};
  const diff = (from?: number, to?: number) =>
    from === undefined || to === undefined ? undefined : Math.round((to - from) * 1000) / 1000;
  const set = (key: keyof TurnLatencies, value: number | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set("speechEndToTurnDetectedMs", diff(a.speech_ended, a.turn_detected));
  set("turnDetectedToFirstAudioMs", diff(a.turn_detected, a.first_audio_sent));
  set("speechEndToFirstAudioMs", diff(a.speech_ended, a.first_audio_sent));
  set("handlerStartToFirstOutputMs", diff(a.handler_started, a.first_output));
  return out;
}

/**
 * Groups a connection's lifecycle steps into numbered turns. A turn is "listening" from its
 * first speech until it is detected, then "replying" until it ends; the next turn can start
 * listening while the previous one is still replying (that is how interruptions happen).
 * Each step is reported once per turn, in order.
 *
 * @example
 * ```ts
 * const tracker = new TurnTracker((e) => events.push(e));
 * tracker.handler("speech_started", 100);
 * tracker.handler("turn_detected", 900);
 * tracker.audioSent(950); // first_audio_sent of turn 1
 * ```
 */
export class TurnTracker {
  readonly #emit: (event: SessionTurnEvent) => void;
  #count = 0;
  #listening: Turn | null = null;
  #replying: Turn | null = null;
  /** The reply finished producing; `turn_ended` waits until its audio has been sent. */
  #endPending = false;

  constructor(emit: (event: SessionTurnEvent) => void) {
    this.#emit = emit;
  }

  /** A step reported by the handler, at clock time `at`. */
  handler(type: HandlerTurnEventType, at: number): void {
    switch (type) {
      case "speech_started":
      case "speech_ended":
      case "end_candidate":
      case "candidate_cancelled":
        this.#record(this.#listen(), type, at);
        return;
      case "turn_detected": {
        const turn = this.#listen();
        this.#listening = null;
        if (this.#replying) this.#end(at);
        this.#record(turn, type, at);
        this.#replying = turn;
        this.#endPending = false;
        return;
      }
      case "interrupted":
        if (!this.#replying) return;
        this.#record(this.#replying, type, at);
        this.#end(at);
        return;
      case "handler_started":
      case "first_output":
      case "playback_paused":
      case "playback_resumed":
        if (this.#replying) this.#record(this.#replying, type, at);
        return;
      case "turn_ended":
        if (this.#replying) this.#endPending = true;
        return;
    }
  }

  /** A reply frame left the server. */
  audioSent(at: number): void {
    const turn = this.#replying;
    if (turn && turn.at.handler_started !== undefined) this.#record(turn, "first_audio_sent", at);
  }

  /** The output queue ran empty: a finished reply has been sent completely. */
  outputIdle(at: number): void {
    if (this.#endPending) this.#end(at);
  }

  #listen(): Turn {
    this.#listening ??= { n: ++this.#count, at: {} };
    return this.#listening;
  }

  #end(at: number): void {
    const turn = this.#replying;
    this.#replying = null;
    this.#endPending = false;
    if (turn) this.#record(turn, "turn_ended", at);
  }

  #record(turn: Turn, type: TurnEventType, at: number): void {
    if (turn.at[type] !== undefined) return;
    turn.at[type] = at;
    this.#emit({ turn: turn.n, type, at, latencies: latencies(turn) });
  }
}
