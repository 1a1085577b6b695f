// `npm run bench`: how close to the hardware the slot logic runs. Starts its own
// throwaway PostgreSQL 15 cluster, applies the migrations as users deploy them, and
// writes bench/RESULTS.md. Every figure is a ratio against a baseline measured in the
// same run, because these machines are shared and their absolute speed drifts.
//
//   node bench/run.mjs                      the full run (about 20 minutes on 2 cores)
//   node bench/run.mjs --smoke              tiny sizes, seconds; checks the benchmark works
//   node bench/run.mjs --url=postgresql://… use a database on that cluster instead of a new cluster
//   node bench/run.mjs --out=FILE           write the report there (.json: the raw figures)
//   node bench/run.mjs --only=join,http     some sections: join http lifecycle list start notify
//   node bench/run.mjs --render=FILE.json   rewrite the report from saved figures (no measuring)
//
// A complete full run also saves its raw figures in bench/results.json.
// The smoke run never writes bench/RESULTS.md; it fails (exit 1) when a benchmark
// produced no numbers or a join oversold, never because something was slow.
//
// Charts: every Markdown report of measured (not smoke) figures gets SVG charts in a
// charts/ folder beside it, linked from the report by relative paths: bench/charts/
// for bench/RESULTS.md (a full run or --render), .tmp/charts/ for a partial run, and
// charts/ next to the --out file for --out=FILE.md. A chart of a section the run did
// not measure is removed from that folder. No charts for --smoke or --out=FILE.json.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DURABLE, machineInfo, NON_DURABLE, openBenchDatabase, pgbenchBin, ROOT, setDurability } from './lib/database.mjs';
import { writeCharts } from './lib/charts.mjs';
import { renderReport } from './lib/report.mjs';
import { DENO } from './lib/stack.mjs';
import { elapsedSeconds, progress, run } from './lib/util.mjs';
import { httpSection } from './sections/http.mjs';
import { joinProfile, joinSection } from './sections/join.mjs';
import { lifecycleSection, listSection } from './sections/data.mjs';
import { notifySection } from './sections/notify.mjs';
import { startSection } from './sections/start.mjs';

const SECTIONS = ['join', 'http', 'lifecycle', 'list', 'start', 'notify'];

const FULL = {
  clients: [1, 8, 32],
  rounds: 4,
  seconds: 6,
  profileSeconds: 5,
  httpConnections: 8,
  httpSeconds: 8,
  minTokens: 500,
  maxTokens: 40_000,
  lifecycleScales: [1_000, 10_000, 100_000],
  listSizes: [10_000, 1_000_000],
  listSeconds: 4,
  startRepeats: 3,
  notifyPending: 10_000,
};

const SMOKE = {
  clients: [1, 8],
  rounds: 1,
  seconds: 1,
  profileSeconds: 1,
  httpConnections: 4,
  httpSeconds: 1,
  minTokens: 50,
  maxTokens: 300,
  lifecycleScales: [20, 100],
  listSizes: [200, 2_000],
  listSeconds: 1,
  startRepeats: 1,
  // The figure is about 10,000 pending events; inserting them takes well under a second.
  notifyPending: 10_000,
};

