import { describe, expect, it } from "vitest";
import { getModelSpec, MODEL_NAMES, MODEL_REGISTRY, UnknownModelError } from "./registry.js";

describe("model registry", () => {
  it("knows moonshine/tiny (npm tarball, pinned sizes and hashes) and moonshine/base (hub)", () => {
    expect(MODEL_NAMES).toEqual([
      "moonshine/tiny",
      "moonshine/base",
      "silero/v4",
      "silero/v5",
      "silero/v6",
    ]);
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
      'Unknown model "moonshine/huge". Valid models: "moonshine/tiny", "moonshine/base", "silero/v4", "silero/v5", "silero/v6"',
    );
    expect(() => getModelSpec(undefined as unknown as string)).toThrow(UnknownModelError);
    expect(() => getModelSpec("toString")).toThrow(UnknownModelError);
  });

  it("knows the Silero VAD weights (one pinned .onnx each, from the @ricky0123/vad-web tarball)", () => {
    const expected: Array<[string, string, string]> = [
      [
        "silero/v4",
        "silero_vad_legacy.onnx",
        "a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28",
      ],
      [
        "silero/v5",
        "silero_vad_v5.onnx",
        "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f",
      ],
      [
        "silero/v6",
        "silero_vad_v6.onnx",
        "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3",
      ],
    ];
    for (const [name, file, sha256] of expected) {
      const spec = getModelSpec(name);
      expect(spec.source.kind).toBe("npm");
      if (spec.source.kind !== "npm") continue;
      expect(`${spec.source.package}@${spec.source.version}`).toBe("@ricky0123/vad-web@0.0.31");
      expect(spec.source.files).toEqual([
        { role: "model", file, entry: `package/dist/${file}`, size: expect.any(Number), sha256 },
      ]);
    }
  });
});
