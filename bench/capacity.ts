/**
 * The step search shared by the capacity benchmarks (B4, B9): run the listed session counts
 * until one fails, then bisect between the last passing and the first failing count, within a
 * time budget. `CAPACITY_BISECT=0` runs the listed counts only (until one fails), for
 * comparisons at a fixed count.
 *
 * A fresh server process is slower in its first step (code not yet optimised, heap not grown):
 * when the first listed count is larger than `warmup`, a step of `warmup` sessions runs first and
 * is left out of the results (it did cost the first of `B4_STEPS=32,…` up to a fifth more CPU).
 */
export interface CapacitySearch<R> {
  /** Counts to try in order. */
  steps: readonly number[];
  /** Runs one step with `n` sessions. */
  step: (n: number) => Promise<R>;
  passes: (result: R) => boolean;
  /** `performance.now()` deadline; no new step starts after it. */
  deadline: number;
  /** Stop bisecting when failing − passing is at most this (given the last passing count). */
  closeEnough: (lastPass: number) => number;
  /** Sessions of the unreported warm-up step (see above). Default 8. */
  warmup?: number;
}

/** Runs the search; returns every step's result in the order run. */
export async function searchCapacity<R>(search: CapacitySearch<R>): Promise<R[]> {
  const results: R[] = [];
  let lastPass = 0;
  let firstFail: number | null = null;
  const warmup = search.warmup ?? 8;
  if ((search.steps[0] ?? 0) > warmup) await search.step(warmup);
  for (const n of search.steps) {
    if (performance.now() > search.deadline) break;
    const r = await search.step(n);
    results.push(r);
    if (!search.passes(r)) {
      firstFail = n;
      break;
    }
    lastPass = n;
  }
  while (
    process.env.CAPACITY_BISECT !== "0" &&
    firstFail !== null &&
    firstFail - lastPass > search.closeEnough(lastPass) &&
    performance.now() < search.deadline
  ) {
    const n = Math.round((lastPass + firstFail) / 2);
    const r = await search.step(n);
    results.push(r);
    if (search.passes(r)) lastPass = n;
    else firstFail = n;
  }
  return results;
}
