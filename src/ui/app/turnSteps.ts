/**
 * Reading the turn events the server sends on the data channel. Pure (no DOM), so it can be
 * tested in Node.
 */

/**
 * A turn step the server sends when its turn events are on (`sendTurnMetrics`, or
 * `uiArgs.showLatency`): the `meta` of a `turn_event` log, reduced to what the page uses.
 *
 * @example
 * ```ts
 * connection.on("turn", (step: TurnStep) => {
 *   if (step.type === "first_audio_sent") show(step.latencies.speechEndToFirstAudioMs);
 * });
 * ```
 */
export interface TurnStep {
  /** 1 for the call's first turn, then 2, 3, ... */
  turn: number;
  /** `speech_ended`, `turn_detected`, `first_audio_sent`, `turn_ended`, ... */
  type: string;
  /** Latencies known so far, in ms (`speechEndToFirstAudioMs`, `turnDetectedToFirstAudioMs`, ...). */
  latencies: Record<string, number>;
}

/**
 * Reads a turn step from the text of a data-channel message; `undefined` for anything else.
 *
 * @example
 * ```ts
 * parseTurnStep('{"type":"log","data":"turn_event","meta":{"turn":1,"type":"turn_ended","latencies":{}}}');
 * // { turn: 1, type: "turn_ended", latencies: {} }
 * ```
 */
export function parseTurnStep(text: unknown): TurnStep | undefined {
  if (typeof text !== "string" || !text.includes('"turn_event"')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const msg = value as { type?: unknown; data?: unknown; meta?: unknown };
  if (msg?.type !== "log" || msg.data !== "turn_event") return undefined;
  const meta = msg.meta as { turn?: unknown; type?: unknown; latencies?: unknown } | undefined;
  if (typeof meta?.type !== "string" || typeof meta.turn !== "number") return undefined;
  const latencies: Record<string, number> = {};
  if (typeof meta.latencies === "object" && meta.latencies !== null) {
    for (const [key, ms] of Object.entries(meta.latencies)) {
      if (typeof ms === "number" && Number.isFinite(ms)) latencies[key] = ms;
    }
  }
  return { turn: meta.turn, type: meta.type, latencies };
}
