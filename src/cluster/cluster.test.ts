import { describe, expect, it } from "vitest";
import { createCoordinator, resolveCluster } from "./index.js";
import { LocalCoordinator } from "./localCoordinator.js";
import { SlotTable } from "./slotTable.js";

describe("SlotTable", () => {
  it("counts slots of every node against one limit; ids are unique; a dead node frees its slots", () => {
    const slots = new SlotTable();
    expect(slots.claim("a", "n1", 2)).toEqual({ ok: true });
    expect(slots.claim("a", "n2", 2)).toEqual({ ok: false, reason: "taken" });
    expect(slots.claim("b", "n2", 2)).toEqual({ ok: true });
    expect(slots.claim("c", "n2", 2)).toEqual({ ok: false, reason: "full" });
    slots.release("a", "n2"); // not n2's: nothing happens
    expect(slots.owner("a")).toBe("n1");
    expect(slots.releaseNode("n1")).toBe(1);
    expect(slots.claim("c", "n2", 2)).toEqual({ ok: true });
    expect(slots.size).toBe(2);
  });
});

describe("resolveCluster / createCoordinator", () => {
  it("defaults to this process alone", () => {
    const c = createCoordinator(resolveCluster(undefined));
    expect(c).toBeInstanceOf(LocalCoordinator);
    expect(c.kind).toBe("local");
    expect(c.claim("x", 1)).toEqual({ ok: true });
    expect(c.claim("y", 1)).toEqual({ ok: false, reason: "full" });
  });

  it("fills in the defaults", () => {
    expect(resolveCluster({ redisUrl: "redis://127.0.0.1:6379" })).toEqual({
      redisUrl: "redis://127.0.0.1:6379",
      name: "default",
      leaseMs: 10_000,
      callTimeoutMs: 5000,
    });
  });

  it.each([
    [{ redisUrl: "http://127.0.0.1:6379" }, /redis:\/\/ or rediss:\/\//],
    [{ redisUrl: "not a url" }, /redisUrl/],
    [{ name: "a b" }, /cluster.name/],
    [{ name: "" }, /cluster.name/],
    [{ leaseSeconds: 0 }, /leaseSeconds/],
    [{ leaseSeconds: Number.NaN }, /leaseSeconds/],
    [{ callTimeoutMs: -1 }, /callTimeoutMs/],
  ])("rejects %j with a clear error", (options, message) => {
    expect(() => resolveCluster(options as never)).toThrow(message);
  });
});
