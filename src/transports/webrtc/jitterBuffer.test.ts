import { describe, expect, it } from "vitest";
import { JitterBuffer, type JitterOutput, seqDiff } from "./jitterBuffer.js";

function seqs(out: JitterOutput<string>[]): string[] {
  return out.map((o) => (o.kind === "packet" ? `${o.seq}` : `lost:${o.seq}`));
}

describe("JitterBuffer", () => {
  it("passes in-order packets through at once", () => {
    const jb = new JitterBuffer<string>();
    expect(seqs(jb.push(10, "a"))).toEqual(["10"]);
    expect(seqs(jb.push(11, "b"))).toEqual(["11"]);
    expect(jb.held).toBe(0);
  });

  it("reorders a swapped pair", () => {
    const jb = new JitterBuffer<string>();
    jb.push(1, "a");
    expect(seqs(jb.push(3, "c"))).toEqual([]);
    expect(seqs(jb.push(2, "b"))).toEqual(["2", "3"]);
  });

  it("declares a packet lost once maxHeldPackets wait behind it", () => {
    const jb = new JitterBuffer<string>({ maxHeldPackets: 2 });
    jb.push(1, "a");
    expect(seqs(jb.push(3, "c"))).toEqual([]);
    expect(seqs(jb.push(4, "d"))).toEqual([]);
    expect(seqs(jb.push(5, "e"))).toEqual(["lost:2", "3", "4", "5"]);
    expect(jb.lost).toBe(1);
    // the late packet is dropped
    expect(seqs(jb.push(2, "b"))).toEqual([]);
    expect(jb.dropped).toBe(1);
  });

  it("drops duplicates", () => {
    const jb = new JitterBuffer<string>();
    jb.push(7, "a");
    expect(jb.push(7, "a")).toEqual([]);
    expect(jb.dropped).toBe(1);
  });

  it("handles wrap-around of 16-bit sequence numbers", () => {
    expect(seqDiff(0, 65535)).toBe(1);
    expect(seqDiff(65535, 0)).toBe(-1);
    const jb = new JitterBuffer<string>();
    jb.push(65534, "a");
    expect(seqs(jb.push(0, "c"))).toEqual([]);
    expect(seqs(jb.push(65535, "b"))).toEqual(["65535", "0"]);
  });

  it("treats a huge jump as a restarted stream, not as loss", () => {
    const jb = new JitterBuffer<string>({ maxGap: 100 });
    jb.push(10, "a");
    expect(seqs(jb.push(5000, "z"))).toEqual(["5000"]);
    expect(jb.lost).toBe(0);
  });

  it("conceals at most maxConcealed packets of one gap", () => {
    const jb = new JitterBuffer<string>({ maxHeldPackets: 0, maxConcealed: 2 });
    jb.push(1, "a");
    expect(seqs(jb.push(10, "j"))).toEqual(["lost:2", "lost:3", "10"]);
    expect(jb.lost).toBe(8);
  });

  it("flush releases held packets with their gaps", () => {
    const jb = new JitterBuffer<string>();
    jb.push(1, "a");
    jb.push(3, "c");
    expect(seqs(jb.flush())).toEqual(["lost:2", "3"]);
  });
});
