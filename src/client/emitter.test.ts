import { describe, expect, it, vi } from "vitest";
import { TypedEmitter } from "./emitter.js";

interface Events {
  tick: number;
  name: string;
}

class Probe extends TypedEmitter<Events> {
  fire<K extends keyof Events>(name: K, payload: Events[K]): void {
    this.emit(name, payload);
  }
}

describe("TypedEmitter", () => {
  it("calls listeners in order with the payload; on() returns an unsubscribe", () => {
    const e = new Probe();
    const calls: string[] = [];
    const off = e.on("tick", (n) => calls.push(`a${n}`));
    e.on("tick", (n) => calls.push(`b${n}`));
    e.fire("tick", 1);
    off();
    off();
    e.fire("tick", 2);
    expect(calls).toEqual(["a1", "b1", "b2"]);
    expect(e.listenerCount("tick")).toBe(1);
  });

  it("once() fires once; its unsubscribe works before it fires", () => {
    const e = new Probe();
    const fn = vi.fn();
    e.once("name", fn);
    e.fire("name", "x");
    e.fire("name", "y");
    expect(fn).toHaveBeenCalledTimes(1);
    expect(fn).toHaveBeenCalledWith("x");
    const never = vi.fn();
    const cancel = e.once("name", never);
    cancel();
    e.fire("name", "z");
    expect(never).not.toHaveBeenCalled();
    expect(e.listenerCount("name")).toBe(0);
  });

  it("off() removes one registration, also of a once() listener", () => {
    const e = new Probe();
    const fn = vi.fn();
    e.on("tick", fn);
    e.once("tick", fn);
    e.off("tick", fn);
    e.fire("tick", 1);
    expect(fn).toHaveBeenCalledTimes(1);
    e.off("tick", fn);
    e.fire("tick", 2);
    expect(fn).toHaveBeenCalledTimes(1);
    e.off("name", fn); // unknown: no-op
  });

  it("changes during an emit apply from the next emit", () => {
    const e = new Probe();
    const late = vi.fn();
    e.on("tick", () => e.on("tick", late));
    e.fire("tick", 1);
    expect(late).not.toHaveBeenCalled();
    e.fire("tick", 2);
    expect(late).toHaveBeenCalledTimes(1);
  });

  it("a throwing listener does not stop the others; the error goes to onListenerError", () => {
    const errors: unknown[] = [];
    const e = new (class extends Probe {})({
      onListenerError: (err, name) => errors.push([err, name]),
    });
    const after = vi.fn();
    const boom = new Error("boom");
    e.on("tick", () => {
      throw boom;
    });
    e.on("tick", after);
    expect(() => e.fire("tick", 1)).not.toThrow();
    expect(after).toHaveBeenCalledTimes(1);
    expect(errors).toEqual([[boom, "tick"]]);
  });
});
