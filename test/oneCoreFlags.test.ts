/**
 * The Node flags recommended for one process per core (bench/cpu.ts `ONE_CORE_FLAGS`): the
 * benchmarks' `npm run bench:one-core`, docs/deployment.md and the README say the same, and this
 * Node accepts them (a V8 that dropped a flag would refuse to start).
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ONE_CORE_FLAGS } from "../bench/cpu.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));

describe("the one-core Node flags", () => {
  it("are the ones bench:one-core, docs/deployment.md and the README give", () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts["bench:one-core"]).toBe(`node ${ONE_CORE_FLAGS} --import tsx bench/run.ts`);
    expect(readFileSync(`${root}docs/deployment.md`, "utf8")).toContain(`node ${ONE_CORE_FLAGS}`);
    expect(readFileSync(`${root}README.md`, "utf8")).toContain(`node ${ONE_CORE_FLAGS}`);
  });

  it("start this Node", async () => {
    const { stdout } = await run(process.execPath, [
      ...ONE_CORE_FLAGS.split(" "),
      "-e",
      "console.log('ok')",
    ]);
    expect(stdout.trim()).toBe("ok");
  });
});
