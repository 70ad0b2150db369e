/**
 * The library's logger. Library code never writes to the console directly: it logs here. By
 * default warnings and errors go to stderr (an exception is printed with its stack);
 * `configureLogger({ level: "silent" })` or `FASTRTC_LOG=silent` turns them off, and a `sink`
 * sends them to the application's own logger.
 */

/**
 * Severity of a log record, from most to least verbose.
 *
 * @example
 * ```ts
 * configureLogger({ level: "warn" satisfies LogLevel });
 * ```
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/**
 * Where log records go. Any object with these four methods works (pino, console, ...).
 *
 * @example
 * ```ts
 * const sink: LogSink = { debug() {}, info() {}, warn: (m) => alerts.push(m), error: (m) => alerts.push(m) };
 * configureLogger({ level: "warn", sink });
 * ```
 */
export interface LogSink {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

/** The default level: `FASTRTC_LOG` when it names a level, else `"warn"`. */
const DEFAULT_LEVEL: LogLevel = "warn";

function envLevel(): LogLevel {
  const raw = (process.env.FASTRTC_LOG ?? "").trim().toLowerCase();
  return Object.hasOwn(ORDER, raw) ? (raw as LogLevel) : DEFAULT_LEVEL;
}

const stderrSink: LogSink = {
  debug: (m, f) => write("debug", m, f),
  info: (m, f) => write("info", m, f),
  warn: (m, f) => write("warn", m, f),
  error: (m, f) => write("error", m, f),
};

function write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
  process.stderr.write(formatRecord(level, message, fields));
}

/**
 * One stderr record: `[fastrtc-ts] <level> <message> {fields as JSON}` on one line, then the
 * stack of every `Error` among the fields (and of its `cause`s), indented.
 *
 * @internal
 * @example
 * ```ts
 * formatRecord("warn", "handler failed", { error: new Error("boom") });
 * // "[fastrtc-ts] warn handler failed {\"error\":{\"name\":\"Error\",\"message\":\"boom\"}}\n    Error: boom\n        at ...\n"
 * ```
 */
export function formatRecord(
  level: LogLevel,
  message: string,
  fields?: Record<string, unknown>,
): string {
  const extra = fields && Object.keys(fields).length > 0 ? ` ${safeJson(fields)}` : "";
  let out = `[fastrtc-ts] ${level} ${message}${extra}\n`;
  for (const value of Object.values(fields ?? {})) {
    if (value instanceof Error) out += stackOf(value);
  }
  return out;
}

/** The stack of `err` and of its causes (at most 5 deep), indented by four spaces. */
function stackOf(err: Error): string {
  const lines: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current instanceof Error && depth < 5; depth++) {
    const text = current.stack ?? `${current.name}: ${current.message}`;
    lines.push(...(depth === 0 ? text : `Caused by: ${text}`).split("\n"));
    current = current.cause;
  }
  return lines.map((l) => `    ${l}\n`).join("");
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) =>
      v instanceof Error ? { name: v.name, message: v.message } : v,
    );
  } catch {
    return String(value);
  }
}

let level: LogLevel = envLevel();
let sink: LogSink = stderrSink;

/**
 * Sets how much the library logs and where.
 *
 * Default: level `"warn"` (or the value of the `FASTRTC_LOG` environment variable: `debug`,
 * `info`, `warn`, `error`, `silent`), records written to stderr, an `Error` field printed with
 * its stack. A `sink` receives the message and the fields as they are (the `Error` objects
 * included), tagged with `component`.
 *
 * @example
 * ```ts
 * configureLogger({ level: "silent" });             // nothing at all
 * configureLogger({ level: "info" });               // more, to stderr
 * configureLogger({ level: "debug", sink: pino() }); // to your own logger
 * ```
 */
export function configureLogger(options: { level?: LogLevel; sink?: LogSink }): void {
  if (options.level !== undefined) {
    if (!(options.level in ORDER)) {
      throw new RangeError(`Unknown log level "${String(options.level)}"`);
    }
    level = options.level;
  }
  if (options.sink !== undefined) sink = options.sink;
}

/**
 * The level in effect (what a worker thread's logger is set to when it starts).
 *
 * @internal
 */
export function currentLogLevel(): LogLevel {
  return level;
}

function enabled(l: LogLevel): boolean {
  return ORDER[l] >= ORDER[level];
}

/**
 * A logger bound to a component name (internal).
 *
 * @internal
 */
export interface Logger extends LogSink {}

/**
 * Returns a logger whose records carry `component` (internal).
 *
 * @internal
 */
export function getLogger(component: string): Logger {
  const tag = (f?: Record<string, unknown>) => ({ component, ...f });
  return {
    debug: (m, f) => enabled("debug") && sink.debug(m, tag(f)),
    info: (m, f) => enabled("info") && sink.info(m, tag(f)),
    warn: (m, f) => enabled("warn") && sink.warn(m, tag(f)),
    error: (m, f) => enabled("error") && sink.error(m, tag(f)),
  } as Logger;
}
