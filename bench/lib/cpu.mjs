// CPU time spent by the PostgreSQL server and by the whole machine, read from /proc
// (Linux), so a benchmark can say what one transaction costs in CPU, not only how many
// ran. On a machine with few cores a contended figure is often bounded by that cost
// rather than by a lock, and two flows then compare as their CPU per transaction does.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

// Clock ticks per second of /proc's times.
const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** True when `pid` is a PostgreSQL process on this machine (not, say, a remote server's pid reused here). */
function isPostgres(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
  } catch {
    return false;
  }
}

function readStat(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), utime: Number(f[11]), stime: Number(f[12]), cutime: Number(f[13]), cstime: Number(f[14]) };
  } catch {
    return null; // gone between the listing and the read
  }
}

/**
 * CPU milliseconds (user + system) a local server process has used, or null when it
 * is not a PostgreSQL process on this machine. On a machine others are loading, wall
 * time moves with their load; a backend's own CPU time mostly does not.
 */
export function processCpuMs(pid) {
  if (!isPostgres(pid)) return null;
  const s = readStat(pid);
  return s ? ((s.utime + s.stime) * 1000) / TICKS : null;
}

/**
 * A sampler of the CPU seconds the server has used so far: the postmaster's own and
 * those of the children it has reaped (cutime, cstime), plus every live child's
 * (backends, WAL writer, checkpointer, autovacuum). A backend that ends between two
 * samples is counted in full by the second. Resolves null when the server does not run
 * on this machine or /proc cannot be read.
 * @param {import('postgres').Sql} sql a connection to the server
 * @returns {Promise<null | (() => number)>}
 */
export async function serverCpuSampler(sql) {
  if (os.platform() !== 'linux') return null;
  const [{ pid }] = await sql`select pg_backend_pid() as pid`;
  const backend = isPostgres(pid) ? readStat(pid) : null;
  if (!backend) return null;
  const postmaster = backend.ppid;
  if (!isPostgres(postmaster) || !readStat(postmaster)) return null;
  const reaped = (s) => s.cutime + s.cstime;
  return () => {
    // A child reaped while the children are read would be missed: the kernel adds its
    // times to the postmaster's cutime before its /proc entry goes. So read again
    // until the postmaster reaped nobody during the scan.
    for (let attempt = 0; ; attempt++) {
      const pm = readStat(postmaster);
      let ticks = pm.utime + pm.stime + reaped(pm);
      for (const entry of fs.readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        const s = readStat(entry);
        if (s && s.ppid === postmaster) ticks += s.utime + s.stime;
      }
      if (reaped(readStat(postmaster)) === reaped(pm) || attempt === 20) return ticks / TICKS;
    }
  };
}

/** CPU seconds the whole machine has spent busy, and in all (busy and idle), since boot. */
export function machineCpu() {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    // cpu user nice system idle iowait irq softirq steal …
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const busy = user + nice + system + irq + softirq + (steal || 0);
    return { busy: busy / TICKS, total: (busy + idle + iowait) / TICKS };
  } catch {
    return null;
  }
}
