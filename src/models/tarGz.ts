/**
 * A small streaming reader for `.tar.gz` files (npm package tarballs): gunzip with `node:zlib`,
 * then POSIX ustar headers (with pax `path`/`size` records and GNU long names). Only the entries
 * asked for are written out; everything else is skipped without being kept in memory.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat, unlink } from "node:fs/promises";
import { createGunzip } from "node:zlib";

const BLOCK = 512;
/** Largest pax header or GNU long name accepted (they only carry names and numbers). */
const MAX_META_BYTES = 1 << 20;

/**
 * What {@link extractTarGz} wrote for one entry.
 *
 * @example
 * ```ts
 * const { size, sha256 } = (await extractTarGz(tgz, { "package/a.onnx": "/tmp/a.onnx" })).get("package/a.onnx")!;
 * ```
 */
export interface ExtractedEntry {
  /** The file written. */
  dest: string;
  /** Bytes written. */
  size: number;
  /** SHA-256 of the bytes written (lower-case hex). */
  sha256: string;
}

/**
 * Options of {@link extractTarGz}.
 *
 * @example
 * ```ts
 * await extractTarGz(tgz, targets, { onProgress: (read, total) => bar.update(read / total) });
 * ```
 */
export interface ExtractTarGzOptions {
  /** Called as the compressed file is read: bytes read so far and the file's size. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/**
 * Thrown when the archive is not a valid tar.gz (bad gzip data, bad header checksum, truncated
 * entry) or lacks a requested entry.
 *
 * @example
 * ```ts
 * await extractTarGz("broken.tgz", targets).catch((e) => e instanceof TarFormatError);
 * ```
 */
export class TarFormatError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TarFormatError";
  }
}

/** Pulls exact byte counts out of a stream of chunks. */
class ChunkReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async more(): Promise<boolean> {
    if (this.done) return false;
    const r = await this.source.next();
    if (r.done === true) {
      this.done = true;
      return false;
    }
    this.buf = this.buf.length === 0 ? r.value : Buffer.concat([this.buf, r.value]);
    return true;
  }

  /** Exactly `n` bytes, or `null` if the stream ends before. */
  async read(n: number): Promise<Buffer | null> {
    while (this.buf.length < n) if (!(await this.more())) return null;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  /** Hands `n` bytes to `sink` piece by piece. Returns false if the stream ended first. */
  async pipe(n: number, sink: (piece: Buffer) => Promise<void> | void): Promise<boolean> {
    let left = n;
    while (left > 0) {
      if (this.buf.length === 0 && !(await this.more())) return false;
      const take = Math.min(left, this.buf.length);
      const piece = this.buf.subarray(0, take);
      this.buf = this.buf.subarray(take);
      left -= take;
      await sink(piece);
    }
    return true;
  }
}

function cString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString("utf8");
}

function parseNumber(block: Buffer, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  if (((field[0] ?? 0) & 0x80) !== 0) {
    // GNU base-256: big-endian two's complement with the high bit of the first byte as a flag.
    let value = (field[0] ?? 0) & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    return value;
  }
  const text = cString(block, start, length).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarFormatError(`bad octal number "${text}" in tar header`);
  return Number.parseInt(text, 8);
}

