/**
 * `fastrtc-ts demo --https`: the flag is parsed, and the demo (echo app) really serves its page
 * over HTTPS with a certificate made on the spot (no file, no download).
 */
import { spawn } from "node:child_process";
import { request } from "node:https";
import { describe, expect, it } from "vitest";
import { parseServeArgs } from "./demo.js";

describe("demo --https", () => {
  it("parses --https", () => {
    expect(parseServeArgs(["--https", "--port", "0"])).toEqual({ https: true, port: 0 });
    expect(parseServeArgs([])).toEqual({});
  });

  it("serves the page over HTTPS with a fresh self-signed certificate", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/index.ts", "demo", "--echo", "--https", "--port", "0"],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FASTRTC_LOG: "silent" } },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      out += c.toString();
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 50_000);
        const check = () => {
          const m = /Open (https:\/\/\S+) in a browser/.exec(out);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        };
        child.stdout.on("data", check);
        child.once("exit", (code) => reject(new Error(`demo exited with ${code}: ${out}`)));
      });
      expect(out).toMatch(/self-signed certificate for localhost, 127\.0\.0\.1/);
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${url}/`, { rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on("error", reject);
        req.end();
      });
      expect(status).toBe(200);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    }
  }, 60_000);
});
