/**
 * A self-signed TLS certificate made on the spot with node:crypto (no download, no openssl):
 * an ECDSA P-256 key and an X.509 v3 certificate written in DER by a small encoder below, valid
 * for `localhost`, the loopback addresses and this machine's LAN addresses, so a phone on the
 * same network can open the demo over HTTPS (browsers give the microphone only to HTTPS pages)
 * after accepting the warning once.
 */
import { generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import { networkInterfaces } from "node:os";

/**
 * A key and certificate in PEM, ready for `launch({ https })` or `https.createServer`.
 *
 * @example
 * ```ts
 * const { key, cert } = selfSignedCertificate();
 * await stream.launch({ host: "0.0.0.0", https: { key, cert } });
 * ```
 */
export interface SelfSignedCertificate {
  /** PKCS#8 private key, PEM. */
  key: string;
  /** X.509 certificate, PEM. */
  cert: string;
  /** The DNS names and IP addresses the certificate is valid for. */
  names: string[];
}

/**
 * Options of {@link selfSignedCertificate}.
 *
 * @example
 * ```ts
 * selfSignedCertificate({ names: ["voice.local", "192.168.1.20"], days: 30 });
 * ```
 */
export interface SelfSignedOptions {
  /** DNS names and IP addresses. Default: `localhost`, `127.0.0.1`, `::1` and every LAN address. */
  names?: string[];
  /** Days of validity from now. Default `365`. */
  days?: number;
  /** Common name of subject and issuer. Default `"fastrtc-ts local"`. */
  commonName?: string;
  /** Start of validity (tests). Default: now, minus one hour for clock skew. */
  now?: Date;
}

/**
 * Makes a fresh ECDSA P-256 key and a self-signed X.509 v3 certificate for it (SHA-256,
 * subjectAltName with every name, serverAuth, not a CA).
 *
 * @example
 * ```ts
 * const { key, cert, names } = selfSignedCertificate();
 * console.log(`certificate for ${names.join(", ")}`);
 * ```
 */
export function selfSignedCertificate(options: SelfSignedOptions = {}): SelfSignedCertificate {
  const names = options.names ?? defaultNames();
  if (names.length === 0) throw new RangeError("a certificate needs at least one name");
  const days = options.days ?? 365;
  if (!Number.isFinite(days) || days <= 0) throw new RangeError("days must be positive");
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const spki = publicKey.export({ type: "spki", format: "der" });
  const notBefore = new Date((options.now ?? new Date()).getTime() - 3_600_000);
  const notAfter = new Date(notBefore.getTime() + days * 86_400_000 + 3_600_000);
  const serial = randomBytes(16);
  serial[0] = (serial[0] as number) & 0x7f; // positive
  const name = distinguishedName(options.commonName ?? "fastrtc-ts local");
  const ecdsaWithSha256 = seq(oid("1.2.840.10045.4.3.2"));
  const tbs = seq(
    tagged(0, int(Buffer.from([2]))), // v3
    int(serial),
    ecdsaWithSha256,
    name,
    seq(time(notBefore), time(notAfter)),
    name,
    Buffer.from(spki),
    tagged(
      3,
      seq(
        extension("2.5.29.19", true, seq()), // basicConstraints: not a CA
        extension("2.5.29.15", true, bitString(Buffer.from([0x80]), 7)), // keyUsage: digitalSignature
        extension("2.5.29.37", false, seq(oid("1.3.6.1.5.5.7.3.1"))), // extKeyUsage: serverAuth
        extension("2.5.29.17", false, seq(...names.map(generalName))), // subjectAltName
      ),
    ),
  );
  const signature = sign("sha256", tbs, privateKey); // ECDSA-Sig-Value, DER
  const der = seq(tbs, ecdsaWithSha256, bitString(signature, 0));
  return {
    key: privateKey.export({ type: "pkcs8", format: "pem" }) as string,
    cert: pem("CERTIFICATE", der),
    names,
  };
}

/** `localhost`, the loopback addresses and every non-internal address of this machine. */
function defaultNames(): string[] {
  const names = new Set(["localhost", "127.0.0.1", "::1"]);
  for (const list of Object.values(networkInterfaces())) {
    for (const info of list ?? []) {
      const a = info.address;
      if (info.internal || a.startsWith("fe80:") || a.includes(".") !== isIPv4(a)) continue;
      names.add(a);
    }
  }
  return [...names];
}

function pem(label: string, der: Buffer): string {
  const b64 = der.toString("base64").replace(/.{64}/g, "$&\n");
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith("\n") ? "" : "\n"}-----END ${label}-----\n`;
}

// --- a minimal DER encoder (ITU-T X.690), enough for one certificate ---

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    length = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

function seq(...items: Buffer[]): Buffer {
  return tlv(0x30, Buffer.concat(items));
}

function set(...items: Buffer[]): Buffer {
  return tlv(0x31, Buffer.concat(items));
}

/** A context-specific constructed tag `[n] EXPLICIT`. */
function tagged(n: number, content: Buffer): Buffer {
  return tlv(0xa0 | n, content);
}

/** An INTEGER from big-endian magnitude bytes (kept positive). */
function int(bytes: Buffer): Buffer {
  let start = 0;
  while (
    start < bytes.length - 1 &&
    bytes[start] === 0 &&
    ((bytes[start + 1] as number) & 0x80) === 0
  )
    start++;
  const body = bytes.subarray(start);
  return tlv(
    0x02,
    ((body[0] as number) & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), body]) : body,
  );
}

function oid(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  const out: number[] = [40 * (parts[0] as number) + (parts[1] as number)];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f];
    for (let v = Math.floor(part / 128); v > 0; v = Math.floor(v / 128))
      chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function bitString(bytes: Buffer, unusedBits: number): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

function octetString(bytes: Buffer): Buffer {
  return tlv(0x04, bytes);
}

/** UTCTime up to 2049, GeneralizedTime after (RFC 5280 §4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(digits.slice(2), "ascii"))
    : tlv(0x18, Buffer.from(digits, "ascii"));
}

function distinguishedName(commonName: string): Buffer {
  return seq(set(seq(oid("2.5.4.3"), tlv(0x0c, Buffer.from(commonName, "utf8")))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [tlv(0x01, Buffer.from([0xff]))] : []), octetString(value));
}

/** A subjectAltName entry: `[7] iPAddress` for an IP, `[2] dNSName` otherwise. */
function generalName(name: string): Buffer {
  if (isIPv4(name)) return tlv(0x87, Buffer.from(name.split(".").map(Number)));
  if (isIPv6(name)) return tlv(0x87, ipv6Bytes(name));
  return tlv(0x82, Buffer.from(name, "ascii"));
}

function ipv6Bytes(address: string): Buffer {
  const [head, tail] = address.split("::") as [string, string | undefined];
  const groups = (s: string | undefined) => (s ? s.split(":") : []);
  const left = groups(head);
  const right = groups(tail);
  const all =
    tail === undefined
      ? left
      : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g as string, 16), i * 2);
  });
  return out;
}
