// `npm test`: every check this project has, against a throwaway PostgreSQL 15
// cluster it provisions itself. Steps, in order:
//
//   packages   Debian packages for PostgreSQL 15, pg_cron, pgTAP, plpgsql_check, pg_prove, chromium
//   cluster    throwaway cluster in a temp dir (dev/pg-cluster.mjs)
//   bootstrap  dev/sql/bootstrap.sql: what Supabase itself provides (roles, auth, vault…)
//   push       supabase db push: the migrations, exactly as users deploy them
//   lint       supabase db lint (plpgsql_check), failing on warnings
//   advisors   supabase db advisors (security + performance), failing on warn
//   pgtap      pg_prove over supabase/tests/*.sql
//   unit db pg e2e browser   vitest projects (tests/<tier>); pg, e2e and browser get
//              TEST_DATABASE_URL; browser drives Debian's Chromium (the packages step installs it)
//   types      tsc over shared/, tests and tools; deno check over functions/*/index.ts and dev/serve.ts
//   pglog      the server log has no deadlock, crash or PANIC
//
// Quick iteration: name the steps you want; the cluster steps they need come along.
//   node dev/test.mjs db                      just the PGlite tier (no cluster)
//   node dev/test.mjs pg -- -t "join"          the pg tier, extra arguments go to vitest
//   node dev/test.mjs --only=lint,advisors
//   node dev/test.mjs --keep-going            run every check even after one fails
//
// It stops at the first failure unless --keep-going. With CI=true nothing is ever
// skipped: a missing prerequisite fails its step. A tier with no test files, or
// no functions to check, is simply not run.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDebianPackages, PG_BINDIR, startCluster } from './pg-cluster.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'node_modules', '.bin');
const CI = process.env.CI === 'true';
const TIERS = ['unit', 'db', 'pg', 'e2e', 'browser'];
const ALL = ['packages', 'cluster', 'bootstrap', 'push', 'lint', 'advisors', 'pgtap', ...TIERS, 'types', 'pglog'];
const CLUSTER_STEPS = ['packages', 'cluster', 'bootstrap', 'push'];
const NEEDS_CLUSTER = new Set(['lint', 'advisors', 'pgtap', 'pg', 'e2e', 'browser', 'pglog']);

// "already exists, skipping" notices from idempotent SQL are not news.
const QUIET = { PGOPTIONS: '-c client_min_messages=warning' };

class Skip extends Error {}
class NotRun extends Error {}

