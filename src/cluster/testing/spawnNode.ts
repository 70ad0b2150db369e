import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const SCRIPT = fileURLToPath(new URL("./clusterNode.ts", import.meta.url));

/** A running `clusterNode.ts` process. */
export interface TestNode {
  child: ChildProcess;
  url: string;
  port: number;
  /** Worker node ids (with `FASTRTC_TEST_WORKERS`). */
  workers: string[];
  /** Everything it wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** Resolves when the process exited. */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `clusterNode.ts` with `env` and waits until it listens. */
export function spawnNode(env: Record<string, string>): Promise<TestNode> {
  const child = spawn(process.execPath, ["--import", "tsx", SCRIPT], {
    env: { ...process.env, FASTRTC_LOG: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  return new Promise<TestNode>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`test node did not start within 30 s: ${err}`));
    }, 30_000);
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (!line) return;
      clearTimeout(timer);
      const info = JSON.parse(line) as { url: string; port: number; workers: string[] };
      resolve({
        child,
        ...info,
        stderr: () => err,
        exited,
        kill: async (signal = "SIGKILL") => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          await exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`test node exited (${String(code)}) before listening: ${err}`));
    });
  });
}
