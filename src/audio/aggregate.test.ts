import { describe, expect, it } from "vitest";
import { aggregateBytesTo16bit, asyncAggregateBytesTo16bit } from "./aggregate.js";

const u8 = (...b: number[]) => Uint8Array.from(b);

async function collect(it: AsyncIterable<Int16Array>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const a of it) out.push([...a]);
  return out;
}

describe("aggregateBytesTo16bit", () => {
  it("96: decodes little-endian int16 and carries an odd trailing byte into the next chunk", () => {
    const chunks = [u8(0x01, 0x00, 0xff), u8(0xff, 0x00, 0x80), u8(0xff, 0x7f)];
    const out = [...aggregateBytesTo16bit(chunks)];
    expect(out.every((a) => a instanceof Int16Array)).toBe(true);
    expect(out.map((a) => [...a])).toEqual([[1], [-1, -32768], [32767]]);
  });

  it("96: a chunk of 1 byte yields nothing until its partner arrives", () => {
    const out = [...aggregateBytesTo16bit([u8(0x34), u8(0x12), u8(0x78), u8(0x56, 0x01)])];
    expect(out.map((a) => [...a])).toEqual([[0x1234], [0x5678]]);
  });

  it("96: never yields empty arrays; a final unpaired byte is dropped", () => {
    const out = [...aggregateBytesTo16bit([u8(), u8(0x01), u8(), u8(0x00, 0x02)])];
    expect(out.map((a) => [...a])).toEqual([[1]]);
    expect([...aggregateBytesTo16bit([])]).toEqual([]);
  });

  it("accepts Buffers at odd byte offsets and rejects non-byte chunks", () => {
    const big = Buffer.from([0xaa, 0x02, 0x00, 0x03, 0x00]);
    expect([...aggregateBytesTo16bit([big.subarray(1)])].map((a) => [...a])).toEqual([[2, 3]]);
    expect(() => [...aggregateBytesTo16bit(["ab" as unknown as Uint8Array])]).toThrow(TypeError);
  });
});

describe("asyncAggregateBytesTo16bit", () => {
  it("96: works on async iterables with the same carry rules", async () => {
    async function* source() {
      yield u8(0x01);
      yield u8(0x00, 0x02);
      yield u8(0x00);
      yield u8();
    }
    expect(await collect(asyncAggregateBytesTo16bit(source()))).toEqual([[1], [2]]);
  });

  it("96: also accepts sync iterables", async () => {
    expect(await collect(asyncAggregateBytesTo16bit([u8(0xff, 0xff, 0x05), u8(0x00)]))).toEqual([
      [-1],
      [5],
    ]);
  });
});
