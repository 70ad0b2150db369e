/**
 * The built package (`npm run build` runs before the tests in `npm test`): the `exports` map
 * resolves `fastrtc-ts`, the VAD worker starts from `dist`, and the CLI runs.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { fixturePath } from "../src/audio/testing/fixtures.js";

const run = promisify(execFile);
const root = fileURLToPath(new URL("..", import.meta.url));

describe("the built package", () => {
  it("has dist/ with type declarations (run `npm run build` first)", () => {
    expect(existsSync(`${root}dist/index.js`)).toBe(true);
    expect(existsSync(`${root}dist/index.d.ts`)).toBe(true);
    expect(existsSync(`${root}dist/vad/sileroWorker.js`)).toBe(true);
  });

  it("resolves `fastrtc-ts` and runs Silero from dist in plain Node", async () => {
    const code = `
      import { getSileroModel, readWavFile, ReplyOnPause, Session } from "fastrtc-ts";
      const wav = await readWavFile(${JSON.stringify(fixturePath("leopard__test.wav"))});
      const model = getSileroModel();
      const [speech, chunks] = await model.vad([wav.sampleRate, wav.samples]);
      await model.close();
      console.log(JSON.stringify({ speech, chunks: chunks.length, rop: typeof ReplyOnPause, s: typeof Session }));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", code], {
      cwd: root,
    });
    const out = JSON.parse(stdout.trim()) as {
      speech: number;
      chunks: number;
      rop: string;
      s: string;
    };
    expect(out.speech).toBeGreaterThan(4);
    expect(out.chunks).toBeGreaterThanOrEqual(1);
    expect(out.rop).toBe("function");
    expect(out.s).toBe("function");
  });

  it("launches a Stream from dist and answers an offer with the Node client from fastrtc-ts/client", async () => {
    const code = `
      import { Stream, ReplyOnPause } from "fastrtc-ts";
      import { NodeAudioClient, FastRTCClient } from "fastrtc-ts/client";
      async function* echo(audio) { yield audio; }
      const stream = new Stream({ handler: new ReplyOnPause(echo), modality: "audio" });
      const server = await stream.launch({ port: 0 });
      const page = await (await fetch(server.url + "/")).text();
      const client = new NodeAudioClient({ url: server.url });
      await client.connect();
      const state = client.state;
      await client.stop();
      await server.close();
      console.log(JSON.stringify({ state, page: page.includes("fastrtc-config"), base: typeof FastRTCClient }));
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", code], {
      cwd: root,
    });
    expect(JSON.parse(stdout.trim())).toEqual({ state: "connected", page: true, base: "function" });
  });

  it("the CLI prints its usage and rejects unknown commands", async () => {
    const { stdout } = await run(process.execPath, ["dist/cli/index.js", "help"], { cwd: root });
    expect(stdout).toContain("Usage: fastrtc-ts");
    await expect(
      run(process.execPath, ["dist/cli/index.js", "nope"], { cwd: root }),
    ).rejects.toMatchObject({
      code: 2,
    });
  });

  it("every command answers --help and --version; require() says ESM only", async () => {
    const version = (JSON.parse(readFileSync(`${root}package.json`, "utf8")) as { version: string })
      .version;
    for (const cmd of [[], ["demo"], ["replay"], ["models"]]) {
      const help = await run(process.execPath, ["dist/cli/index.js", ...cmd, "--help"], {
        cwd: root,
      });
      expect(help.stdout).toContain("Usage: fastrtc-ts");
      const v = await run(process.execPath, ["dist/cli/index.js", ...cmd, "--version"], {
        cwd: root,
      });
      expect(v.stdout.trim()).toBe(version);
    }
    await expect(
      run(process.execPath, ["dist/cli/index.js", "demo", "--nope"], { cwd: root }),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining("Unknown option '--nope'"),
    });
    await expect(
      run(process.execPath, ["-e", 'require("fastrtc-ts")'], { cwd: root }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining("fastrtc-ts is ESM only") });
  });

  it("`fastrtc-ts demo` (speech models from the cache) serves the voice app page and stops on SIGINT", async () => {
    const { spawn } = await import("node:child_process");
    const child = spawn(process.execPath, ["dist/cli/index.js", "demo", "--port", "0"], {
      cwd: root,
    });
    let out = "";
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 30_000);
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /Open (http:\/\/\S+) in a browser/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("fastrtc-ts voice assistant");
    expect(html).toContain('"type":"chatbot"');
    const exit = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    child.kill("SIGINT");
    expect(await exit).toBe(0);
  });
});
