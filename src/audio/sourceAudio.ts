/**
 * Source audio of converted frames: a session that resamples what arrived on the wire (a phone's
 * 8 kHz) to its handler's rate (48 kHz) notes, per handler frame, the wire samples that frame
 * was made from. A consumer that wants yet another rate (the frame VAD at 16 kHz) then resamples
 * once from the wire rate instead of undoing the first conversion (8 → 48 → 16 kHz).
 *
 * The note is a non-enumerable symbol-keyed property of the frame array, so it goes away with
 * the frame, is invisible to the handler (not copied by `slice()`, not enumerated, not compared
 * by deep equality) and costs about a third of a `WeakMap` entry (no ephemeron for the GC to
 * trace). It describes the frame's contents as delivered: a frame changed in place afterwards
 * no longer matches its note.
 */

/** A frame's wire audio: its rate and its mono samples (float, −1 ..= 1). */
export type SourceAudio = readonly [rate: number, samples: Float32Array];

const NOTE = Symbol("fastrtc.sourceAudio");

/**
 * Records that `frame` was made (by resampling) from `samples` at `rate`. The samples must cover
 * the same stretch of time as the frame, aligned with it (a consumer concatenating the notes of
 * consecutive frames gets the wire signal, in order, without gaps or overlaps).
 *
 * @example
 * ```ts
 * noteSourceAudio(frame48k, 8000, wireSamples); // the 8 kHz samples this frame was made from
 * ```
 */
export function noteSourceAudio(frame: object, rate: number, samples: Float32Array): void {
  Object.defineProperty(frame, NOTE, { value: [rate, samples], configurable: true });
}

/**
 * The wire audio `frame` was made from (see {@link noteSourceAudio}), or `undefined`.
 *
 * @example
 * ```ts
 * const src = sourceAudioOf(samples);
 * const [rate, audio] = src ?? [48000, audioToFloat32(samples)];
 * ```
 */
export function sourceAudioOf(frame: object): SourceAudio | undefined {
  return (frame as { [NOTE]?: SourceAudio })[NOTE];
}
