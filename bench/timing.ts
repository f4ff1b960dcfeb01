import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Timing helpers the benchmarks share. */

/** Seconds since `start` (a `performance.now()` reading). */
export function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** CPU seconds (user + system) a process has used, from /proc (Linux; 10 ms resolution). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
