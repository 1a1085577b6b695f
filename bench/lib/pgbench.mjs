// pgbench with custom scripts: throughput from its summary, latency percentiles
// from its per-transaction log (one line per script run, elapsed time in µs).

import fs from 'node:fs';
import path from 'node:path';
import { machineCpu } from './cpu.mjs';
import { pgbenchBin } from './database.mjs';
import { percentile, run } from './util.mjs';

let seq = 0;

/**
 * Runs `script` with `clients` connections for `seconds`. Variables in `vars` are
 * passed with -D (prepared mode sends them as parameters, so values are not quoted).
 * Every script begins with `\set n :n + 1`-style counters seeded here with n=0.
 * Resolves { tps, count, failed, seconds, latencies (ms), p50, p99 } and, where /proc
 * can be read (`db.serverCpu`, bench/lib/cpu.mjs), the CPU seconds the server and the
 * whole machine spent during the run (connection set-up included) and per transaction.
 */
export async function pgbench(db, tmpDir, { name, script, clients, seconds, vars = {}, user = 'authenticator' }) {
  const id = `${name}-c${clients}-${++seq}`;
  const scriptFile = path.join(tmpDir, `${id}.sql`);
  fs.writeFileSync(scriptFile, script);
  const logPrefix = path.join(tmpDir, `log-${id}`);
  const threads = Math.min(clients, 2);
  const args = [
    '-n', // custom scripts on our own tables: no pgbench_* tables to vacuum
    '-h', db.conn.host, '-p', String(db.conn.port), '-U', user,
    '-M', 'prepared', // PostgREST prepares its statements too
    '-c', String(clients), '-j', String(threads), '-T', String(seconds),
    '-f', scriptFile, '--log', `--log-prefix=${logPrefix}`,
    '-D', 'n=0',
    ...Object.entries(vars).flatMap(([k, v]) => ['-D', `${k}=${v}`]),
    db.conn.database,
  ];
  const server0 = db.serverCpu?.();
  const machine0 = machineCpu();
  const r = await run(pgbenchBin, args, { env: { PGPASSWORD: db.conn.password }, cwd: tmpDir });
  const server1 = db.serverCpu?.();
  const machine1 = machineCpu();
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.code !== 0 || /aborted/.test(out)) {
    throw new Error(`pgbench ${name} at ${clients} clients failed (exit ${r.code}):\n${out.split('\n').filter((l) => /error|aborted|FATAL/i.test(l)).slice(0, 8).join('\n') || out.slice(-1500)}`);
  }
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(out)?.[1]);
  const count = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1]);
  const failed = Number(/number of failed transactions: (\d+)/.exec(out)?.[1] ?? 0);

  const latencies = [];
  for (const f of fs.readdirSync(tmpDir).filter((f) => f.startsWith(`log-${id}.`))) {
    const file = path.join(tmpDir, f);
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      // client_id transaction_no time script_no time_epoch time_us
      const us = Number(line.split(' ')[2]);
      if (Number.isFinite(us)) latencies.push(us / 1000);
    }
    fs.rmSync(file);
  }
  if (!Number.isFinite(tps) || !Number.isFinite(count)) throw new Error(`pgbench ${name}: no summary in its output:\n${out.slice(-1500)}`);
  const cpu = {
    serverCpuSeconds: server0 == null || server1 == null ? null : server1 - server0,
    machineBusySeconds: machine0 && machine1 ? machine1.busy - machine0.busy : null,
    machineSeconds: machine0 && machine1 ? machine1.total - machine0.total : null,
  };
  return summarize({ tps, count, failed, seconds: count / tps, latencies, ...cpu });
}

const perTx = (cpuSeconds, count) => (cpuSeconds == null || !count ? null : (cpuSeconds * 1e6) / count);

function summarize(m) {
  return {
    ...m,
    p50: percentile(m.latencies, 50),
    p99: percentile(m.latencies, 99),
    serverUsPerTx: perTx(m.serverCpuSeconds, m.count),
    machineUsPerTx: perTx(m.machineBusySeconds, m.count),
    machineBusyShare: m.machineBusySeconds == null || !m.machineSeconds ? null : m.machineBusySeconds / m.machineSeconds,
  };
}

/** The sum of a CPU field over runs, or null when any run lacks it. */
const sumOrNull = (runs, key) => (runs.every((r) => r[key] != null) ? runs.reduce((s, r) => s + r[key], 0) : null);

/** Pools several runs of the same measurement (rounds interleaved with others to spread drift). */
export function pool(runs) {
  const count = runs.reduce((s, r) => s + r.count, 0);
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  return summarize({
    tps: count / seconds,
    count,
    failed: runs.reduce((s, r) => s + r.failed, 0),
    seconds,
    latencies: runs.flatMap((r) => r.latencies),
    serverCpuSeconds: sumOrNull(runs, 'serverCpuSeconds'),
    machineBusySeconds: sumOrNull(runs, 'machineBusySeconds'),
    machineSeconds: sumOrNull(runs, 'machineSeconds'),
  });
}

/** What the report keeps of a measurement (the latency samples are not worth storing). */
export function brief(m) {
  if (!m) return null;
  return {
    tps: m.tps, count: m.count, failed: m.failed, seconds: m.seconds, p50: m.p50, p99: m.p99,
    serverUsPerTx: m.serverUsPerTx ?? null, machineUsPerTx: m.machineUsPerTx ?? null, machineBusyShare: m.machineBusyShare ?? null,
  };
}
