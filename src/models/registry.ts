/**
 * The models fastrtc-ts knows how to fetch, with the expected size and SHA-256 of every file
 * whose bytes are known in advance.
 */
import type { ModelSpec } from "./modelTypes.js";

/**
 * Moonshine tiny (English, MIT): the 8-bit quantized encoder and merged decoder shipped inside
 * the `@moonshine-ai/moonshine-js@0.1.29` npm tarball. Tokens are decoded with the LLaMA
 * vocabulary of `llama-tokenizer-js` (the tarball has no tokenizer file).
 */
const MOONSHINE_TINY: ModelSpec = {
  name: "moonshine/tiny",
  description: "Moonshine tiny STT, English, 8-bit (npm: @moonshine-ai/moonshine-js@0.1.29, 28 MB)",
  source: {
    kind: "npm",
    package: "@moonshine-ai/moonshine-js",
    version: "0.1.29",
    files: [
      {
        role: "encoder",
        file: "encoder_model.onnx",
        entry: "package/dist/model/tiny/quantized/encoder_model.onnx",
        size: 7_937_661,
        sha256: "c6fc4b7bc5af75c0591fd157a1f3829b533d18e9769a888fd95a62e470dd4f4a",
      },
      {
        role: "decoder",
        file: "decoder_model_merged.onnx",
        entry: "package/dist/model/tiny/quantized/decoder_model_merged.onnx",
        size: 20_243_286,
        sha256: "eed87831c3a6103534aae7d47a5d485025c659a1323901513961c39fe8a1a367",
      },
    ],
  },
};

/**
 * Moonshine base (English, MIT), float32, from the Hugging Face hub: the ONNX files FastRTC's
 * `moonshine_onnx` loads (`UsefulSensors/moonshine`, `onnx/merged/base/float/`) and the
 * tokenizer of `UsefulSensors/moonshine-base`. Sizes and hashes are not pinned here: downloads
 * are checked against the hub's `X-Linked-Size` / `X-Linked-ETag` (SHA-256) headers and the
 * result is recorded in the cache manifest.
 */
const MOONSHINE_BASE: ModelSpec = {
  name: "moonshine/base",
  description: "Moonshine base STT, English, float32 (Hugging Face hub: UsefulSensors/moonshine)",
  source: {
    kind: "hub",
    files: [
      {
        role: "encoder",
        file: "encoder_model.onnx",
        repo: "UsefulSensors/moonshine",
        path: "onnx/merged/base/float/encoder_model.onnx",
      },
      {
        role: "decoder",
        file: "decoder_model_merged.onnx",
        repo: "UsefulSensors/moonshine",
        path: "onnx/merged/base/float/decoder_model_merged.onnx",
      },
      {
        role: "tokenizer",
        file: "tokenizer.json",
        repo: "UsefulSensors/moonshine-base",
        path: "tokenizer.json",
      },
    ],
  },
};

/**
 * Every model in the registry, by name.
 *
 * @example
 * ```ts
 * MODEL_REGISTRY["moonshine/tiny"]?.source.kind; // "npm"
 * ```
 */
export const MODEL_REGISTRY: Readonly<Record<string, ModelSpec>> = Object.freeze({
  [MOONSHINE_TINY.name]: MOONSHINE_TINY,
  [MOONSHINE_BASE.name]: MOONSHINE_BASE,
});

/**
 * The names {@link getModelSpec} accepts: `"moonshine/tiny"`, `"moonshine/base"`.
 *
 * @example
 * ```ts
 * MODEL_NAMES.includes("moonshine/tiny"); // true
 * ```
 */
export const MODEL_NAMES: readonly string[] = Object.freeze(Object.keys(MODEL_REGISTRY));

/**
 * Thrown for a model name that is not in the registry; the message lists the valid names.
 *
 * @example
 * ```ts
 * try { getModelSpec("whisper"); } catch (e) { if (e instanceof UnknownModelError) console.error(e.message); }
 * ```
 */
export class UnknownModelError extends Error {
  /** The name that was asked for. */
  readonly model: string;

  constructor(model: string) {
    super(
      `Unknown model ${JSON.stringify(model)}. Valid models: ${MODEL_NAMES.map((n) => `"${n}"`).join(", ")}`,
    );
    this.name = "UnknownModelError";
    this.model = model;
  }
}

/**
 * The registry entry of `name`.
 *
 * @throws UnknownModelError when `name` is not one of {@link MODEL_NAMES}.
 * @example
 * ```ts
 * getModelSpec("moonshine/tiny").source.kind; // "npm"
 * getModelSpec("moonshine/huge");            // throws: Unknown model "moonshine/huge". Valid models: ...
 * ```
 */
export function getModelSpec(name: string): ModelSpec {
  const spec =
    typeof name === "string" && Object.hasOwn(MODEL_REGISTRY, name)
      ? MODEL_REGISTRY[name]
      : undefined;
  if (spec === undefined) throw new UnknownModelError(String(name));
  return spec;
}
