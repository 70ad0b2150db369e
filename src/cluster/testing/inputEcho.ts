import type { AudioChunk } from "../../audio/types.js";
import type { EmitType } from "../../handlers/emit.js";
import { AdditionalOutputs } from "../../handlers/outputs.js";
import { AsyncStreamHandler } from "../../handlers/StreamHandler.js";

/**
 * Echoes every frame, and answers each new set of inputs (`setInput`, `/input_hook`) with
 * `AdditionalOutputs` of the same values: a handler that shows routed inputs and outputs.
 *
 * @internal
 */
export class InputEcho extends AsyncStreamHandler {
  readonly #frames: AudioChunk[] = [];
  #seen: unknown[] = this.latestArgs;

  constructor() {
    super({ inputSampleRate: 24000, outputSampleRate: 24000 });
  }

  async receive(frame: AudioChunk): Promise<void> {
    this.#frames.push(frame);
    if (this.#frames.length > 50) this.#frames.shift();
  }

  async emit(): Promise<EmitType> {
    if (this.latestArgs !== this.#seen) {
      this.#seen = this.latestArgs;
      return new AdditionalOutputs(...this.latestArgs.slice(1));
    }
    return this.#frames.shift() ?? null;
  }

  copy(): InputEcho {
    return new InputEcho();
  }
}
