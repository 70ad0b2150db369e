/**
 * Limits of {@link boundedEcho}.
 *
 * @example
 * ```ts
 * const limits: EchoLimits = { maxDepth: 4, maxEntries: 10, maxString: 100, maxNodes: 100 };
 * ```
 */
export interface EchoLimits {
  /** Nesting levels kept; deeper values become `"…"`. */
  maxDepth: number;
  /** Entries kept per array or object. */
  maxEntries: number;
  /** Characters kept per string (and per object key). */
  maxString: number;
  /** Values kept in all; the rest become `"…"`. */
  maxNodes: number;
}

/** The limits used for the `input` of validation errors: a few kB of JSON at most. */
export const ECHO_LIMITS: Readonly<EchoLimits> = Object.freeze({
  maxDepth: 6,
  maxEntries: 20,
  maxString: 200,
  maxNodes: 200,
});

const CUT = "…";

function cutString(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}${CUT}` : s;
}

/**
 * A copy of a value that is safe to echo back in an error body: nesting, entries, string
 * lengths and the number of values are bounded (what is cut becomes `"…"`), so the copy is a
 * few kB of JSON at most and serialising it can never run out of stack, whatever a client sent
 * (issue 12, D6). Never throws.
 *
 * @example
 * ```ts
 * let deep: unknown = 1;
 * for (let i = 0; i < 5000; i++) deep = [deep];
 * JSON.stringify(boundedEcho(deep)); // '[[[[[["…"]]]]]]'
 * ```
 */
export function boundedEcho(value: unknown, limits: Partial<EchoLimits> = {}): unknown {
  const l = { ...ECHO_LIMITS, ...limits };
  let nodes = 0;
  const copy = (v: unknown, depth: number): unknown => {
    nodes++;
    if (v === null || typeof v === "boolean") return v;
    if (typeof v === "number") return Number.isFinite(v) ? v : null;
    if (typeof v === "string") return cutString(v, l.maxString);
    if (typeof v !== "object")
      return typeof v === "bigint" ? cutString(String(v), l.maxString) : null;
    if (depth >= l.maxDepth || nodes > l.maxNodes) return CUT;
    try {
      if (Array.isArray(v)) {
        const out: unknown[] = [];
        for (let i = 0; i < v.length; i++) {
          if (i >= l.maxEntries || nodes >= l.maxNodes) {
            out.push(`${CUT}(${v.length - i} more)`);
            break;
          }
          out.push(copy(v[i], depth + 1));
        }
        return out;
      }
      const out: Record<string, unknown> = {};
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        if (i >= l.maxEntries || nodes >= l.maxNodes) {
          out[CUT] = `${keys.length - i} more`;
          break;
        }
        out[cutString(key, l.maxString)] = copy((v as Record<string, unknown>)[key], depth + 1);
      }
      return out;
    } catch {
      // A getter or proxy that throws: nothing of it is echoed.
      return CUT;
    }
  };
  return copy(value, 0);
}

/**
 * `JSON.stringify` that never throws: a value that cannot be serialised as it is (too deep,
 * cyclic, a BigInt, a throwing `toJSON`) is serialised as its {@link boundedEcho}, and if even
 * that fails, as a fixed error document.
 *
 * @example
 * ```ts
 * const body = safeJsonStringify({ detail: [{ input: hostileValue }] });
 * ```
 */
export function safeJsonStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "null";
  } catch {
    try {
      return JSON.stringify(boundedEcho(value, { maxDepth: 12, maxNodes: 2000 })) ?? "null";
    } catch {
      return '{"detail":"The response could not be serialised"}';
    }
  }
}
