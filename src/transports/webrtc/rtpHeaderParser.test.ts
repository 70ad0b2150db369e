import { describe, expect, it } from "vitest";
import { RtpHeader, RtpPacket } from "werift";
import { seeded } from "../../testing/prng.js";
import {
  cloneRtpPacket,
  installRtpHeaderParser,
  parseRtpHeader,
  weriftRtpHeaderDeSerialize,
} from "./rtpHeaderParser.js";

/** An RTP packet as a sender might make it, or a damaged one (`damage`). */
function packet(next: () => number, damage: boolean): Buffer {
  const byte = () => Math.floor(next() * 256);
  const bytes: number[] = [];
  const extension = next() < 0.7;
  const padding = next() < 0.1;
  const csrcs = next() < 0.1 ? 1 + Math.floor(next() * 3) : 0;
  bytes.push(0x80 | (padding ? 0x20 : 0) | (extension ? 0x10 : 0) | csrcs, byte());
  for (let i = 0; i < 10; i++) bytes.push(byte());
  for (let i = 0; i < csrcs * 4; i++) bytes.push(byte());
  if (extension) {
    const profile = next() < 0.85 ? [0xbe, 0xde] : [0x10, 0x00];
    const body: number[] = [];
    const elements = Math.floor(next() * 4);
    for (let e = 0; e < elements; e++) {
      if (next() < 0.2) body.push(0); // padding between elements
      const id = 1 + Math.floor(next() * 14);
      const size = 1 + Math.floor(next() * 4);
      body.push((id << 4) | (size - 1));
      for (let i = 0; i < size; i++) body.push(byte());
    }
    if (next() < 0.1) body.push(0xf0); // id 15: stop
    while (body.length % 4 !== 0) body.push(0);
    bytes.push(...profile, (body.length / 4) >> 8, (body.length / 4) & 0xff, ...body);
  }
  const payload = Math.floor(next() * 80);
  for (let i = 0; i < payload; i++) bytes.push(byte());
  if (padding) bytes.push(0, 0, 3);
  let out = Buffer.from(bytes);
  if (damage) {
    out = out.subarray(0, Math.floor(next() * out.length));
    if (out.length > 0 && next() < 0.5) out[Math.floor(next() * out.length)] = byte();
  }
  return out;
}

/** True when a one-byte extension block declares more bytes than the packet has. */
function overruns(raw: Buffer): boolean {
  if (raw.length < 1 || ((raw[0] as number) & 0x10) === 0) return false;
  const at = 12 + ((raw[0] as number) & 0x0f) * 4;
  if (raw.length < at + 4 || raw.readUInt16BE(at) !== 0xbede) return false;
  return at + 4 + raw.readUInt16BE(at + 2) * 4 > raw.length;
}

function outcome(parse: () => RtpHeader): { header: RtpHeader; keys: string[] } | "throws" {
  try {
    const header = parse();
    return { header, keys: Object.keys(header) };
  } catch {
    return "throws";
  }
}

describe("parseRtpHeader", () => {
  it("gives werift's answer, field for field, for 20,000 packets (whole and damaged)", () => {
    const next = seeded(15);
    let fast = 0;
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const raw = packet(next, i % 4 === 3);
      let fellBack = false;
      const ours = outcome(() =>
        parseRtpHeader(raw, (r) => {
          fellBack = true;
          return weriftRtpHeaderDeSerialize(r);
        }),
      );
      if (!fellBack) fast++;
      if (overruns(raw)) {
        // werift walks the block to its declared end (slowly); ours refuses it.
        expect(ours, `packet ${i}: ${raw.toString("hex")}`).toBe("throws");
        refused++;
        continue;
      }
      const theirs = outcome(() => weriftRtpHeaderDeSerialize(raw));
      if (theirs === "throws" || ours === "throws") {
        expect(ours, `packet ${i}: ${raw.toString("hex")}`).toBe(theirs);
        continue;
      }
      expect(ours.keys, `packet ${i}`).toEqual(theirs.keys);
      expect(ours.header, `packet ${i}: ${raw.toString("hex")}`).toEqual(theirs.header);
      expect(ours.header).toBeInstanceOf(RtpHeader);
    }
    // Most packets take the fast path (one-byte extensions or none).
    expect(fast).toBeGreaterThan(15_000);
    expect(refused).toBeGreaterThan(100);
  });

  it("refuses at once a one-byte extension block that runs past the packet (werift: seconds)", () => {
    // 65,535 words declared, 2 bytes present: werift's parser would walk 262,140 bytes,
    // copying its extension list at each step.
    const raw = Buffer.from("90ef1234000003c0deadbeefbedeffff10ff", "hex");
    expect(() => parseRtpHeader(raw, weriftRtpHeaderDeSerialize)).toThrow(
      /RTP header extension of 262140 bytes runs past the end of a 18-byte packet/,
    );
  });

  it("a browser's audio packet: one-byte extensions, payload after them", () => {
    const raw = Buffer.from(
      "90ef1234000003c0deadbeefbede0002" + "10ff" + "3103e8" + "000000" + "fc0102",
      "hex",
    );
    const h = parseRtpHeader(raw, () => {
      throw new Error("no fallback expected");
    });
    expect(h).toMatchObject({
      version: 2,
      marker: true,
      payloadType: 111,
      sequenceNumber: 0x1234,
      timestamp: 960,
      ssrc: 0xdeadbeef,
      extension: true,
      extensionLength: 8,
      payloadOffset: 24,
    });
    expect(h.extensions.map((e) => [e.id, [...e.payload]])).toEqual([
      [1, [0xff]],
      [3, [0x03, 0xe8]],
    ]);
  });

  it("once installed, werift parses through it and still refuses a short packet", () => {
    installRtpHeaderParser();
    installRtpHeaderParser(); // idempotent
    expect(RtpHeader.deSerialize).not.toBe(weriftRtpHeaderDeSerialize);
    const raw = Buffer.from("80000001000000020000000361626364", "hex");
    const p = RtpPacket.deSerialize(raw);
    expect(p.header.sequenceNumber).toBe(1);
    expect([...p.payload]).toEqual([0x61, 0x62, 0x63, 0x64]);
    expect(() => RtpPacket.deSerialize(Buffer.from("8000", "hex"))).toThrow();
    expect(() =>
      RtpPacket.deSerialize(Buffer.from("90ef1234000003c0deadbeefbedeffff10ff", "hex")),
    ).toThrow(/runs past the end/);
    // Packets werift's receiver copies are copied by cloneRtpPacket.
    const copy = p.clone();
    expect(copy.header).toEqual(p.header);
    expect(copy.header).not.toBe(p.header);
  });
});

describe("cloneRtpPacket", () => {
  it("copies the header fields as werift's clone does, sharing the payload", () => {
    const next = seeded(7);
    for (let i = 0; i < 500; i++) {
      const raw = packet(next, false);
      const p = RtpPacket.deSerialize(raw);
      const ours = cloneRtpPacket(p);
      const theirs = p.clone();
      expect(ours.header).toEqual(theirs.header);
      expect(Object.keys(ours.header)).toEqual(Object.keys(theirs.header));
      expect(ours.header).not.toBe(p.header);
      expect(ours.payload).toBe(p.payload);
    }
  });
});
