import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times. */
const CLK_TCK = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

/** CPU time (user + system, all threads) a process has used so far, in ms, from /proc/<pid>/stat. */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After the command's closing parenthesis (the command may contain spaces and parentheses).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) of proc(5), counted from the state field (3).
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/** A process's resident set size now, in bytes, from /proc/<pid>/status (0 if unknown). */
export function processRssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
