/**
 * Where the Silero VAD weights live: in the model cache (`<cache>/silero/<version>/`), fetched
 * from the `@ricky0123/vad-web@0.0.31` npm tarball and checked by SHA-256 like every cached model
 * (`npx fastrtc-ts models pull silero/v4`).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { getLogger } from "../logger.js";
import { defaultCacheDir, ensureModel, ModelFetchError, modelDir, pullCommand } from "./cache.js";
import type { ModelCacheOptions } from "./modelTypes.js";
import { getModelSpec } from "./registry.js";

const log = getLogger("models");

/**
 * The Silero versions whose weights the registry knows: `"v4"` (the legacy interface FastRTC
 * uses), `"v5"` (v5.1) and `"v6"` (v6.2).
 *
 * @example
 * ```ts
 * const v: SileroWeightsVersion = "v5";
 * ```
 */
export type SileroWeightsVersion = "v4" | "v5" | "v6";

/**
 * The registry name of a Silero version's weights (`"silero/v4"`).
 *
 * @throws RangeError for a version the registry does not know.
 * @example
 * ```ts
 * sileroModelName("v5"); // "silero/v5"
 * ```
 */
export function sileroModelName(version: string): string {
  if (version !== "v4" && version !== "v5" && version !== "v6") {
    throw new RangeError(
      `Unknown Silero version ${JSON.stringify(version)}: use "v4", "v5" or "v6"`,
    );
  }
  return `silero/${version}`;
}

function modelFileOf(version: string, cacheDir: string): string {
  const name = sileroModelName(version);
  const file = getModelSpec(name).source.files[0];
  if (file === undefined) throw new Error(`registry entry ${name} has no file`);
  return join(modelDir(name, cacheDir), file.file);
}

/**
 * The cache path of a Silero version's `.onnx` file, without checking or fetching it.
 *
 * @param cacheDir - Default `FASTRTC_CACHE` or `~/.cache/fastrtc-ts`.
 * @example
 * ```ts
 * sileroModelFile("v4"); // "/home/me/.cache/fastrtc-ts/silero/v4/silero_vad_legacy.onnx"
 * ```
 */
export function sileroModelFile(version: string, cacheDir: string = defaultCacheDir()): string {
  return modelFileOf(version, cacheDir);
}

/**
 * The path of a Silero version's weights, fetched into the cache first if they are missing or
 * damaged (npm registry, about 2 MB, once). This is the non-blocking way; prefer it to
 * {@link sileroModelPathSync} wherever an `await` is possible.
 *
 * @param options - Cache folder, `autoPull`, progress; see {@link ModelCacheOptions}.
 * @throws ModelFetchError when the weights are not cached and cannot be fetched (the message
 *   names `npx fastrtc-ts models pull silero/<version>`).
 * @example
 * ```ts
 * const path = await sileroModelPath("v4"); // ".../silero/v4/silero_vad_legacy.onnx"
 * ```
 */
export async function sileroModelPath(
  version: string,
  options: ModelCacheOptions = {},
): Promise<string> {
  const model = await ensureModel(sileroModelName(version), options);
  const path = model.files.model;
  if (path === undefined) throw new Error(`${model.name} has no model file`);
  return path;
}

/** Whether the cached file matches the registry's size and SHA-256 (about 5 ms for 2 MB). */
function isValidSync(name: string, path: string): boolean {
  const spec = getModelSpec(name).source.files[0];
  try {
    if (statSync(path).size !== spec?.size) return false;
    return createHash("sha256").update(readFileSync(path)).digest("hex") === spec.sha256;
  } catch {
    return false;
  }
}

/**
 * Like {@link sileroModelPath}, for callers that cannot wait: returns the cached path at once
 * when the file checks out; otherwise fetches it in a child process and blocks until it is there
 * (a few seconds, once per machine), logging a warning. Pre-pull with
 * `npx fastrtc-ts models pull silero/v4` to never block.
 *
 * @throws ModelFetchError when the weights cannot be fetched.
 * @example
 * ```ts
 * const path = sileroModelPathSync("v4");
 * ```
 */
export function sileroModelPathSync(version: string, cacheDir: string = defaultCacheDir()): string {
  const name = sileroModelName(version);
  const path = modelFileOf(version, cacheDir);
  if (isValidSync(name, path)) return path;
  log.warn(
    `Silero VAD weights ${name} are not in the cache; fetching them from the npm registry now (blocking, once). Pre-pull with: ${pullCommand(name)}`,
    { path },
  );
  // The child imports this package's own cache module (from dist, or from sources when the
  // parent runs under a loader such as tsx, whose flags are in execArgv).
  const cacheModule = new URL("./cache.js", import.meta.url).href;
  const script = `const { pullModel } = await import(${JSON.stringify(cacheModule)});
await pullModel(${JSON.stringify(name)}, { cacheDir: ${JSON.stringify(cacheDir)} });`;
  const execArgv = process.execArgv.filter((a) => !a.startsWith("--inspect"));
  const child = spawnSync(process.execPath, [...execArgv, "--input-type=module", "-e", script], {
    encoding: "utf8",
    env: { ...process.env, FASTRTC_LOG: "error" },
    timeout: 600_000,
    windowsHide: true,
  });
  if (isValidSync(name, path)) return path;
  const detail =
    child.error?.message ??
    (child.stderr.trim().split("\n").filter(Boolean).slice(-3).join(" ") ||
      `exit code ${child.status}`);
  throw new ModelFetchError(
    name,
    `Model "${name}" is not in the cache (${path}) and could not be fetched: ${detail}. With network access to the npm registry, pre-pull it with: ${pullCommand(name)}`,
  );
}
