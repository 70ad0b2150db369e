import { describe, expect, it } from "vitest";
import { Reframer } from "./framer.js";

const ramp = (from: number, n: number) => Int16Array.from({ length: n }, (_, i) => from + i);

describe("Reframer", () => {
  it("cuts input of any size into fixed frames, in order", () => {
    const r = Reframer.int16(4);
    expect(r.push(ramp(0, 3))).toEqual([]);
    expect(r.buffered).toBe(3);
    const frames = r.push(ramp(3, 10)); // 13 samples total → 3 frames, 1 left
    expect(frames.map((f) => [...f])).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9, 10, 11],
    ]);
    expect(r.buffered).toBe(1);
    expect([...(r.flush() ?? [])]).toEqual([12]);
    expect(r.flush()).toBeNull();
    expect(r.buffered).toBe(0);
  });

  it("returns copies that later pushes and input mutations do not touch", () => {
    const r = new Reframer<Float32Array>(2, "float32");
    const input = Float32Array.from([1, 2, 3]);
    const [first] = r.push(input);
    input.fill(9);
    const [second] = r.push(Float32Array.from([4]));
    expect([...first!]).toEqual([1, 2]);
    expect([...second!]).toEqual([3, 4]);
    r.push(Float32Array.from([5, 6, 7]));
    expect([...second!]).toEqual([3, 4]);
    expect(first!.buffer).not.toBe(input.buffer);
  });

  it("flush pads with zeros on request, and clear drops the buffer", () => {
    const r = Reframer.int16(5);
    r.push(ramp(1, 7));
    const padded = r.flush(true)!;
    expect([...padded]).toEqual([6, 7, 0, 0, 0]);
    r.push(ramp(1, 9));
    r.flush(); // reuse must not leak stale samples into a padded flush
    r.push(ramp(100, 1));
    expect([...r.flush(true)!]).toEqual([100, 0, 0, 0, 0]);
    r.push(ramp(1, 3));
    r.clear();
    expect(r.buffered).toBe(0);
    expect(r.flush(true)).toBeNull();
    expect(r.push(ramp(1, 5)).length).toBe(1);
  });

  it("handles empty pushes and exact multiples", () => {
    const r = Reframer.float32(3);
    expect(r.push(new Float32Array(0))).toEqual([]);
    expect(r.push(new Float32Array(6)).length).toBe(2);
    expect(r.buffered).toBe(0);
  });

  it("gives the same frames from many one-sample pushes as from one push", () => {
    const input = Int16Array.from({ length: 960 * 50 + 7 }, (_, i) => (i * 7) % 30000);
    const whole = Reframer.int16(960);
    const tiny = Reframer.int16(960);
    const expected = whole.push(input).map((f) => Array.from(f));
    const got: number[][] = [];
    for (let i = 0; i < input.length; i++) {
      for (const f of tiny.push(input.subarray(i, i + 1))) got.push(Array.from(f));
    }
    expect(got.length).toBe(50);
    expect(got).toEqual(expected);
    expect(tiny.buffered).toBe(7);
  });

  it("pushViews gives the same frames as push, whole ones as views of the input", () => {
    const input = Int16Array.from({ length: 23 }, (_, i) => i + 1);
    const copies = Reframer.int16(4);
    const views = Reframer.int16(4);
    const a = [...copies.push(input.subarray(0, 3)), ...copies.push(input.subarray(3))];
    const b = [...views.pushViews(input.subarray(0, 3)), ...views.pushViews(input.subarray(3))];
    expect(b.map((f) => Array.from(f))).toEqual(a.map((f) => Array.from(f)));
    // The first frame joined buffered samples: its own array; the next ones share the input's.
    expect(b[0]?.buffer).not.toBe(input.buffer);
    expect(b[1]?.buffer).toBe(input.buffer);
    expect(a[1]?.buffer).not.toBe(input.buffer);
    expect(Array.from(views.flush() ?? [])).toEqual(Array.from(copies.flush() ?? []));
    expect(() => views.pushViews(new Float32Array(4) as unknown as Int16Array)).toThrow(TypeError);
  });

  it("validates its arguments", () => {
    expect(() => Reframer.int16(0)).toThrow(RangeError);
    expect(() => Reframer.int16(1.5)).toThrow(RangeError);
    expect(() => new Reframer(4, "int8" as unknown as "int16")).toThrow(TypeError);
    const r = Reframer.int16(4);
    expect(() => r.push(new Float32Array(4) as unknown as Int16Array)).toThrow(TypeError);
  });
});
