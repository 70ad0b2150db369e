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

/** The `@ricky0123/vad-web` release whose tarball carries the Silero VAD weights (MIT). */
const VAD_WEB = { package: "@ricky0123/vad-web", version: "0.0.31" } as const;

/**
 * One Silero VAD model (MIT, snakers4/silero-vad) out of the `@ricky0123/vad-web@0.0.31` npm
 * tarball: only the `.onnx` file is kept, the package (and its onnxruntime-web dependency) is
 * never installed.
 */
function sileroSpec(
  version: string,
  file: string,
  size: number,
  sha256: string,
  what: string,
): ModelSpec {
  return {
    name: `silero/${version}`,
    description: `Silero VAD ${what} (npm: ${VAD_WEB.package}@${VAD_WEB.version}, ${(size / 1e6).toFixed(1)} MB)`,
    source: {
      kind: "npm",
      ...VAD_WEB,
      files: [{ role: "model", file, entry: `package/dist/${file}`, size, sha256 }],
    },
  };
}

const SILERO_V4 = sileroSpec(
  "v4",
  "silero_vad_legacy.onnx",
  1_807_522,
  "a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28",
  "v4 (legacy interface, FastRTC's model)",
);
const SILERO_V5 = sileroSpec(
  "v5",
  "silero_vad_v5.onnx",
  2_327_524,
  "2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f",
  "v5.1",
);
const SILERO_V6 = sileroSpec(
  "v6",
  "silero_vad_v6.onnx",
  2_327_524,
  "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3",
  "v6.2",
);

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
  [SILERO_V4.name]: SILERO_V4,
  [SILERO_V5.name]: SILERO_V5,
  [SILERO_V6.name]: SILERO_V6,
});

/**
 * The names {@link getModelSpec} accepts: `"moonshine/tiny"`, `"moonshine/base"`, `"silero/v4"`,
 * `"silero/v5"`, `"silero/v6"`.
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
