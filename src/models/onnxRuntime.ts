/**
 * The ONNX runtime the models run on (Silero VAD, Moonshine STT).
 *
 * Default (`FASTRTC_ONNX` unset or `auto`): `onnxruntime-node` (native: about 1.5–2× faster on
 * Moonshine, 5× on the batched frame VAD) when the application has installed it
 * (`npm install onnxruntime-node`; on Linux x64 offline add `ONNXRUNTIME_NODE_INSTALL=skip`),
 * else `onnxruntime-web` (WebAssembly, one thread per model worker), which is a dependency of
 * fastrtc-ts because it installs anywhere with the npm registry alone: no install script, no
 * native download. `FASTRTC_ONNX=web` or `=node` forces one. Both expose the same
 * `onnxruntime-common` API, so the choice changes speed, not results.
 *
 * The engine is chosen once, when this module is first imported (each worker thread imports it
 * again and inherits the parent's environment).
 */
import type * as Ort from "onnxruntime-web";

/**
 * Which ONNX runtime is in use: `"web"` (onnxruntime-web, WebAssembly) or `"node"`
 * (onnxruntime-node, native).
 *
 * @example
 * ```ts
 * const e: OnnxEngine = onnxEngine; // "web" unless FASTRTC_ONNX=node
 * ```
 */
export type OnnxEngine = "web" | "node";

type OrtModule = typeof Ort;

/**
 * Reads `FASTRTC_ONNX`: `"auto"` (or unset/empty: the default), `"web"` (also `"wasm"`) or
 * `"node"` (also `"native"`). Any other value throws, so a typo is not silently ignored.
 */
function wantedEngine(): OnnxEngine | "auto" {
  const raw = (process.env.FASTRTC_ONNX ?? "").trim().toLowerCase();
  if (raw === "" || raw === "auto") return "auto";
  if (raw === "web" || raw === "wasm") return "web";
  if (raw === "node" || raw === "native") return "node";
  throw new RangeError(`FASTRTC_ONNX must be "auto", "web" or "node", got ${JSON.stringify(raw)}`);
}

async function loadEngine(): Promise<{ engine: OnnxEngine; ort: OrtModule }> {
  const wanted = wantedEngine();
  if (wanted !== "web") {
    // A variable specifier: onnxruntime-node is not a dependency and may be absent.
    const specifier = "onnxruntime-node";
    try {
      return { engine: "node", ort: (await import(specifier)) as OrtModule };
    } catch (err) {
      if (wanted === "auto") return loadWeb();
      throw new Error(
        `FASTRTC_ONNX=node, but onnxruntime-node could not be loaded (${(err as Error).message}). Install it with "npm install onnxruntime-node" (on Linux x64 without access to nuget.org: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node), or set FASTRTC_ONNX=web (or unset it) to use onnxruntime-web.`,
        { cause: err },
      );
    }
  }
  return loadWeb();
}

async function loadWeb(): Promise<{ engine: OnnxEngine; ort: OrtModule }> {
  const ort = (await import("onnxruntime-web")) as OrtModule;
  // One WebAssembly thread per model: each model already runs in its own worker thread, and
  // onnxruntime-web's own thread pool would compete with the event loop for the same cores.
  ort.env.wasm.numThreads = 1;
  return { engine: "web", ort };
}

const loaded = await loadEngine();

/**
 * The ONNX runtime in use: `"node"` when onnxruntime-node is installed (or forced with
 * `FASTRTC_ONNX=node`), else `"web"`.
 *
 * @example
 * ```ts
 * import { onnxEngine } from "fastrtc-ts";
 * console.log(onnxEngine); // "web"
 * ```
 */
export const onnxEngine: OnnxEngine = loaded.engine;

/**
 * onnxruntime's `Tensor` class, from the engine in use (internal).
 *
 * @internal
 * @example
 * ```ts
 * const sr = new Tensor("int64", BigInt64Array.from([16000n]), []);
 * ```
 */
export const Tensor: OrtModule["Tensor"] = loaded.ort.Tensor;
/** A tensor of the engine in use (internal). @internal */
export type Tensor = Ort.Tensor;

/**
 * onnxruntime's `InferenceSession` factory, from the engine in use (internal).
 *
 * @internal
 * @example
 * ```ts
 * const session = await InferenceSession.create("/path/model.onnx", { executionProviders: ["cpu"] });
 * ```
 */
export const InferenceSession: OrtModule["InferenceSession"] = loaded.ort.InferenceSession;
/** An inference session of the engine in use (internal). @internal */
export type InferenceSession = Ort.InferenceSession;
/** Types of the `InferenceSession` namespace (internal). @internal */
export declare namespace InferenceSession {
  type SessionOptions = Ort.InferenceSession.SessionOptions;
  type ValueMetadata = Ort.InferenceSession.ValueMetadata;
  type OnnxValueMapType = Ort.InferenceSession.OnnxValueMapType;
  type FeedsType = Ort.InferenceSession.FeedsType;
  type ReturnType = Ort.InferenceSession.ReturnType;
}