function checksumOk(block: Buffer): boolean {
  const stored = parseNumber(block, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  return sum === stored;
}

/** Records of a pax extended header: `"<len> <key>=<value>\n"`. */
function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const len = Number.parseInt(data.subarray(pos, space).toString("ascii"), 10);
    if (!Number.isFinite(len) || len <= 0 || pos + len > data.length) break;
    const record = data.subarray(space + 1, pos + len - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

function normalize(name: string): string {
  return name.replace(/^(\.\/)+/, "");
}

/**
 * Extracts the entries named in `targets` (tar path → destination file) from a `.tar.gz`, and
 * returns the size and SHA-256 of each file written. Reading stops as soon as every target has
 * been found. Destinations are overwritten; on failure, the ones already written are removed.
 *
 * @param tgzPath - The archive.
 * @param targets - Entry path inside the archive (as listed by `tar tzf`, `./` prefix optional)
 *   → file to write.
 * @param options - `onProgress` (default none).
 * @throws TarFormatError for a damaged archive or when an entry is missing.
 * @example
 * ```ts
 * const got = await extractTarGz("pkg.tgz", { "package/dist/model.onnx": "/tmp/model.onnx.part" });
 * got.get("package/dist/model.onnx")?.sha256;
 * ```
 */
export async function extractTarGz(
  tgzPath: string,
  targets: Readonly<Record<string, string>>,
  options: ExtractTarGzOptions = {},
): Promise<Map<string, ExtractedEntry>> {
  const wanted = new Map<string, string>();
  for (const [entry, dest] of Object.entries(targets)) wanted.set(normalize(entry), dest);
  const total = (await stat(tgzPath)).size;
  const input = createReadStream(tgzPath, { highWaterMark: 1 << 20 });
  const gunzip = createGunzip();
  let read = 0;
  input.on("data", (chunk) => {
    read += chunk.length;
    options.onProgress?.(read, total);
  });
  input.on("error", (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  const reader = new ChunkReader(gunzip[Symbol.asyncIterator]() as AsyncIterator<Buffer>);
  const found = new Map<string, ExtractedEntry>();
  try {
    await walk(reader, wanted, found);
  } catch (err) {
    await Promise.all([...found.values()].map((e) => unlink(e.dest).catch(() => undefined)));
    if (err instanceof TarFormatError) throw err;
    throw new TarFormatError(`cannot read ${tgzPath}: ${(err as Error).message}`, { cause: err });
  } finally {
    input.unpipe(gunzip);
    input.destroy();
    gunzip.destroy();
  }
  const missing = [...wanted.keys()].filter((e) => !found.has(e));
  if (missing.length > 0) {
    await Promise.all([...found.values()].map((e) => unlink(e.dest).catch(() => undefined)));
    throw new TarFormatError(`${tgzPath} has no entry ${missing.map((m) => `"${m}"`).join(", ")}`);
  }
  return found;
}

async function walk(
  reader: ChunkReader,
  wanted: Map<string, string>,
  found: Map<string, ExtractedEntry>,
): Promise<void> {
  let paxPath: string | undefined;
  let paxSize: number | undefined;
  let longName: string | undefined;
  while (found.size < wanted.size) {
    const header = await reader.read(BLOCK);
    if (header === null) return; // end of data without the end-of-archive blocks
    if (header.every((b) => b === 0)) return; // end of archive
    if (!checksumOk(header)) throw new TarFormatError("bad tar header checksum");
    const type = String.fromCharCode(header[156] ?? 0);
    let size = parseNumber(header, 124, 12);
    const padded = Math.ceil(size / BLOCK) * BLOCK;

    if (type === "x" || type === "g" || type === "L") {
      if (size > MAX_META_BYTES) throw new TarFormatError("tar extended header too large");
      const data = await reader.read(padded);
      if (data === null) throw new TarFormatError("truncated tar archive");
      const body = data.subarray(0, size);
      if (type === "x") {
        const pax = parsePax(body);
        paxPath = pax.get("path");
        const s = pax.get("size");
        paxSize = s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined;
      } else if (type === "L") {
        longName = cString(body, 0, body.length);
      }
      continue;
    }

    let name = cString(header, 0, 100);
    const magic = cString(header, 257, 6);
    if (magic.startsWith("ustar")) {
      const prefix = cString(header, 345, 155);
      if (prefix !== "" && magic === "ustar") name = `${prefix}/${name}`;
    }
    if (longName !== undefined) name = longName;
    if (paxPath !== undefined) name = paxPath;
    if (paxSize !== undefined) size = paxSize;
    paxPath = undefined;
    paxSize = undefined;
    longName = undefined;
    const dataBlocks = Math.ceil(size / BLOCK) * BLOCK;
    name = normalize(name);

    const dest = (type === "0" || type === "\0") && !found.has(name) ? wanted.get(name) : undefined;
    if (dest === undefined) {
      if (!(await reader.pipe(dataBlocks, () => undefined))) {
        throw new TarFormatError("truncated tar archive");
      }
      continue;
    }
    const hash = createHash("sha256");
    const fh = await open(dest, "w");
    let complete: boolean;
    try {
      complete = await reader.pipe(size, async (piece) => {
        hash.update(piece);
        await fh.write(piece);
      });
    } catch (err) {
      await fh.close();
      await unlink(dest).catch(() => undefined);
      throw err;
    }
    await fh.close();
    // Record it first so a failure below still removes the file.
    found.set(name, { dest, size, sha256: hash.digest("hex") });
    if (!complete) throw new TarFormatError(`truncated tar archive (in "${name}")`);
    if (dataBlocks > size && !(await reader.pipe(dataBlocks - size, () => undefined))) {
      // Missing padding after the last wanted entry is harmless.
      if (found.size < wanted.size) throw new TarFormatError("truncated tar archive");
    }
  }
}
