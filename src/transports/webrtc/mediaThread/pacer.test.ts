import { describe, expect, it } from "vitest";
import { FramePacer, type PacedFrame, type PacerTimers } from "./pacer.js";

/** A fake clock: timers fire when `advance` passes them, in order. */
function fakeTimers() {
  let now = 0;
  let next = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const t: PacerTimers & { advance(ms: number): void; pending(): number } = {
    now: () => now,
    set: (fn, ms) => {
      const id = next++;
      timers.set(id, { at: now + Math.max(1, ms), fn });
      return id;
    },
    clear: (id) => {
      timers.delete(id as number);
    },
    advance(ms: number) {
      const end = now + ms;
      for (;;) {
        let first: [number, { at: number; fn: () => void }] | undefined;
        for (const e of timers) if (e[1].at <= end && (!first || e[1].at < first[1].at)) first = e;
        if (!first) break;
        timers.delete(first[0]);
        now = first[1].at;
        first[1].fn();
      }
      now = end;
    },
    pending: () => timers.size,
  };
  return t;
}

const frame = (n: number, discontinuity = false): PacedFrame => ({
  samples: new Int16Array(480).fill(n),
  sampleRate: 24000,
  discontinuity,
});

describe("FramePacer", () => {
  it("sends the first frame of a run at once and the rest 20 ms apart", () => {
    const t = fakeTimers();
    const sent: [number, number][] = [];
    const pacer = new FramePacer((f) => sent.push([t.now(), f.samples[0] ?? -1]), t);
    for (let i = 0; i < 4; i++) pacer.push(frame(i));
    expect(sent).toEqual([[0, 0]]);
    expect(pacer.queued).toBe(3);
    t.advance(100);
    expect(sent).toEqual([
      [0, 0],
      [20, 1],
      [40, 2],
      [60, 3],
    ]);
    expect(pacer.sent).toBe(4);
    expect(t.pending()).toBe(0);
  });

  it("a frame arriving before its slot waits for it; one arriving late goes at once", () => {
    const t = fakeTimers();
    const at: number[] = [];
    const pacer = new FramePacer(() => at.push(t.now()), t);
    pacer.push(frame(0));
    t.advance(5);
    pacer.push(frame(1)); // slot at 20
    t.advance(30); // now 35
    pacer.push(frame(2)); // slot 40, not yet passed
    t.advance(30); // now 65: frame 2 sent at 40
    pacer.push(frame(3)); // slot 60 passed by 5 ms (< a frame): at once, schedule kept
    pacer.push(frame(4)); // slot 80
    t.advance(100);
    pacer.push(frame(5)); // the run ended long ago: at once
    expect(at).toEqual([0, 20, 40, 65, 80, 165]);
  });

  it("a late timer is caught up on the next frame; a long stall restarts the schedule", () => {
    const t = fakeTimers();
    const at: number[] = [];
    const pacer = new FramePacer(() => at.push(t.now()), t);
    // Timers that fire 7 ms late: the next wait is shortened.
    const set = t.set;
    let late = true;
    t.set = (fn, ms) => set(fn, late ? ms + 7 : ms);
    for (let i = 0; i < 3; i++) pacer.push(frame(i));
    t.advance(60);
    expect(at).toEqual([0, 27, 47]);
    late = false;
    at.length = 0;
    pacer.drop();
    // A stall of 50 ms: the frame due at its slot goes when the thread runs, then 20 ms apart.
    t.set = (fn, ms) => set(fn, ms + 50);
    const start = t.now();
    for (let i = 0; i < 3; i++) pacer.push(frame(i));
    t.advance(200);
    expect(at.map((x) => x - start)).toEqual([0, 70, 140]);
  });

  it("drop() empties the queue and the next frame goes at once; close() stops sending", () => {
    const t = fakeTimers();
    const at: number[] = [];
    const pacer = new FramePacer(() => at.push(t.now()), t);
    for (let i = 0; i < 5; i++) pacer.push(frame(i));
    t.advance(30);
    expect(pacer.drop()).toBe(3);
    expect(t.pending()).toBe(0);
    t.advance(3);
    pacer.push(frame(9, true));
    expect(at).toEqual([0, 20, 33]);
    pacer.push(frame(10));
    pacer.close();
    pacer.push(frame(11));
    t.advance(100);
    expect(at).toEqual([0, 20, 33]);
    expect(pacer.queued).toBe(0);
  });

  it("frames of any length are spaced by their own duration", () => {
    const t = fakeTimers();
    const at: number[] = [];
    const pacer = new FramePacer(() => at.push(t.now()), t);
    pacer.push({ samples: new Int16Array(480), sampleRate: 48000, discontinuity: false }); // 10 ms
    pacer.push({ samples: new Int16Array(960), sampleRate: 24000, discontinuity: false }); // 40 ms
    pacer.push({ samples: new Int16Array(160), sampleRate: 8000, discontinuity: false });
    t.advance(100);
    expect(at).toEqual([0, 10, 50]);
  });
});
