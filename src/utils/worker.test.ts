import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { workerExecArgv } from "./worker.js";

const repoRoot = new URL("../..", import.meta.url).pathname;
const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const sileroUrl = new URL("../vad/silero.ts", import.meta.url).href;
/** Starts the Silero VAD worker and runs one inference. */
const program =
  `import { getSileroModel } from ${JSON.stringify(sileroUrl)};\n` +
  "const m = getSileroModel();\n" +
  "const r = await m.vad([16000, new Int16Array(9600)]);\n" +
  "await m.close();\n" +
  "process.stdout.write(JSON.stringify(r));\n";

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: 30_000, cwd: repoRoot }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    );
  });
}

describe("workerExecArgv", () => {
  it("lets Node's inheritance be unless the parent has --input-type", () => {
    expect(workerExecArgv([])).toBeUndefined();
    expect(workerExecArgv(["--max-semi-space-size=32", "--import", "tsx"])).toBeUndefined();
  });

  it("drops --input-type in both spellings and keeps the rest", () => {
    expect(workerExecArgv(["--input-type=module", "--import", "tsx"])).toEqual(["--import", "tsx"]);
    expect(workerExecArgv(["--no-warnings", "--input-type", "module", "-r", "x"])).toEqual([
      "--no-warnings",
      "-r",
      "x",
    ]);
  });
});

describe("startModuleWorker under the parent's flags", () => {
  it("starts a worker when the process has V8 flags, with or without --input-type", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fastrtc-worker-argv-"));
    try {
      const script = join(dir, "script.mts");
      writeFileSync(script, program);
      const plain = await run(["--max-semi-space-size=32", "--import", tsx, script]);
      expect(JSON.parse(plain)).toEqual([0, []]);
      const evaluated = await run([
        "--max-semi-space-size=32",
        "--title",
        "worker-argv-test",
        "--input-type=module",
        "--import",
        tsx,
        "-e",
        program,
      ]);
      expect(JSON.parse(evaluated)).toEqual([0, []]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
