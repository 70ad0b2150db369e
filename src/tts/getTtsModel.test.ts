import { describe, expect, it } from "vitest";
import { getTtsModel, TTS_MODEL_NAMES } from "./getTtsModel.js";

describe("getTtsModel", () => {
  it("rejects unknown names, listing the valid ones", async () => {
    expect(TTS_MODEL_NAMES).toEqual(["espeak", "kokoro"]);
    await expect(getTtsModel("cartesia" as never)).rejects.toThrow(
      'Invalid TTS model "cartesia": valid names are "espeak", "kokoro"',
    );
    await expect(getTtsModel("" as never)).rejects.toThrow(RangeError);
    await expect(getTtsModel(7 as never)).rejects.toThrow(TypeError);
  });

  it("rejects invalid options at once", async () => {
    await expect(getTtsModel("espeak", "en-us" as never)).rejects.toThrow(TypeError);
    await expect(getTtsModel("espeak", { speed: -1 })).rejects.toThrow(RangeError);
    await expect(getTtsModel("espeak", { dtype: "q8" } as never)).rejects.toThrow(
      /unknown option "dtype"/,
    );
  });
});
