/**
 * Fetches an npm package tarball with the user's own `npm` (`npm pack <pkg>@<version>`), so
 * registry settings, proxies and the npm cache all apply, and the package is never installed.
 */
import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { PackTarball } from "./modelTypes.js";

/**
 * Options of {@link npmPack}.
 *
 * @example
 * ```ts
 * const pack = npmPack({ timeoutMs: 120_000 });
 * ```
 */
export interface NpmPackOptions {
  /** The npm executable. Default `"npm"` (`npm.cmd` on Windows). */
  npmCommand?: string;
  /** Give up after this many milliseconds. Default `600000` (10 min). */
  timeoutMs?: number;
  /** npm's `--fetch-retries` (retry delays 2–10 s). Default `1`. */
  fetchRetries?: number;
}

/**
 * A {@link PackTarball} that runs `npm pack <pkg>@<version> --pack-destination <destDir> --json`
 * and returns the path of the `.tgz` it wrote.
 *
 * @param options - `npmCommand` (default `npm`), `timeoutMs` (default 10 min).
 * @example
 * ```ts
 * const tgz = await npmPack()("@moonshine-ai/moonshine-js", "0.1.29", "/tmp/pull");
 * ```
 */
export function npmPack(options: NpmPackOptions = {}): PackTarball {
  const win = process.platform === "win32";
  const npm = options.npmCommand ?? (win ? "npm.cmd" : "npm");
  const timeout = options.timeoutMs ?? 600_000;
  const retries = options.fetchRetries ?? 1;
  return (pkg, version, destDir) =>
    new Promise<string>((resolve, reject) => {
      const args = [
        "pack",
        `${pkg}@${version}`,
        "--pack-destination",
        destDir,
        "--json",
        "--ignore-scripts",
        // npm's defaults retry an unreachable registry for over a minute; fail sooner offline.
        `--fetch-retries=${retries}`,
        "--fetch-retry-mintimeout=2000",
        "--fetch-retry-maxtimeout=10000",
      ];
      execFile(
        npm,
        // With a shell (Windows .cmd), arguments are not quoted for us.
        win ? args.map((a) => (/[\s"]/.test(a) ? `"${a.replaceAll('"', '\\"')}"` : a)) : args,
        { cwd: destDir, timeout, maxBuffer: 16 << 20, shell: win, windowsHide: true },
        (err, stdout, stderr) => {
          if (err !== null) {
            const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
            const detail = missing
              ? `${npm} not found`
              : (npmErrorSummary(String(stdout), String(stderr)) ?? err.message);
            reject(new Error(`npm pack ${pkg}@${version} failed: ${detail}`, { cause: err }));
            return;
          }
          resolveTarball(String(stdout), destDir).then(resolve, reject);
        },
      );
    });
}

/** The one-line reason of a failed npm command: its `--json` error, else its `npm error` lines. */
function npmErrorSummary(stdout: string, stderr: string): string | undefined {
  try {
    const parsed = JSON.parse(stdout) as { error?: { code?: unknown; summary?: unknown } };
    const e = parsed.error;
    if (e !== undefined && typeof e.summary === "string") {
      return typeof e.code === "string" ? `${e.code}: ${e.summary}` : e.summary;
    }
  } catch {
    // not JSON
  }
  const lines = stderr
    .split("\n")
    .map((l) => l.replace(/^npm (error|ERR!)\s*/, "").trim())
    .filter((l, i, all) => l !== "" && !/^(at |\{|\}|[a-z]+: )/.test(l) && all.indexOf(l) === i);
  const code = /npm (?:error|ERR!) code (\S+)/.exec(stderr)?.[1];
  const text = lines
    .filter((l) => !/^(code|syscall|errno) /.test(l))
    .slice(0, 2)
    .join("; ");
  if (text === "" && code === undefined) return undefined;
  return code !== undefined ? `${code}: ${text}` : text;
}

async function resolveTarball(stdout: string, destDir: string): Promise<string> {
  try {
    const parsed = JSON.parse(stdout) as Array<{ filename?: unknown }>;
    const name = parsed[0]?.filename;
    if (typeof name === "string" && name.endsWith(".tgz")) {
      // npm reports scoped names as "@scope/name-1.0.0.tgz" in some versions; the file on disk
      // is "scope-name-1.0.0.tgz".
      return join(destDir, name.replace(/^@/, "").replace("/", "-"));
    }
  } catch {
    // fall through: look for the file
  }
  const tgz = (await readdir(destDir)).filter((f) => f.endsWith(".tgz"));
  if (tgz.length !== 1 || tgz[0] === undefined) {
    throw new Error(`npm pack did not leave exactly one .tgz in ${destDir}`);
  }
  return join(destDir, tgz[0]);
}
