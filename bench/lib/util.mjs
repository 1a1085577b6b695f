// Small helpers shared by the benchmark sections: percentiles, formatting,
// progress lines, and running a child process to completion.

import { spawn } from 'node:child_process';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const started = Date.now();

/** A progress line with the elapsed wall time, so a slow run shows where it spends it. */
export function progress(message) {
  const s = ((Date.now() - started) / 1000).toFixed(0).padStart(4);
  console.log(`[bench ${s}s] ${message}`);
}

export function elapsedSeconds() {
  return (Date.now() - started) / 1000;
}

/** Nearest-rank percentile of an unsorted array of numbers (copied, not mutated). */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** A ratio, or null when either side is missing (the report prints "n/a" rather than a made-up number). */
export function ratio(a, b) {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

export function fmtNum(n, digits = 0) {
  if (n == null || !Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtMs(ms) {
  if (ms == null || !Number.isFinite(ms)) return 'n/a';
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function fmtRatio(r) {
  if (r == null || !Number.isFinite(r)) return 'n/a';
  return r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`;
}

/**
 * Runs a command to completion; resolves { code, stdout, stderr }. Output is kept in
 * memory, so only for commands with modest output (pgbench, psql, the CLI).
 */
export function run(cmd, args, { env = {}, cwd, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

export async function mustRun(cmd, args, opts) {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd.split('/').pop()} ${args.join(' ')} failed (exit ${r.code}):\n${(r.stderr || r.stdout).slice(-2000)}`);
  }
  return r;
}
