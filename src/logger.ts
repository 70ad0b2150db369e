/**
 * The library's logger. Library code never writes to the console directly: it logs here, and the
 * logger is silent unless the application turns it on.
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

function envLevel(): LogLevel {
  const raw = (process.env.FASTRTC_LOG ?? "").toLowerCase();
  return raw in ORDER ? (raw as LogLevel) : "silent";
}

const stderrSink: LogSink = {
  debug: (m, f) => write("debug", m, f),
  info: (m, f) => write("info", m, f),
  warn: (m, f) => write("warn", m, f),
  error: (m, f) => write("error", m, f),
};

function write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
  const extra = fields && Object.keys(fields).length > 0 ? ` ${safeJson(fields)}` : "";
  process.stderr.write(`[fastrtc-ts] ${level} ${message}${extra}\n`);
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
 * Turns library logging on or off and optionally redirects it.
 *
 * Default: level `"silent"` (or the value of the `FASTRTC_LOG` environment variable), records
 * written to stderr.
 *
 * @example
 * ```ts
 * configureLogger({ level: "info" });               // to stderr
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
