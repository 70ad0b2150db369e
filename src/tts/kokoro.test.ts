/**
 * The real Kokoro path (kokoro-js + transformers in the worker thread) without network: the hub
 * address points at a closed local port and the cache is an empty directory, so loading must
 * fail with the explanatory error. (The model itself cannot be fetched in tests.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTtsModel } from "./getTtsModel.js";
import { isKokoroModelCached, KokoroTts } from "./kokoro.js";
import { DEFAULT_KOKORO_MODEL_ID } from "./options.js";

let cacheDir: string;
let closedPort: number;

/** A local port that was just free: connecting to it is refused. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), "fastrtc-kokoro-"));
  closedPort = await freePort();
});

afterAll(() => {
  rmSync(cacheDir, { recursive: true, force: true });
});

describe("kokoro model without network", () => {
  it("getTtsModel('kokoro') fails naming the model and the need for huggingface.co", async () => {
    const remoteHost = `http://127.0.0.1:${closedPort}/`;
    const err = await getTtsModel("kokoro", { remoteHost, cacheDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toContain(`Could not load the Kokoro TTS model "${DEFAULT_KOKORO_MODEL_ID}"`);
    expect(message).toContain('dtype "q8"');
    expect(message).toContain("network access to huggingface.co");
    expect(message).toContain(`tried ${remoteHost}`);
    expect(message).toContain(cacheDir);
  });

  it("streamTtsSync fails the same way (synchronous load path)", () => {
    const model = new KokoroTts({ remoteHost: `http://127.0.0.1:${closedPort}/`, cacheDir });
    try {
      expect(() => [...model.streamTtsSync("Hello.")]).toThrow(/network access to huggingface\.co/);
    } finally {
      void model.close();
    }
  });

  it("localFilesOnly fails without touching the network", async () => {
    const model = new KokoroTts({ cacheDir, localFilesOnly: true, dtype: "fp32" });
    await expect(model.warmup()).rejects.toThrow(/dtype "fp32".*localFilesOnly is set/s);
    await model.close();
  });

  it("rejects invalid model options before loading anything", async () => {
    await expect(getTtsModel("kokoro", { dtype: "int4" as never })).rejects.toThrow(RangeError);
    await expect(getTtsModel("kokoro", { speed: 5 })).rejects.toThrow(RangeError);
    await expect(getTtsModel("kokoro", { remoteHost: "huggingface.co" })).rejects.toThrow(
      /remoteHost must be an http\(s\) URL/,
    );
    await expect(getTtsModel("kokoro", { voices: [] } as never)).rejects.toThrow(TypeError);
  });
});

describe("isKokoroModelCached", () => {
  it("is false for an empty cache and true once the files are there", async () => {
    const dir = join(cacheDir, "filled");
    expect(await isKokoroModelCached({ cacheDir: dir })).toBe(false);
    const root = join(dir, DEFAULT_KOKORO_MODEL_ID);
    mkdirSync(join(root, "onnx"), { recursive: true });
    for (const f of ["config.json", "tokenizer.json", "onnx/model_quantized.onnx"]) {
      writeFileSync(join(root, f), "x");
    }
    expect(await isKokoroModelCached({ cacheDir: dir })).toBe(true);
    expect(await isKokoroModelCached({ cacheDir: dir, dtype: "fp32" })).toBe(false);
  });
});
