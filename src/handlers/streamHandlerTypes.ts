import type { AudioLayout } from "../audio/types.js";

/**
 * Options shared by every audio handler.
 *
 * @example
 * ```ts
 * class Echo extends StreamHandler {
 *   constructor() {
 *     super({ inputSampleRate: 16000, outputSampleRate: 16000 });
 *   }
 *   // ...
 * }
 * ```
 */
export interface StreamHandlerOptions {
  /**
   * Channel layout `receive()` gets: `"mono"` (downmixed) or `"stereo"` (interleaved).
   * Default `"mono"`.
   */
  expectedLayout?: AudioLayout;
  /**
   * Rate at which output is framed and paced (20 ms frames), in Hz; must be a multiple of 50.
   * Emitted audio of any other rate is resampled to it. Default `24000`.
   */
  outputSampleRate?: number;
  /**
   * Deprecated and ignored, as in FastRTC: the frame size is always `outputSampleRate / 50`.
   */
  outputFrameSize?: number | null;
  /** Rate at which `receive()` gets audio, in Hz. Default `48000`. */
  inputSampleRate?: number;
}
