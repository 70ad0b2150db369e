/**
 * CPU helpers shared by the capacity benchmarks (B4, B9): whole-machine busy/steal ticks, and
 * pinning a process to CPUs with `taskset`.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** Busy and steal ticks (1/100 s) of all CPUs from /proc/stat; null where unavailable. */
export function machineTicks(): { busy: number; steal: number } | null {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = v;
    return { busy: user + nice + system + irq + softirq, steal };
  } catch {
    return null;
  }
}

/** Pins every thread of `pid` to `cpuList`; returns false when that is not possible here. */
export function pin(pid: number, cpuList: string): boolean {
  try {
    execFileSync("taskset", ["-a", "-p", "-c", cpuList, String(pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function currentAffinity(pid: number): string | null {
  try {
    const out = execFileSync("taskset", ["-p", "-c", String(pid)], { encoding: "utf8" });
    return /list:\s*(\S+)/.exec(out)?.[1] ?? null;
  } catch {
    return null;
  }
}
