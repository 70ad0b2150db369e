import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { type MessagePort, Worker, type WorkerOptions } from "node:worker_threads";

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
 * `.ts` entry. The worker inherits the parent's `execArgv` (see {@link workerExecArgv}), so a
 * parent started with V8 flags (`--max-semi-space-size`, `--cpu-prof`) or with `--input-type`
 * still starts its workers.
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
  const base: WorkerOptions = { workerData: options.workerData };
  const execArgv = workerExecArgv(process.execArgv);
  if (execArgv) base.execArgv = execArgv;
  if (options.transferList) base.transferList = options.transferList;
  if (!callerUrl.endsWith(".ts")) return newWorker(new URL(`./${entryBase}.js`, callerUrl), base);
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
  return newWorker(code, { ...base, eval: true });
}

/**
 * The `execArgv` to give a worker, or `undefined` to let it inherit the parent's (Node's
 * default). Node's default copies `--input-type`, which stops a worker with a file entry from
 * starting ("--input-type can only be used with string input"), so when the parent has it the
 * list is given explicitly without it. An explicit list is checked by Node, which refuses V8 and
 * process-wide flags there ({@link newWorker} then drops them).
 *
 * @example
 * ```ts
 * workerExecArgv(["--input-type=module", "--import", "tsx"]); // ["--import", "tsx"]
 * workerExecArgv(["--max-semi-space-size=32"]); // undefined: inherited as Node does
 * ```
 * @internal
 */
export function workerExecArgv(parent: readonly string[]): string[] | undefined {
  if (!parent.some((a) => a.startsWith("--input-type"))) return undefined;
  const out: string[] = [];
  for (let i = 0; i < parent.length; i++) {
    const a = parent[i] as string;
    if (a === "--input-type")
      i++; // its value is the next argument
    else if (!a.startsWith("--input-type=")) out.push(a);
  }
  return out;
}

/**
 * `new Worker`; when Node refuses flags of an explicit `execArgv`
 * (`ERR_WORKER_INVALID_EXEC_ARGV`: V8 and process-wide flags, which the worker shares with the
 * process anyway), starts it again without the flags Node named.
 */
function newWorker(entry: string | URL, options: WorkerOptions): Worker {
  try {
    return new Worker(entry, options);
  } catch (err) {
    const execArgv = options.execArgv;
    if ((err as { code?: unknown }).code !== "ERR_WORKER_INVALID_EXEC_ARGV" || !execArgv) throw err;
    const named = String((err as Error).message)
      .split(": ")
      .slice(1)
      .join(": ")
      .split(", ");
    const invalid = new Set(named.map((a) => a.trim()));
    const kept: string[] = [];
    for (let i = 0; i < execArgv.length; i++) {
      const a = execArgv[i] as string;
      if (!invalid.has(a)) kept.push(a);
      else if (!a.includes("=") && !(execArgv[i + 1] ?? "-").startsWith("-")) i++; // its value
    }
    return new Worker(entry, { ...options, execArgv: kept });
  }
}

/**
 * Inside a model worker: handles the requests one at a time, in arrival order. `{ close: true }`
 * lets the requests already queued finish, then `dispose()` frees the native sessions and the
 * port closes, so the thread can end.
 *
 * @internal
 */
export function serveInOrder<Req extends object>(
  port: MessagePort,
  handle: (req: Req) => Promise<void>,
  dispose: () => Promise<unknown>,
): void {
  let chain: Promise<void> = Promise.resolve();
  port.on("message", (req: Req | { close: true }) => {
    if ("close" in req) {
      chain = chain.then(async () => {
        await dispose().catch(() => undefined);
        port.close();
      });
      return;
    }
    chain = chain.then(() => handle(req));
  });
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

/**
 * The calls in flight to one worker thread, by request id: the worker is `ref()`-ed while any
 * call is pending and `unref()`-ed when none is (an idle model never keeps the process alive).
 *
 * @example
 * ```ts
 * const calls = new WorkerCalls<Result>();
 * const result = await calls.call(worker, (id) => worker.postMessage({ id, samples }));
 * // in the worker's "message" handler:
 * if (res.ok) calls.resolve(res.id, res.value, worker); else calls.reject(res.id, res.error, worker);
 * ```
 * @internal
 */
export class WorkerCalls<T> {
  readonly #pending = new Map<number, { resolve: (v: T) => void; reject: (e: Error) => void }>();
  #next = 1;

  /** Calls in flight. */
  get size(): number {
    return this.#pending.size;
  }

  /** Registers a call and hands its id to `send`, which posts the request. */
  call(worker: Worker, send: (id: number) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.#next++;
      if (this.#pending.size === 0) worker.ref();
      this.#pending.set(id, { resolve, reject });
      send(id);
    });
  }

  /** Settles call `id` with the worker's result. Unknown ids are ignored. */
  resolve(id: number, value: T, worker: Worker | null): void {
    this.#take(id, worker)?.resolve(value);
  }

  /** Fails call `id` with the worker's error (name and message kept). */
  reject(id: number, error: { name: string; message: string }, worker: Worker | null): void {
    const call = this.#take(id, worker);
    if (!call) return;
    const err = new Error(error.message);
    err.name = error.name;
    call.reject(err);
  }

  /** Fails every call in flight (the worker died or was closed). */
  failAll(err: Error): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of all) p.reject(err);
  }

  #take(id: number, worker: Worker | null) {
    const call = this.#pending.get(id);
    if (call === undefined) return undefined;
    this.#pending.delete(id);
    if (this.#pending.size === 0) worker?.unref();
    return call;
  }
}

/**
 * Ends a model worker gracefully: terminating a thread inside onnxruntime can abort the
 * process, so the worker is asked to finish its queue and exit (`{ close: true }`); only if it
 * has not exited after `timeoutMs` are the calls in flight failed with `reason` and the thread
 * terminated.
 *
 * @example
 * ```ts
 * await closeModelWorker(worker, calls, 10_000, "SileroVad was closed");
 * ```
 * @internal
 */
export async function closeModelWorker<T>(
  worker: Worker,
  calls: WorkerCalls<T>,
  timeoutMs: number,
  reason: string,
): Promise<void> {
  worker.ref();
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  worker.postMessage({ close: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), timeoutMs);
  });
  const late = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (late) {
    calls.failAll(new Error(reason));
    await worker.terminate();
  }
}
