import type { AudioChunk } from "../../audio/types.js";
import type { EmitType } from "../../handlers/emit.js";
import { AsyncStreamHandler } from "../../handlers/StreamHandler.js";

/**
 * Sends every received frame straight back: a handler that replies at once and without any
 * model, for tests where a neighbour session must keep getting replies.
 *
 * @internal
 */
export class FrameEcho extends AsyncStreamHandler {
  readonly #frames: AudioChunk[] = [];
  constructor() {
    super({ inputSampleRate: 24000, outputSampleRate: 24000 });
  }
  async receive(frame: AudioChunk): Promise<void> {
    this.#frames.push(frame);
    if (this.#frames.length > 50) this.#frames.shift();
  }
  async emit(): Promise<EmitType> {
    return this.#frames.shift() ?? null;
  }
  copy(): FrameEcho {
    return new FrameEcho();
  }
}
