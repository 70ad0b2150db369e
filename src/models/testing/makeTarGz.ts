/**
 * Test helper: builds small `.tar.gz` archives (ustar, optionally with pax or GNU long-name
 * headers) in memory, so model-cache tests never need the network. Not part of the published
 * package.
 */
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";

/**
 * One entry of {@link makeTarGz}.
 *
 * @example
 * ```ts
 * const e: TarTestEntry = { name: "package/a.onnx", data: new Uint8Array([1, 2, 3]) };
 * ```
 */
export interface TarTestEntry {
  name: string;
  /** File contents (ignored for directories). */
  data?: Uint8Array | string;
  /** `"file"` (default), `"dir"`, or how a long name is stored: `"pax"` or `"gnu"`. */
  kind?: "file" | "dir" | "pax" | "gnu";
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

function header(name: string, size: number, type: string, prefix = ""): Buffer {
  const h = Buffer.alloc(512, 0);
  h.write(name.slice(0, 100), 0, "utf8");
  h.write(octal(0o644, 8), 100, "ascii");
  h.write(octal(0, 8), 108, "ascii");
  h.write(octal(0, 8), 116, "ascii");
  h.write(octal(size, 12), 124, "ascii");
  h.write(octal(0, 12), 136, "ascii");
  h.write("        ", 148, "ascii");
  h.write(type, 156, "ascii");
  h.write("ustar\0", 257, "ascii");
  h.write("00", 263, "ascii");
  h.write(prefix, 345, "utf8");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return h;
}

function pad(data: Buffer): Buffer {
  const rest = data.length % 512;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - rest)]);
}

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return `${len}${body}`;
}

/**
 * A gzip-compressed tar archive of `entries`, ending with the two zero blocks. Names up to 100
 * bytes go in the header; longer `"file"` names use the ustar prefix field; `"pax"` / `"gnu"`
 * entries store their name in a pax `path` record / a GNU `L` entry.
 *
 * @example
 * ```ts
 * const tgz = makeTarGz([{ name: "package/model.onnx", data: bytes }]);
 * await writeFile(join(dir, "pkg.tgz"), tgz);
 * ```
 */
export function makeTarGz(entries: readonly TarTestEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data =
      e.data === undefined
        ? Buffer.alloc(0)
        : typeof e.data === "string"
          ? Buffer.from(e.data, "utf8")
          : Buffer.from(e.data);
    const kind = e.kind ?? "file";
    if (kind === "dir") {
      parts.push(header(e.name, 0, "5"));
      continue;
    }
    let name = e.name;
    let prefix = "";
    if (kind === "pax") {
      const pax = Buffer.from(paxRecord("path", e.name), "utf8");
      parts.push(header("PaxHeader/entry", pax.length, "x"), pad(pax));
      name = "placeholder-name";
    } else if (kind === "gnu") {
      const long = Buffer.from(`${e.name}\0`, "utf8");
      parts.push(header("././@LongLink", long.length, "L"), pad(long));
      name = e.name.slice(0, 100);
    } else if (Buffer.byteLength(name) > 100) {
      const cut = name.lastIndexOf("/", 155);
      prefix = name.slice(0, cut);
      name = name.slice(cut + 1);
    }
    parts.push(header(name, data.length, "0", prefix), pad(data));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}

/**
 * Lower-case hex SHA-256 of `data` (for expected-hash fields in test specs).
 *
 * @example
 * ```ts
 * const spec = { role: "encoder", file: "e.onnx", size: bytes.length, sha256: sha256Hex(bytes) };
 * ```
 */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}
