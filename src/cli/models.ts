/**
 * `fastrtc-ts models pull [name...]` and `fastrtc-ts models list`: fetch model weights into the
 * cache ahead of time (CI, offline machines) and show what is cached.
 */
import { listModels, pullModel } from "../models/cache.js";
import type { PullProgress } from "../models/modelTypes.js";
import { MODEL_NAMES, UnknownModelError } from "../models/registry.js";
import { finish, parseCommand } from "./args.js";

const USAGE = `Usage: fastrtc-ts models <pull [name...] [--force] | list>

  pull [name...]   fetch models into the cache (default: moonshine/tiny); --force fetches again
  list             show every known model, whether it is cached, and where
  -h, --help       this text
  -v, --version    the version

Models: ${MODEL_NAMES.join(", ")}
Cache: $FASTRTC_CACHE or ~/.cache/fastrtc-ts; hub endpoint: $HF_ENDPOINT or https://huggingface.co`;

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** Progress on stderr: one rewritten line on a terminal, a line per step otherwise. */
export function progressPrinter(): { update: (p: PullProgress) => void; end: () => void } {
  const tty = process.stderr.isTTY === true;
  let lastLine = "";
  let lastPrint = 0;
  let open = false;
  let packTimer: NodeJS.Timeout | undefined;
  const show = (line: string, force = false) => {
    if (tty) {
      // Redraw at most 10 times a second (hub downloads report every network chunk).
      if (!force && Date.now() - lastPrint < 100) return;
      process.stderr.write(`\r\x1b[2K${line}`);
      lastPrint = Date.now();
      open = true;
    } else if (force || (line !== lastLine && Date.now() - lastPrint > 2000)) {
      process.stderr.write(`${line}\n`);
      lastPrint = Date.now();
    }
    lastLine = line;
  };
  const stopPack = () => {
    if (packTimer !== undefined) clearInterval(packTimer);
    packTimer = undefined;
  };
  return {
    update(p) {
      const bar = (done: number, total: number) => {
        const frac = Math.max(0, Math.min(1, done / total));
        const width = 24;
        const full = Math.round(frac * width);
        return `[${"#".repeat(full)}${"-".repeat(width - full)}] ${(frac * 100).toFixed(0).padStart(3)} % ${mb(done)} / ${mb(total)}`;
      };
      switch (p.phase) {
        case "pack": {
          const t0 = Date.now();
          const line = () =>
            `${p.model}: npm pack ${p.file ?? ""} ... ${((Date.now() - t0) / 1000).toFixed(0)} s`;
          show(line(), true);
          if (tty) packTimer = setInterval(() => show(line()), 500);
          break;
        }
        case "extract":
          stopPack();
          if (p.totalBytes) show(`${p.model}: extracting ${bar(p.bytes ?? 0, p.totalBytes)}`);
          break;
        case "download":
          stopPack();
          show(
            p.totalBytes
              ? `${p.model}: ${p.file} ${bar(p.bytes ?? 0, p.totalBytes)}`
              : `${p.model}: ${p.file} ${mb(p.bytes ?? 0)}`,
          );
          break;
        case "verify":
          stopPack();
          show(`${p.model}: verifying`, true);
          break;
        default:
          break;
      }
    },
    end() {
      stopPack();
      if (open) process.stderr.write("\n");
      open = false;
    },
  };
}

/**
 * Runs `fastrtc-ts models ...`; returns the process exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runModels(["pull", "moonshine/tiny"]);
 * ```
 */
export async function runModels(args: string[]): Promise<number> {
  const parsed = parseCommand(
    args,
    { force: { type: "boolean" } },
    USAGE,
    Number.POSITIVE_INFINITY,
  );
  if ("exit" in parsed) return finish(parsed);
  const [sub, ...rest] = parsed.positionals;
  const force = parsed.values.force === true;
  if (force && sub !== "pull") {
    console.error(`--force only applies to "models pull".\n\n${USAGE}`);
    return 2;
  }
  if (sub === "list") {
    if (rest.length > 0) {
      console.error(`"models list" takes no names.\n\n${USAGE}`);
      return 2;
    }
    const models = await listModels();
    const width = Math.max(...models.map((m) => m.name.length));
    for (const m of models) {
      console.log(`${m.name.padEnd(width)}  ${m.cached ? "cached    " : "not cached"}  ${m.dir}`);
      console.log(`${"".padEnd(width)}  ${m.description}`);
    }
    return 0;
  }
  if (sub === "pull") {
    const names = [...rest];
    if (names.length === 0) names.push("moonshine/tiny");
    let code = 0;
    for (const name of names) {
      const progress = progressPrinter();
      const t0 = Date.now();
      try {
        const r = await pullModel(name, { force, onProgress: progress.update });
        progress.end();
        if (r.fetched) {
          console.log(
            `${name}: fetched into ${r.dir} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
          );
        } else {
          console.log(`${name}: already cached in ${r.dir}`);
        }
      } catch (err) {
        progress.end();
        console.error(err instanceof UnknownModelError ? err.message : `${(err as Error).message}`);
        code = 1;
      }
    }
    return code;
  }
  if (sub === undefined || sub === "help") {
    console.log(USAGE);
    return sub === undefined ? 2 : 0;
  }
  console.error(`Unknown models command "${sub}".\n\n${USAGE}`);
  return 2;
}
