import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { configureLogger, formatRecord, getLogger, type LogSink } from "./logger.js";

const loggerUrl = new URL("./logger.ts", import.meta.url).href;
const tsx = fileURLToPath(new URL("../node_modules/tsx/dist/loader.mjs", import.meta.url));

/** Runs `code` in a fresh Node process (the logger reads FASTRTC_LOG when it is loaded). */
function runFresh(code: string, env: Record<string, string | undefined>) {
  const { FASTRTC_LOG: _ignored, ...base } = process.env;
  const r = spawnSync(
    process.execPath,
    [
      "--import",
      tsx,
      "--input-type=module",
      "-e",
      `import * as L from ${JSON.stringify(loggerUrl)};\n${code}`,
    ],
    { encoding: "utf8", env: { ...base, ...env } },
  );
  return { stderr: r.stderr, status: r.status };
}

afterEach(() => {
  configureLogger({ level: "silent" });
});

describe("logger", () => {
  it("writes warnings and errors to stderr by default, with the stack of an Error field", () => {
    const { stderr, status } = runFresh(
      `const log = L.getLogger("handler");
       log.info("not shown");
       log.warn("slow consumer", { queued: 3 });
       function userCode() { throw new Error("boom in user code"); }
       try { userCode(); } catch (error) { log.error("reply function threw", { error }); }`,
      {},
    );
    expect(status).toBe(0);
    expect(stderr).not.toContain("not shown");
    expect(stderr).toContain('[fastrtc-ts] warn slow consumer {"component":"handler","queued":3}');
    expect(stderr).toContain(
      '[fastrtc-ts] error reply function threw {"component":"handler","error":{"name":"Error","message":"boom in user code"}}',
    );
    // The stack names the user's function, indented under the record.
    expect(stderr).toMatch(/\n {4}Error: boom in user code\n {4}\s*at userCode /);
  });

  it("FASTRTC_LOG=silent (or configureLogger({ level: 'silent' })) prints nothing", () => {
    const code = `L.getLogger("x").error("bad", { error: new Error("e") });`;
    expect(runFresh(code, { FASTRTC_LOG: "silent" }).stderr).toBe("");
    expect(runFresh(`L.configureLogger({ level: "silent" }); ${code}`, {}).stderr).toBe("");
    expect(runFresh(`L.getLogger("x").debug("dbg");`, { FASTRTC_LOG: "DEBUG" }).stderr).toContain(
      "[fastrtc-ts] debug dbg",
    );
    // An unknown value keeps the default.
    expect(runFresh(`L.getLogger("x").warn("w");`, { FASTRTC_LOG: "loud" }).stderr).toContain(
      "[fastrtc-ts] warn w",
    );
  });

  it("a sink receives the records at or above the level, with the Error object itself", () => {
    const got: Array<[string, string, Record<string, unknown> | undefined]> = [];
    const sink: LogSink = {
      debug: (m, f) => got.push(["debug", m, f]),
      info: (m, f) => got.push(["info", m, f]),
      warn: (m, f) => got.push(["warn", m, f]),
      error: (m, f) => got.push(["error", m, f]),
    };
    configureLogger({ level: "info", sink });
    const log = getLogger("session");
    const error = new TypeError("bad chunk");
    log.debug("hidden");
    log.info("connected", { id: "a" });
    log.error("handler failed", { error });
    expect(got).toEqual([
      ["info", "connected", { component: "session", id: "a" }],
      ["error", "handler failed", { component: "session", error }],
    ]);
    expect(() => configureLogger({ level: "loud" as "warn" })).toThrow(RangeError);
  });

  it("formatRecord prints causes under the stack and survives circular fields", () => {
    const inner = new Error("socket closed");
    const outer = new Error("reply failed", { cause: inner });
    const text = formatRecord("error", "turn failed", { error: outer });
    expect(text.split("\n")[0]).toContain("[fastrtc-ts] error turn failed");
    expect(text).toContain("    Error: reply failed");
    expect(text).toContain("    Caused by: Error: socket closed");
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(formatRecord("warn", "odd", { circular })).toMatch(/^\[fastrtc-ts\] warn odd /);
  });
});
