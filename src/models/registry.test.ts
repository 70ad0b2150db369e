import { describe, expect, it } from "vitest";
import { getModelSpec, MODEL_NAMES, MODEL_REGISTRY, UnknownModelError } from "./registry.js";

describe("model registry", () => {
  it("knows moonshine/tiny (npm tarball, pinned sizes and hashes) and moonshine/base (hub)", () => {
    expect(MODEL_NAMES).toEqual(["moonshine/tiny", "moonshine/base"]);
    const tiny = getModelSpec("moonshine/tiny");
    expect(tiny.source.kind).toBe("npm");
    if (tiny.source.kind !== "npm") return;
    expect(`${tiny.source.package}@${tiny.source.version}`).toBe(
      "@moonshine-ai/moonshine-js@0.1.29",
    );
    expect(tiny.source.files.map((f) => [f.role, f.entry])).toEqual([
      ["encoder", "package/dist/model/tiny/quantized/encoder_model.onnx"],
      ["decoder", "package/dist/model/tiny/quantized/decoder_model_merged.onnx"],
    ]);
    for (const f of tiny.source.files) {
      expect(f.size).toBeGreaterThan(1_000_000);
      expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    const base = MODEL_REGISTRY["moonshine/base"];
    expect(base?.source.kind).toBe("hub");
    expect(base?.source.files.map((f) => f.role)).toEqual(["encoder", "decoder", "tokenizer"]);
  });

  it("rejects unknown names with a message listing the valid ones", () => {
    let err: unknown;
    try {
      getModelSpec("moonshine/huge");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownModelError);
    expect((err as UnknownModelError).model).toBe("moonshine/huge");
    expect((err as Error).message).toBe(
      'Unknown model "moonshine/huge". Valid models: "moonshine/tiny", "moonshine/base"',
    );
    expect(() => getModelSpec(undefined as unknown as string)).toThrow(UnknownModelError);
    expect(() => getModelSpec("toString")).toThrow(UnknownModelError);
  });
});
