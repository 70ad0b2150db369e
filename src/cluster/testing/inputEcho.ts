import type { EmitType } from "../../handlers/emit.js";
import { AdditionalOutputs } from "../../handlers/outputs.js";
import { FrameEcho } from "../../server/testing/frameEcho.js";

/**
 * Echoes every frame, and answers each new set of inputs (`setInput`, `/input_hook`) with
 * `AdditionalOutputs` of the same values: a handler that shows routed inputs and outputs.
 *
 * @internal
 */
export class InputEcho extends FrameEcho {
  #seen: unknown[] = this.latestArgs;

  override async emit(): Promise<EmitType> {
    if (this.latestArgs !== this.#seen) {
      this.#seen = this.latestArgs;
      return new AdditionalOutputs(...this.latestArgs.slice(1));
    }
    return super.emit();
  }

  override copy(): InputEcho {
    return new InputEcho();
  }
}
