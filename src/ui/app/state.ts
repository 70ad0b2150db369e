/**
 * The talk button's state machine. Pure (no DOM), so it can be tested in Node.
 */

/**
 * What the page is doing: nothing, setting up the call, hearing the person, waiting for the
 * reply, or playing the reply.
 *
 * @example
 * ```ts
 * document.body.dataset.state = "listening" satisfies TalkState;
 * ```
 */
export type TalkState = "idle" | "connecting" | "listening" | "thinking" | "speaking";

/**
 * What can happen to the page. `log` carries the `data` of a FastRTC `log` message
 * (`started_talking`, `pause_detected`, `response_starting`, ...); `remote-quiet` means the
 * reply audio has been silent for a while; `error` is an `error` message from the app (a reply
 * that failed); `turn-ended` is the app's `turn_ended` turn event (the reply is over).
 *
 * @example
 * ```ts
 * const event: TalkEvent = { type: "log", data: "pause_detected" };
 * ```
 */
export type TalkEvent =
  | { type: "start" }
  | { type: "connected" }
  | { type: "log"; data: string }
  | { type: "remote-quiet" }
  | { type: "error" }
  | { type: "turn-ended" }
  | { type: "stop" };

const IN_CALL: ReadonlySet<TalkState> = new Set(["listening", "thinking", "speaking"]);

/**
 * The state after `event` in `state`. Events that do not apply leave the state unchanged.
 *
 * - `start`: idle → connecting; `connected`: connecting → listening; `stop`: any → idle.
 * - log `pause_detected` → thinking, log `response_starting` → speaking (during a call).
 * - log `started_talking` (the person interrupts) or `remote-quiet`: back to listening.
 * - `error` or `turn-ended` while thinking: back to listening (the reply failed, or ended
 *   without audio), so the page never waits for a reply that is not coming.
 *
 * @example
 * ```ts
 * nextState("listening", { type: "log", data: "pause_detected" }); // "thinking"
 * nextState("speaking", { type: "remote-quiet" });                 // "listening"
 * ```
 */
export function nextState(state: TalkState, event: TalkEvent): TalkState {
  switch (event.type) {
    case "start":
      return state === "idle" ? "connecting" : state;
    case "connected":
      return state === "connecting" ? "listening" : state;
    case "stop":
      return "idle";
    case "remote-quiet":
      return state === "speaking" ? "listening" : state;
    case "error":
    case "turn-ended":
      return state === "thinking" ? "listening" : state;
    case "log":
      if (!IN_CALL.has(state)) return state;
      if (event.data === "pause_detected") return "thinking";
      if (event.data === "response_starting") return "speaking";
      if (event.data === "started_talking") return "listening";
      return state;
  }
}