function parseArgs(argv) {
  const opts = { smoke: false, url: undefined, out: undefined, only: SECTIONS, profile: undefined, render: undefined };
  for (const a of argv) {
    if (a === '--smoke') opts.smoke = true;
    else if (a.startsWith('--url=')) opts.url = a.slice(6) || undefined;
    else if (a.startsWith('--out=')) opts.out = path.resolve(a.slice(6));
    else if (a.startsWith('--only=')) opts.only = a.slice(7).split(',').filter(Boolean);
    else if (a.startsWith('--render=')) opts.render = path.resolve(a.slice(9));
    else if (a === '--profile') opts.profile = true;
    else if (a === '--no-profile') opts.profile = false;
    else if (a === '--help' || a === '-h') {
      console.log(fs.readFileSync(new URL(import.meta.url), 'utf8').split('\n\n')[0].replace(/^\/\/ ?/gm, ''));
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (see --help)`);
  }
  for (const s of opts.only) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s}; sections: ${SECTIONS.join(' ')}`);
  return opts;
}

/** What the smoke run insists on: numbers from every benchmark that ran, and no oversell. */
function smokeProblems(r) {
  const problems = [];
  const num = (v, what) => {
    if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) problems.push(`${what} is ${v}`);
  };
  if (r.join) {
    for (const c of r.join.byClients) {
      for (const k of ['physical', 'wrapped', 'join', 'joinBuckets', 'legacy']) {
        num(c[k]?.tps, `${k} tx/s at ${c.clients} clients`);
        num(c[k]?.p99, `${k} p99 at ${c.clients} clients`);
      }
      if (!c.check.ok) problems.push(`join oversold or lost slots at ${c.clients} clients: ${JSON.stringify(c.check)}`);
      if (!c.bucketCheck?.ok) problems.push(`bucketed join oversold or lost slots at ${c.clients} clients: ${JSON.stringify(c.bucketCheck)}`);
      if (c.bucketCheck && c.bucketCheck.participants !== c.bucketCheck.acknowledged) problems.push(`bucketed join at ${c.clients} clients: ${c.bucketCheck.acknowledged} acknowledged, ${c.bucketCheck.participants} rows`);
      if (c.check.participants !== c.check.acknowledged) problems.push(`join at ${c.clients} clients: ${c.check.acknowledged} acknowledged, ${c.check.participants} rows`);
      // Wherever the server's processes can be read (a server on this Linux machine),
      // CPU per transaction must be measured; a server given by --url elsewhere has none.
      if (r.postgres?.serverCpuReadable) {
        for (const k of ['join', 'legacy', 'wrapped']) num(c[k]?.serverUsPerTx, `${k} server CPU per transaction at ${c.clients} clients`);
      }
    }
  }
  if (r.http) {
    num(r.http.join?.okPerSecond, 'HTTP campaign-join 2xx/s');
    num(r.http.list?.okPerSecond, 'HTTP campaigns-list 2xx/s');
    num(r.http.join?.p99, 'HTTP campaign-join p99');
    num(r.http.list?.p99, 'HTTP campaigns-list p99');
    if (!r.http.joinCheck?.ok) problems.push(`HTTP join oversold: ${JSON.stringify(r.http.joinCheck)}`);
  }
  if (r.lifecycle) {
    for (const s of r.lifecycle.scales) {
      num(s.alone.msPerCampaign, `lifecycle ms per campaign (${s.due} due)`);
      num(s.crowded.msPerCampaign, `lifecycle ms per campaign (${s.due} due among open ones)`);
      if (!s.alone.check.ok || !s.crowded.check.ok) problems.push(`lifecycle at ${s.due}: ${JSON.stringify([s.alone.check, s.crowded.check])}`);
    }
  }
  if (r.list) {
    for (const s of r.list.sizes) {
      num(s.first?.p99, `list first page p99 (${s.campaigns})`);
      num(s.deep?.p99, `list deep page p99 (${s.campaigns})`);
    }
  }
  if (r.notify) {
    for (const k of ['off', 'unsubscribed', 'dead']) num(r.notify[k]?.tps, `joins with notifications ${k} tx/s`);
    num(r.notify.deliveryAttempts, 'delivery attempts against the dead receiver');
    if (!r.notify.checks.every((c) => c.ok)) problems.push(`notify joins oversold: ${JSON.stringify(r.notify.checks)}`);
  }
  if (r.start) {
    num(r.start.coldMs, 'embedded cold start');
    num(r.start.warmMs, 'embedded warm start');
  }
  return problems;
}

/** The Markdown report of run `r` for `target`, with its charts written beside it (see the header). */
function writeReport(r, target) {
  const charts = r.smoke || target.endsWith('.json') ? [] : writeCharts(r, target);
  fs.writeFileSync(target, renderReport(r, handWritten(target), { charts }));
}

/** The hand-written analysis the figures go into: only bench/RESULTS.md has one. */
function handWritten(target) {
  const results = path.join(ROOT, 'bench', 'RESULTS.md');
  return path.resolve(target) === results && fs.existsSync(results) ? fs.readFileSync(results, 'utf8') : null;
}

