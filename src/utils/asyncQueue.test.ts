import { describe, expect, it } from "vitest";
import { AsyncQueue } from "./asyncQueue.js";
import { Fifo } from "./fifo.js";

describe("AsyncQueue", () => {
  it("hands items to waiters in order and loses none to an aborted get()", async () => {
    const q = new AsyncQueue<number>();
    const a = q.get();
    const ac = new AbortController();
    const b = q.get(ac.signal);
    ac.abort(new Error("stop"));
    await expect(b).rejects.toThrow("stop");
    q.put(1);
    q.put(2);
    expect(await a).toBe(1);
    expect(q.size).toBe(1);
    expect(q.getNowait()).toBe(2);
    expect(q.getNowait()).toBeUndefined();
  });
});

describe("Fifo", () => {
  it("keeps order across compaction and retain()", () => {
    const f = new Fifo<number>();
    for (let i = 0; i < 5000; i++) f.push(i);
    for (let i = 0; i < 3000; i++) expect(f.shift()).toBe(i);
    expect(f.length).toBe(2000);
    f.retain((x) => x % 2 === 0);
    expect(f.length).toBe(1000);
    expect(f.peek()).toBe(3000);
    f.clear();
    expect(f.shift()).toBeUndefined();
  });
});
