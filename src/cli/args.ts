/**
 * Command-line parsing shared by the `fastrtc-ts` commands: `node:util` `parseArgs` in strict
 * mode, `--help`/`-h` and `--version`/`-v` on every command, errors as a message for the user
 * rather than a stack.
 */
import { readFileSync } from "node:fs";
import { type ParseArgsConfig, parseArgs } from "node:util";

/**
 * The version in fastrtc-ts's package.json (`dist/cli` and `src/cli` both sit two folders below
 * it).
 *
 * @example
 * ```ts
 * packageVersion(); // "0.1.0"
 * ```
 */
export function packageVersion(): string {
  const url = new URL("../../package.json", import.meta.url);
  const pkg = JSON.parse(readFileSync(url, "utf8")) as { version?: unknown };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}

/** The option table of one command (`node:util` `parseArgs` format). */
export type OptionTable = NonNullable<ParseArgsConfig["options"]>;

/** What {@link parseCommand} returns: parsed values, or what to print and the exit code. */
export type ParsedCommand =
  | { values: Record<string, string | boolean | undefined>; positionals: string[] }
  | { exit: number; stdout?: string; stderr?: string };

const COMMON: OptionTable = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
};

/**
 * Parses `args` with `options` plus `--help`/`-h` and `--version`/`-v`. Returns the values, or
 * (help, version, a usage error) the text to print and the exit code (0, 0, 2).
 *
 * @example
 * ```ts
 * const r = parseCommand(["--port", "0"], { port: { type: "string" } }, "Usage: ...", 0);
 * if ("exit" in r) process.exitCode = r.exit;
 * ```
 */
export function parseCommand(
  args: string[],
  options: OptionTable,
  usage: string,
  maxPositionals: number,
): ParsedCommand {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      options: { ...COMMON, ...options },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    // parseArgs's messages name the option ("Unknown option '--nope'. ...").
    return { exit: 2, stderr: `${(err as Error).message}\n\n${usage}` };
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return { exit: 0, stdout: usage };
  if (values.version === true) return { exit: 0, stdout: packageVersion() };
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals.slice(maxPositionals).join(" ");
    return { exit: 2, stderr: `Unexpected argument ${extra}\n\n${usage}` };
  }
  return { values, positionals: parsed.positionals };
}

/**
 * Prints what {@link parseCommand} asked for and returns its exit code.
 *
 * @example
 * ```ts
 * if ("exit" in r) return finish(r);
 * ```
 */
export function finish(r: { exit: number; stdout?: string; stderr?: string }): number {
  if (r.stdout !== undefined) console.log(r.stdout);
  if (r.stderr !== undefined) console.error(r.stderr);
  return r.exit;
}