async function versionOf(cmd, args) {
  try {
    const r = await run(cmd, args);
    return r.code === 0 ? r.stdout.trim().split('\n')[0] : null;
  } catch {
    return null;
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.render) {
    const saved = JSON.parse(fs.readFileSync(opts.render, 'utf8'));
    const target = opts.out ?? path.join(ROOT, 'bench', 'RESULTS.md');
    writeReport(saved, target);
    console.log(`wrote ${path.relative(process.cwd(), target)} from ${path.relative(process.cwd(), opts.render)}`);
    return;
  }
  const cfg = opts.smoke ? SMOKE : FULL;
  const command = `node bench/run.mjs${process.argv.slice(2).length ? ` ${process.argv.slice(2).map((a) => (a.startsWith('--url=') ? '--url=<cluster>' : a.startsWith('--out=') ? '--out=<file>' : a)).join(' ')}` : ''}`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sambatan-bench-'));
  fs.chmodSync(tmp, 0o755);
  const results = {
    smoke: opts.smoke,
    date: new Date().toISOString(),
    command: opts.smoke || opts.url || opts.only !== SECTIONS ? command : 'npm run bench',
    machine: { ...machineInfo(), loadAverageAtStart: os.loadavg() },
    config: cfg,
  };
  progress(`${opts.smoke ? 'smoke' : 'full'} run: ${opts.only.join(', ')}`);

  let db;
  const ctxBase = { cfg, tmp };
  try {
    const needDb = opts.only.some((s) => s !== 'start');
    if (needDb) {
      db = await openBenchDatabase({ url: opts.url });
      results.postgres = {
        version: db.version,
        settings: db.settings,
        ownCluster: db.ownCluster,
        pgStatStatements: db.pgStatStatements,
        serverCpuReadable: db.serverCpu != null,
      };
      const [p] = await db.sql`insert into public.products (name, sambatan_enabled) values ('Bench product', true) returning id`;
      ctxBase.db = db;
      ctxBase.productId = p.id;
    }
    results.tools = {
      deno: await versionOf(DENO, ['--version']),
      pgbench: await versionOf(pgbenchBin, ['--version']),
    };

    if (opts.only.includes('join')) {
      progress('1-2. join throughput on one hot campaign, against the physical limit and the legacy flow');
      results.join = await joinSection(ctxBase);
      results.join.durable = db.settings.fsync === 'on' && db.settings.synchronous_commit === 'on';
      // The same figures with no commit waiting on the disk: what the CPU alone allows.
      if (db.ownCluster && results.join.durable) {
        progress('1b. the same join figures on the CPU alone (fsync and synchronous_commit off)');
        await setDurability(db, NON_DURABLE);
        try {
          results.joinCpu = await joinSection(ctxBase);
        } finally {
          await setDurability(db, DURABLE);
        }
      }
      const at8 = results.join.byClients.find((c) => c.clients === 8);
      const wantProfile = opts.profile ?? (!opts.smoke && (at8?.joinVsPhysical ?? 1) < 0.8);
      if (wantProfile) {
        progress('profile: what bounds the join rate at 8 clients');
        results.profile = await joinProfile(ctxBase, results.join);
      }
    }
    if (opts.only.includes('http')) {
      progress('3. HTTP path through the local stack');
      results.http = await httpSection(ctxBase);
    }
    if (opts.only.includes('lifecycle')) {
      progress('4. lifecycle sweep scale');
      results.lifecycle = await lifecycleSection(ctxBase);
    }
    if (opts.only.includes('list')) {
      progress('5. list pagination');
      results.list = await listSection(ctxBase);
    }
    if (opts.only.includes('notify')) {
      progress('7. notifications: joins with a dead receiver and 10,000 pending deliveries');
      results.notify = await notifySection(ctxBase);
    }
    if (opts.only.includes('start')) {
      progress('6. embedded start');
      results.start = await startSection(ctxBase);
    }
  } finally {
    if (db) await db.close().catch((err) => console.error(`closing the benchmark database: ${err.message}`));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  results.elapsedSeconds = elapsedSeconds();
  results.machine.loadAverageAtEnd = os.loadavg();

  const problems = opts.smoke ? smokeProblems(results) : [];
  results.problems = problems;
  // Only a complete full run replaces the recorded results; partial runs go to .tmp/.
  const complete = !opts.smoke && opts.only === SECTIONS;
  const target = opts.out ?? (complete ? path.join(ROOT, 'bench', 'RESULTS.md') : opts.smoke ? null : path.join(ROOT, '.tmp', 'bench-RESULTS.md'));
  if (target) {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    if (target.endsWith('.json')) fs.writeFileSync(target, `${JSON.stringify(results, null, 2)}\n`);
    else writeReport(results, target);
    if (complete && !opts.out) fs.writeFileSync(path.join(ROOT, 'bench', 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
    progress(`wrote ${path.relative(process.cwd(), target) || target}`);
  }
  progress(`done in ${results.elapsedSeconds.toFixed(0)} s`);
  if (problems.length) {
    console.error(`benchmark smoke check failed:\n  ${problems.join('\n  ')}`);
    process.exitCode = 1;
  }
}

main().catch((err) => {
  console.error(err.stack ?? err.message);
  process.exitCode = 2;
});