function parseArgs(argv) {
  const dash = argv.indexOf('--');
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const passThrough = dash === -1 ? [] : argv.slice(dash + 1);
  const wanted = [];
  let keepGoing = false;
  for (const a of own) {
    if (a === '--keep-going') keepGoing = true;
    else if (a.startsWith('--only=')) wanted.push(...a.slice(7).split(',').filter(Boolean));
    else if (a === '--help' || a === '-h') {
      console.log(fs.readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n\n')[0].replace(/^\/\/ ?/gm, ''));
      process.exit(0);
    } else if (!a.startsWith('-')) wanted.push(a);
    else throw new Error(`unknown option ${a}`);
  }
  for (const w of wanted) if (!ALL.includes(w)) throw new Error(`unknown step ${w}; steps: ${ALL.join(' ')}`);
  let steps = ALL;
  if (wanted.length > 0) {
    const needCluster = wanted.some((w) => NEEDS_CLUSTER.has(w));
    steps = ALL.filter((s) => wanted.includes(s) || (needCluster && CLUSTER_STEPS.includes(s)));
  }
  return { steps, keepGoing, passThrough };
}

/** Runs a command with inherited output; resolves to its exit code. */
function run(cmd, args, { env = {}, cwd = ROOT } = {}) {
  console.log(`$ ${[path.relative(ROOT, cmd).startsWith('node_modules') ? path.basename(cmd) : cmd, ...args].join(' ')}`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function mustRun(cmd, args, opts) {
  const code = await run(cmd, args, opts);
  if (code !== 0) throw new Error(`exit code ${code}`);
}

function tool(name) {
  const p = path.join(BIN, name);
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: run npm install`);
  return p;
}

/** A prerequisite is missing: a notice locally, a failure under CI. */
function skip(reason) {
  if (CI) throw new Error(`${reason} (CI=true: nothing may be skipped)`);
  throw new Skip(reason);
}

function filesUnder(dir, test) {
  const abs = path.join(ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return fs
    .readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && test(e.name))
    .map((e) => path.relative(ROOT, path.join(e.parentPath ?? e.path, e.name)))
    .sort();
}

async function main() {
  const { steps, keepGoing, passThrough } = parseArgs(process.argv.slice(2));
  let cluster;
  let localUrl; // for tools that want no TLS
  const results = [];

  const actions = {
    packages: async () => {
      const installed = ensureDebianPackages({ browser: steps.includes('browser') });
      console.log(installed.length ? `installed ${installed.join(' ')}` : 'all present');
    },
    cluster: async () => {
      cluster = await startCluster({ log: (m) => console.log(m) });
      localUrl = `${cluster.url}?sslmode=disable`;
      console.log(`${cluster.url}  (data in ${cluster.dir})`);
    },
    bootstrap: async () => {
      const file = path.join('dev', 'sql', 'bootstrap.sql');
      if (!fs.existsSync(path.join(ROOT, file))) skip(`${file} does not exist yet`);
      await mustRun(path.join(PG_BINDIR, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', localUrl, '-f', file], { env: QUIET });
    },
    push: async () => {
      await mustRun(tool('supabase'), ['db', 'push', `--remote=${localUrl}`, '--yes']);
    },
    lint: async () => {
      await mustRun(tool('supabase'), ['db', 'lint', `--remote=${localUrl}`, '--schema', 'public,sambatan_private,sambatan_jobs', '--level', 'warning', '--fail-on', 'warning']);
    },
    advisors: async () => {
      await mustRun(tool('supabase'), ['db', 'advisors', `--remote=${localUrl}`, '--type', 'all', '--fail-on', 'warn']);
    },
    pgtap: async () => {
      const files = filesUnder(path.join('supabase', 'tests'), (n) => n.endsWith('.sql'));
      if (files.length === 0) throw new NotRun('no files in supabase/tests');
      const psql = path.join(PG_BINDIR, 'psql');
      // Where Supabase puts it; the search path below makes plan(), ok()… resolve as they do there.
      await mustRun(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', localUrl, '-c',
        'create schema if not exists extensions; create extension if not exists pgtap with schema extensions'], { env: QUIET });
      const prove = ['pg_prove', '--host', '127.0.0.1', '--port', String(cluster.port), '--username', 'postgres', '--dbname', 'postgres', '--psql-bin', psql, '--failures', ...files];
      await mustRun(prove[0], prove.slice(1), { env: { PGPASSWORD: 'postgres', PGOPTIONS: '-c search_path=public,extensions' } });
    },
    ...Object.fromEntries(
      TIERS.map((tier) => [
        tier,
        async () => {
          const files = filesUnder(path.join('tests', tier), (n) => n.endsWith('.test.ts'));
          if (files.length === 0) throw new NotRun(`no test files in tests/${tier}`);
          const env = cluster && ['pg', 'e2e', 'browser'].includes(tier) ? { TEST_DATABASE_URL: cluster.url } : {};
          await mustRun(tool('vitest'), ['run', '--project', tier, '--reporter=default', ...passThrough], { env });
        },
      ]),
    ),
    types: async () => {
      const entries = filesUnder('functions', (n) => n === 'index.ts').filter((f) => f.split(path.sep).length === 3);
      if (entries.length === 0) throw new NotRun('no functions/*/index.ts');
      const config = fs.existsSync(path.join(ROOT, 'deno.json')) ? ['--config', 'deno.json'] : skip('deno.json does not exist yet');
      // Node-side code (shared/, tests, dev tools) under tsc; Deno-side under deno check.
      await mustRun(tool('tsc'), ['-p', 'tsconfig.json']);
      await mustRun(tool('deno'), ['check', ...config, ...entries, 'dev/serve.ts']);
    },
    pglog: async () => {
      const log = fs.readFileSync(path.join(cluster.dir, 'postgres.log'), 'utf8');
      fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
      fs.writeFileSync(path.join(ROOT, '.tmp', 'test-postgres.log'), log);
      const bad = log.split('\n').filter((l) => /deadlock detected|PANIC:|was terminated by signal|server process .* exited with exit code/.test(l));
      console.log(`server log kept in .tmp/test-postgres.log (${log.split('\n').length - 1} lines)`);
      if (bad.length) {
        console.log(bad.slice(0, 20).join('\n'));
        throw new Error(`${bad.length} deadlock/crash line(s) in the server log`);
      }
    },
  };

  let stopAt = null;
  try {
    for (const [i, name] of steps.entries()) {
      if (stopAt !== null || (NEEDS_CLUSTER.has(name) && !cluster && name !== 'cluster')) {
        results.push({ name, status: 'not run', note: stopAt ? `after ${stopAt} failed` : 'no cluster' });
        continue;
      }
      console.log(`\n===== [${i + 1}/${steps.length}] ${name} =====`);
      const t = Date.now();
      try {
        await actions[name]();
        results.push({ name, status: 'passed', ms: Date.now() - t });
      } catch (err) {
        const ms = Date.now() - t;
        if (err instanceof Skip) {
          console.log(`SKIPPED: ${err.message}`);
          results.push({ name, status: 'skipped', ms, note: err.message });
        } else if (err instanceof NotRun) {
          console.log(`not run: ${err.message}`);
          results.push({ name, status: 'not run', ms, note: err.message });
        } else {
          console.log(`FAILED: ${err.message}`);
          results.push({ name, status: 'failed', ms, note: err.message.split('\n')[0] });
          if (CLUSTER_STEPS.includes(name) || !keepGoing) stopAt = name;
        }
      }
    }
  } finally {
    if (cluster) {
      // Kept for post-mortems even when pglog was not part of this run.
      try {
        fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
        fs.copyFileSync(path.join(cluster.dir, 'postgres.log'), path.join(ROOT, '.tmp', 'test-postgres.log'));
      } catch {}
      await cluster.stop();
    }
  }

  console.log('\n===== summary =====');
  for (const r of results) {
    const time = r.ms === undefined ? '' : `${(r.ms / 1000).toFixed(1)}s`;
    console.log(`${r.status.toUpperCase().padEnd(8)} ${r.name.padEnd(10)} ${time.padStart(6)}${r.note ? `  ${r.note}` : ''}`);
  }
  const passed = results.filter((r) => r.status === 'passed').length;
  const failed = results.filter((r) => r.status === 'failed').length;
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

main().catch((err) => {
  console.error(err.message);
  process.exitCode = 2;
});
