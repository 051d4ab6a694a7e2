import { readFileSync } from 'node:fs';

/** utime+stime (self) and cutime+cstime (reaped children) in seconds, and the parent's pid. */
export function procStat(pid: number): { self: number; children: number; ppid: number } | null {
  try {
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)!.split(' ');
    // ppid is field 4; utime, stime, cutime, cstime fields 14–17; clock ticks (100 per second).
    const tick = (i: number) => Number(fields[i - 3]) / 100;
    return { ppid: Number(fields[1]), self: tick(14) + tick(15), children: tick(16) + tick(17) };
  } catch {
    return null;
  }
}

/** CPU seconds a process has used so far (Linux /proc; 0 elsewhere or once it is gone). */
export function cpuSeconds(pid: number | undefined): number {
  return pid === undefined ? 0 : (procStat(pid)?.self ?? 0);
}
