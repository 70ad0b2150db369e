import { assertAudioChunk } from "../audio/convert.js";
import type { AudioChunk } from "../audio/types.js";
import { AdditionalOutputs, CloseStream } from "./outputs.js";

/**
 * What a handler's `emit()` (or a reply generator) may produce (FastRTC's `EmitType`):
 * nothing, an audio chunk, extra outputs, a close request, or audio paired with either.
 * @example
 * ```ts
 * function next(): EmitType {
 *   return queue.shift() ?? null; // null: nothing to send yet
 * }
 * ```
 */
export type EmitType =
  | null
  | undefined
  | AudioChunk
  | AdditionalOutputs
  | CloseStream
  | readonly [AudioChunk, AdditionalOutputs | CloseStream];

/**
 * An emitted value taken apart.
 *
 * @example
 * ```ts
 * const { audio, outputs, close }: SplitEmit = splitEmitValue(value);
 * ```
 */
export interface SplitEmit {
  audio: AudioChunk | null;
  outputs: AdditionalOutputs | null;
  close: CloseStream | null;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "Object"})`;
  return `a ${typeof value}`;
}

/**
 * Takes an emitted value apart as FastRTC does (spec §5.4), validating it.
 *
 * @throws TypeError with FastRTC's messages for malformed pairs, and a clear message for any
 * other value that is not an {@link EmitType}.
 * @example
 * ```ts
 * splitEmitValue([[24000, pcm], new AdditionalOutputs("hi")]);
 * // { audio: [24000, pcm], outputs: AdditionalOutputs, close: null }
 * ```
 */
export function splitEmitValue(value: unknown): SplitEmit {
  if (value === null || value === undefined) return { audio: null, outputs: null, close: null };
  if (value instanceof AdditionalOutputs) return { audio: null, outputs: value, close: null };
  if (value instanceof CloseStream) return { audio: null, outputs: null, close: value };
  if (Array.isArray(value)) {
    if (typeof value[0] === "number") {
      assertAudioChunk(value, "emitted audio");
      return { audio: value, outputs: null, close: null };
    }
    if (Array.isArray(value[0]) || value[0] === null) {
      if (value.length !== 2) {
        throw new TypeError(
          "The tuple must have exactly two elements: the data and an instance of AdditionalOutputs.",
        );
      }
      const last: unknown = value[1];
      if (!(last instanceof AdditionalOutputs) && !(last instanceof CloseStream)) {
        throw new TypeError(
          "The last element of the tuple must be an instance of AdditionalOutputs.",
        );
      }
      let audio: AudioChunk | null = null;
      if (value[0] !== null) {
        assertAudioChunk(value[0], "emitted audio");
        audio = value[0];
      }
      return {
        audio,
        outputs: last instanceof AdditionalOutputs ? last : null,
        close: last instanceof CloseStream ? last : null,
      };
    }
  }
  throw new TypeError(
    `Cannot emit ${describe(value)}: expected null, [sampleRate, samples(, layout)], ` +
      "AdditionalOutputs, CloseStream, or [audio, AdditionalOutputs | CloseStream]",
  );
}
