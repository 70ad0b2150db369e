/**
 * The steps of one conversational turn, in the order they normally happen:
 *
 * - `speech_started`: the VAD heard the person start (estimated time of the first voiced audio).
 * - `speech_ended`: the VAD's estimate of the last voiced audio of the turn.
 * - `turn_detected`: the handler decided the turn is over (pause, stop word, text, trigger).
 * - `handler_started`: the reply function was called.
 * - `first_output`: the reply function produced its first value.
 * - `first_audio_sent`: the first reply frame left the server.
 * - `interrupted`: the person talked over the reply (or typed); the rest was dropped.
 * - `end_candidate`: (streaming policy) the first short silence that could end the turn; a
 *   preemptive reply starts here.
 * - `candidate_cancelled`: (streaming policy) the person went on speaking after a candidate.
 * - `playback_paused` / `playback_resumed`: (barge-in) the reply's audio was paused at the
 *   onset of the person's speech, and resumed when it turned out to be a short noise.
 * - `turn_ended`: the reply is over: all its audio was sent, or it was interrupted.
 *
 * @example
 * ```ts
 * stream.on("turn", (e) => {
 *   if (e.type === ("first_audio_sent" satisfies TurnEventType)) console.log(e.latencies);
 * });
 * ```
 */
export type TurnEventType =
  | "speech_started"
  | "speech_ended"
  | "turn_detected"
  | "handler_started"
  | "first_output"
  | "first_audio_sent"
  | "interrupted"
  | "turn_ended"
  | "end_candidate"
  | "candidate_cancelled"
  | "playback_paused"
  | "playback_resumed";

/**
 * The events a handler reports itself (the session adds `first_audio_sent` and closes turns).
 *
 * @example
 * ```ts
 * class MyHandler extends AsyncStreamHandler {
 *   async receive(frame: AudioChunk) {
 *     if (await this.endOfTurn(frame)) this.markTurn("turn_detected" satisfies HandlerTurnEventType);
 *   }
 * }
 * ```
 */
export type HandlerTurnEventType = Exclude<TurnEventType, "first_audio_sent">;

/**
 * Latencies of a turn derived from its events, in ms; a field is present once both of its
 * events happened.
 *
 * @example
 * ```ts
 * const { speechEndToFirstAudioMs }: TurnLatencies = event.latencies;
 * ```
 */
export interface TurnLatencies {
  /** End of speech → turn detected: the end-of-turn delay. */
  speechEndToTurnDetectedMs?: number;
  /** Turn detected → first reply audio sent: the handler's plus the server's time. */
  turnDetectedToFirstAudioMs?: number;
  /** End of speech → first reply audio sent: what the person waits for. */
  speechEndToFirstAudioMs?: number;
  /** Reply function called → its first value. */
  handlerStartToFirstOutputMs?: number;
}

/**
 * One step of a turn, as the session reports it.
 *
 * @example
 * ```ts
 * new Session(handler, { id, onTurnEvent: (e: SessionTurnEvent) => metrics.push(e) });
 * ```
 */
export interface SessionTurnEvent {
  /** 1 for the connection's first turn, then 2, 3, ... */
  turn: number;
  type: TurnEventType;
  /** Clock time of the step, in ms (the session's clock; estimates for the speech events). */
  at: number;
  /** Latencies known so far for this turn. */
  latencies: TurnLatencies;
}
