import { describe, expect, it } from "vitest";
import { VirtualClock } from "../utils/clock.js";
import { WakeEntry, WakeScheduler, wakeSchedulerFor } from "./wakeScheduler.js";

describe("WakeScheduler", () => {
  it("wakes entries at their times, in order, with one clock timer at a time", async () => {
    const clock = new VirtualClock();
    const s = new WakeScheduler(clock);
    const log: string[] = [];
    const mk = (name: string) => new WakeEntry(() => log.push(`${name}@${clock.now()}`));
    const a = mk("a");
    const b = mk("b");
    const c = mk("c");
    s.schedule(b, 30);
    s.schedule(a, 10);
    s.schedule(c, 30);
    expect(clock.pendingTimers).toBe(1);
    await clock.advance(100);
    expect(log).toEqual(["a@10", "b@30", "c@30"]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("moving an entry later needs no new timer; moving it earlier does; the latest time wins", async () => {
    const clock = new VirtualClock();
    const s = new WakeScheduler(clock);
    const log: number[] = [];
    const e = new WakeEntry(() => log.push(clock.now()));
    s.schedule(e, 20);
    for (let t = 21; t <= 25; t++) s.schedule(e, t); // an idle poll re-armed per input frame
    await clock.advance(22);
    expect(log).toEqual([]);
    await clock.advance(10);
    expect(log).toEqual([25]);
    s.schedule(e, 60);
    s.schedule(e, 40);
    await clock.advance(100);
    expect(log).toEqual([25, 40]);
  });

  it("cancelled entries never fire, and no timer is left once nothing is scheduled", async () => {
    const clock = new VirtualClock();
    const s = new WakeScheduler(clock);
    let fired = 0;
    const a = new WakeEntry(() => fired++);
    const b = new WakeEntry(() => fired++);
    s.schedule(a, 10);
    s.schedule(b, 20);
    s.cancel(a);
    await clock.advance(15);
    expect(fired).toBe(0);
    s.cancel(b);
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(50);
    expect(fired).toBe(0);
    s.cancel(b); // twice is fine
    s.schedule(a, 100);
    await clock.advance(50);
    expect(fired).toBe(1);
  });

  it("an entry may schedule itself again from its own wake-up (a 20 ms tick)", async () => {
    const clock = new VirtualClock();
    const s = wakeSchedulerFor(clock);
    expect(wakeSchedulerFor(clock)).toBe(s);
    const times: number[] = [];
    const e: WakeEntry = new WakeEntry(() => {
      times.push(clock.now());
      if (times.length < 5) s.schedule(e, clock.now() + 20);
    });
    s.schedule(e, 20);
    await clock.advance(1000);
    expect(times).toEqual([20, 40, 60, 80, 100]);
    expect(clock.pendingTimers).toBe(0);
  });
});
