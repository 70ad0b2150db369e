import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker, type WorkerOptions } from "node:worker_threads";

/**
 * Options of {@link startModuleWorker}.
 *
 * @internal
 */
export interface ModuleWorkerOptions {
  workerData?: unknown;
  transferList?: WorkerOptions["transferList"];
  /** What the worker is for, in the error message when tsx is missing (e.g. "VAD"). */
  what: string;
  /** Code run before the entry is imported when starting from TypeScript sources. */
  preamble?: string;
}

/**
 * Starts the worker whose entry is `entryBase` (`.js` or `.ts`) beside the module at
 * `callerUrl` (its `import.meta.url`). From `dist` the entry is the compiled `.js` file. From
 * TypeScript sources (vitest, tsx) Node 20 does not apply `--import tsx` to a worker's entry
 * module, so a one-line bootstrap registers tsx's ESM hooks in the worker and then imports the
 * `.ts` entry. `--input-type` is dropped from the inherited `execArgv`: it stops workers from
 * starting.
 *
 * @example
 * ```ts
 * const worker = startModuleWorker(import.meta.url, "sileroWorker", { workerData, what: "VAD" });
 * ```
 * @internal
 */
export function startModuleWorker(
  callerUrl: string,
  entryBase: string,
  options: ModuleWorkerOptions,
): Worker {
  const execArgv = process.execArgv.filter((a) => !a.startsWith("--input-type"));
  const base: WorkerOptions = { workerData: options.workerData, execArgv };
  if (options.transferList) base.transferList = options.transferList;
  if (!callerUrl.endsWith(".ts")) return new Worker(new URL(`./${entryBase}.js`, callerUrl), base);
  let tsxDir: string;
  try {
    tsxDir = dirname(createRequire(callerUrl).resolve("tsx/package.json"));
  } catch (err) {
    throw new Error(
      `Running fastrtc-ts from its TypeScript sources needs the tsx package to start the ${options.what} worker (or use the compiled dist build)`,
      { cause: err },
    );
  }
  const tsxApi = pathToFileURL(join(tsxDir, "dist", "esm", "api", "index.mjs")).href;
  const entry = new URL(`./${entryBase}.ts`, callerUrl).href;
  const code = [
    options.preamble ?? "",
    `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`,
  ].join("\n");
  return new Worker(code, { ...base, eval: true });
}

/**
 * An error as a structured-clone-safe object for a worker's reply.
 *
 * @internal
 */
export function workerError(err: unknown): { name: string; message: string } {
  if (err instanceof Error) return { name: err.name, message: err.message };
  return { name: "Error", message: String(err) };
}
