import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { extractTarGz, TarFormatError } from "./tarGz.js";
import { makeTarGz, sha256Hex } from "./testing/makeTarGz.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "fastrtc-tar-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe("extractTarGz", () => {
  it("writes only the requested entries, with their size and SHA-256", async () => {
    const big = bytes(70_000, 1); // several gunzip chunks, not a multiple of 512
    const exact = bytes(1024, 2);
    const longDir = `package/${"d".repeat(60)}/${"e".repeat(50)}`;
    const tgz = join(dir, "pkg.tgz");
    await writeFile(
      tgz,
      makeTarGz([
        { name: "package", kind: "dir" },
        { name: "package/README.md", data: "# hello\n" },
        { name: "package/dist/big.onnx", data: big },
        { name: "package/dist/empty.txt", data: "" },
        { name: `${longDir}/prefixed.bin`, data: exact },
        { name: `package/${"p".repeat(120)}.pax`, data: "pax!", kind: "pax" },
        { name: `package/${"g".repeat(120)}.gnu`, data: "gnu!", kind: "gnu" },
        { name: "package/after.bin", data: "not wanted" },
      ]),
    );
    const progress: number[] = [];
    const got = await extractTarGz(
      tgz,
      {
        "package/dist/big.onnx": join(dir, "big.out"),
        "./package/dist/empty.txt": join(dir, "empty.out"),
        [`${longDir}/prefixed.bin`]: join(dir, "prefixed.out"),
        [`package/${"p".repeat(120)}.pax`]: join(dir, "pax.out"),
        [`package/${"g".repeat(120)}.gnu`]: join(dir, "gnu.out"),
      },
      { onProgress: (read, total) => progress.push(read / total) },
    );
    expect(got.size).toBe(5);
    expect(new Uint8Array(await readFile(join(dir, "big.out")))).toEqual(big);
    expect(got.get("package/dist/big.onnx")).toEqual({
      dest: join(dir, "big.out"),
      size: big.length,
      sha256: sha256Hex(big),
    });
    expect((await readFile(join(dir, "empty.out"))).length).toBe(0);
    expect(got.get("package/dist/empty.txt")?.sha256).toBe(sha256Hex(""));
    expect(new Uint8Array(await readFile(join(dir, "prefixed.out")))).toEqual(exact);
    expect(await readFile(join(dir, "pax.out"), "utf8")).toBe("pax!");
    expect(await readFile(join(dir, "gnu.out"), "utf8")).toBe("gnu!");
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toBeLessThanOrEqual(1);
    expect((await readdir(dir)).sort()).toEqual(
      ["big.out", "empty.out", "gnu.out", "pax.out", "pkg.tgz", "prefixed.out"].sort(),
    );
  });

  it("fails with TarFormatError when an entry is missing, and leaves no output", async () => {
    const tgz = join(dir, "pkg.tgz");
    await writeFile(tgz, makeTarGz([{ name: "package/a.bin", data: "a" }]));
    const err = await extractTarGz(tgz, {
      "package/a.bin": join(dir, "a.out"),
      "package/b.bin": join(dir, "b.out"),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TarFormatError);
    expect((err as Error).message).toContain('no entry "package/b.bin"');
    expect(await readdir(dir)).toEqual(["pkg.tgz"]);
  });

  it("rejects a header with a bad checksum", async () => {
    const raw = Buffer.alloc(2048);
    raw.write("package/a.bin", 0);
    raw.write("00000000001\0", 124);
    raw.write("0000000\0", 148); // wrong checksum
    const tgz = join(dir, "bad.tgz");
    await writeFile(tgz, gzipSync(raw));
    await expect(extractTarGz(tgz, { "package/a.bin": join(dir, "a.out") })).rejects.toThrow(
      /checksum/,
    );
  });

  it("rejects a truncated archive and removes the partial output", async () => {
    const whole = makeTarGz([{ name: "package/big.bin", data: bytes(100_000, 3) }]);
    const tgz = join(dir, "cut.tgz");
    await writeFile(tgz, whole.subarray(0, Math.floor(whole.length / 2)));
    const err = await extractTarGz(tgz, { "package/big.bin": join(dir, "big.out") }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TarFormatError);
    expect(await readdir(dir)).toEqual(["cut.tgz"]);
  });

  it("rejects data that is not gzip", async () => {
    const tgz = join(dir, "plain.tgz");
    await writeFile(tgz, "this is not a tarball");
    await expect(extractTarGz(tgz, { "package/a": join(dir, "a") })).rejects.toBeInstanceOf(
      TarFormatError,
    );
  });
});
