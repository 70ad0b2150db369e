import { describe, expect, it } from "vitest";
import { seeded } from "../testing/prng.js";
import { AudioStore } from "./audioStore.js";

describe("AudioStore", () => {
  it.each([32_768, 64, 1])(
    "slices match a flat copy of everything appended, across trims and compactions (blocks of %i)",
    (blockSize) => {
      const rnd = seeded(7);
      const store = new AudioStore(blockSize);
      const all: number[] = [];
      for (let step = 0; step < 3000; step++) {
        const n = Math.floor(rnd() * 200);
        const chunk = Int16Array.from({ length: n }, () => Math.floor(rnd() * 65536) - 32768);
        store.append(chunk);
        all.push(...chunk);
        expect(store.end).toBe(all.length);
        if (rnd() < 0.3) store.trimBefore(store.end - Math.floor(rnd() * 5000));
        const from = store.start + Math.floor(rnd() * (store.end - store.start + 1)) - 10;
        const to = from + Math.floor(rnd() * 3000);
        const got = store.slice(from, to);
        const a = Math.max(store.start, from);
        const b = Math.min(store.end, to);
        expect(Array.from(got)).toEqual(b > a ? all.slice(a, b) : []);
      }
      expect(store.start).toBeGreaterThan(0);
    },
  );

  it("trimBefore drops whole chunks only; slice clamps to what is kept", () => {
    const store = new AudioStore();
    store.append(new Int16Array([1, 2, 3]));
    store.append(new Int16Array([4, 5]));
    store.append(new Int16Array(0));
    store.append(new Int16Array([6]));
    store.trimBefore(4); // the first chunk ends at 3: dropped; the second ends at 5: kept
    expect(store.start).toBe(3);
    expect(Array.from(store.slice(0))).toEqual([4, 5, 6]);
    expect(Array.from(store.slice(4, 5))).toEqual([5]);
    expect(store.slice(6, 10)).toHaveLength(0);
    store.trimBefore(100);
    expect(store.start).toBe(6);
    expect(store.slice(0)).toHaveLength(0);
  });

  it("keeps a copy: changing an appended array later does not change the store", () => {
    const store = new AudioStore(4);
    const frame = new Int16Array([1, 2, 3, 4, 5, 6]);
    store.append(frame);
    frame.fill(0);
    expect(Array.from(store.slice(0))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("appends after everything was trimmed, into reused blocks", () => {
    const store = new AudioStore(4);
    store.append(new Int16Array([1, 2, 3, 4, 5]));
    store.trimBefore(5);
    expect(store.start).toBe(5);
    store.append(new Int16Array([6, 7, 8, 9, 10, 11]));
    store.trimBefore(8);
    expect(store.start).toBe(5);
    expect(Array.from(store.slice(0))).toEqual([6, 7, 8, 9, 10, 11]);
    expect(() => new AudioStore(0)).toThrow(RangeError);
  });
});
