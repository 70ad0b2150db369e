import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { PackTarball } from "./modelTypes.js";
import {
  sileroModelFile,
  sileroModelName,
  sileroModelPath,
  sileroModelPathSync,
} from "./silero.js";
import { makeTarGz } from "./testing/makeTarGz.js";

let work: string;

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), "fastrtc-silero-weights-"));
});
afterEach(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("Silero weights in the model cache", () => {
  it("names and cache paths of v4, v5 and v6; other versions are refused", () => {
    expect(sileroModelName("v4")).toBe("silero/v4");
    expect(sileroModelFile("v4", "/c")).toBe(join("/c", "silero", "v4", "silero_vad_legacy.onnx"));
    expect(sileroModelFile("v5", "/c")).toBe(join("/c", "silero", "v5", "silero_vad_v5.onnx"));
    expect(sileroModelFile("v6", "/c")).toBe(join("/c", "silero", "v6", "silero_vad_v6.onnx"));
    expect(() => sileroModelName("v7")).toThrow(/Unknown Silero version "v7"/);
  });

  it("sileroModelPath fetches the .onnx out of the vad-web tarball once, checked by SHA-256", async () => {
    // The real weights (the test setup pulls them into the default cache) in a tarball laid out
    // like @ricky0123/vad-web's.
    const real = await readFile(await sileroModelPath("v5"));
    const tgz = makeTarGz([
      { name: "package/package.json", data: "{}" },
      { name: "package/dist/silero_vad_v5.onnx", data: real },
    ]);
    const packed: string[] = [];
    const packTarball: PackTarball = async (pkg, version, destDir) => {
      packed.push(`${pkg}@${version}`);
      const path = join(destDir, "vad.tgz");
      await writeFile(path, tgz);
      return path;
    };
    const cacheDir = join(work, "cache");
    const path = await sileroModelPath("v5", { cacheDir, packTarball });
    expect(path).toBe(sileroModelFile("v5", cacheDir));
    expect(Buffer.compare(await readFile(path), real)).toBe(0);
    expect(await sileroModelPath("v5", { cacheDir, packTarball })).toBe(path);
    expect(packed).toEqual(["@ricky0123/vad-web@0.0.31"]);
    // The synchronous variant finds the valid file without fetching.
    expect(sileroModelPathSync("v5", cacheDir)).toBe(path);
  });

  it("a damaged file is fetched again (wrong bytes of the right size are refused)", async () => {
    const cacheDir = join(work, "cache");
    const path = sileroModelFile("v4", cacheDir);
    await mkdir(join(cacheDir, "silero", "v4"), { recursive: true });
    await copyFile(await sileroModelPath("v4"), path);
    const good = await readFile(path);
    const bad = Buffer.from(good);
    bad[1000] = (bad[1000] ?? 0) ^ 0xff;
    await writeFile(path, bad);
    const tgz = makeTarGz([{ name: "package/dist/silero_vad_legacy.onnx", data: good }]);
    let packs = 0;
    const packTarball: PackTarball = async (_p, _v, destDir) => {
      packs++;
      await writeFile(join(destDir, "vad.tgz"), tgz);
      return join(destDir, "vad.tgz");
    };
    await sileroModelPath("v4", { cacheDir, packTarball });
    expect(packs).toBe(1);
    expect(Buffer.compare(await readFile(path), good)).toBe(0);
  });
});
