import { afterEach, describe, expect, it } from "vitest";
import { configureLogger, type LogSink } from "../logger.js";
import { RealClock, startTimer, VirtualClock } from "./clock.js";

describe("startTimer", () => {
  afterEach(() => configureLogger({ level: "warn" }));

  it("runs the callback once on real time, or never when cancelled first", async () => {
    const clock = new RealClock();
    const fired = await new Promise<number>((resolve) => {
      let n = 0;
      startTimer(clock, 5, () => {
        n++;
        setTimeout(() => resolve(n), 20);
      });
    });
    expect(fired).toBe(1);
    let cancelledRan = false;
    const timer = startTimer(clock, 5, () => {
      cancelledRan = true;
    });
    timer.cancel();
    await new Promise((r) => setTimeout(r, 30));
    expect(cancelledRan).toBe(false);
  });

  it("logs a callback's error as a warning instead of throwing it (real and virtual time)", async () => {
    const records: string[] = [];
    const note = (message: string) => records.push(message);
    const sink: LogSink = { debug: note, info: note, warn: note, error: note };
    configureLogger({ level: "warn", sink });
    await new Promise<void>((resolve) => {
      startTimer(new RealClock(), 1, () => {
        setTimeout(resolve, 5);
        throw new Error("boom");
      });
    });
    expect(records).toContain("timer callback failed");
    records.length = 0;
    const clock = new VirtualClock();
    startTimer(clock, 10, () => {
      throw new Error("boom");
    });
    await clock.advance(10);
    expect(records).toContain("timer callback failed");
  });

  it("follows a virtual clock", async () => {
    const clock = new VirtualClock();
    let at: number | null = null;
    startTimer(clock, 100, () => {
      at = clock.now();
    });
    const cancelled = startTimer(clock, 50, () => {
      at = -1;
    });
    cancelled.cancel();
    await clock.advance(99);
    expect(at).toBeNull();
    await clock.advance(1);
    expect(at).toBe(100);
  });
});
