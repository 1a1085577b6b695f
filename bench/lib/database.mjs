// The database every benchmark runs against: a throwaway PostgreSQL 15 cluster of
// its own (the one the tests use, from dev/pg-cluster.mjs), or a fresh database on
// a cluster given by URL (the smoke run inside `npm test`). Migrations are applied
// the way users deploy them: the bootstrap with psql, then `supabase db push`.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { ensureDebianPackages, PG_BINDIR, startCluster } from '../../dev/pg-cluster.mjs';
import { serverCpuSampler } from './cpu.mjs';
import { mustRun, progress } from './util.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BENCH_SQL = path.join(ROOT, 'bench', 'sql');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

// Not `postgres`: pg_cron lives there and its five-minute dispatch would sweep the
// lifecycle benchmark's campaigns mid-measurement. The migrations schedule nothing
// outside cron.database_name, so this database has no cron job at all.
const OWN_DB = 'sambatan_bench';

export const psqlBin = path.join(PG_BINDIR, 'psql');
export const pgbenchBin = path.join(PG_BINDIR, 'pgbench');

/** Settings of the benchmark's own cluster on top of dev/pg-cluster.mjs's. */
const OWN_CLUSTER_SETTINGS = {
  // The 128 MB default makes the 1M-row sweeps measure buffer eviction, not the SQL;
  // a Supabase instance gives about a quarter of its memory to shared_buffers.
  shared_buffers: "'1GB'",
  // For the join profile: per-statement timings, including statements inside PL/pgSQL.
  // A list setting: ALTER SYSTEM takes its elements separately.
  shared_preload_libraries: "'pg_cron', 'plpgsql_check', 'pg_stat_statements'",
  // Durable, as Supabase runs: every commit waits for its WAL flush. The test cluster
  // turns these off; the headline figures must not.
  fsync: 'on',
  synchronous_commit: 'on',
  full_page_writes: 'on',
  // Supabase's own postgresql.conf sets logical (Realtime and replication need it):
  // commits carry what logical decoding reads, as on a Supabase instance.
  wal_level: 'logical',
};

/** The CPU-bound settings the second join table uses: no figure waits on the disk. */
export const NON_DURABLE = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' };
export const DURABLE = { fsync: 'on', synchronous_commit: 'on', full_page_writes: 'on' };

/** Switches durability on the benchmark's own cluster (all three reload without a restart). */
export async function setDurability(db, settings) {
  for (const [k, v] of Object.entries(settings)) await db.sql.unsafe(`alter system set ${k} = ${v}`);
  await db.sql.unsafe('select pg_reload_conf()');
  // A reload reaches each backend at its next command: wait until this one sees it.
  for (let i = 0; i < 50; i++) {
    const [{ fsync }] = await db.sql.unsafe('show fsync');
    if (fsync === settings.fsync) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the cluster did not take fsync = ${settings.fsync}`);
}

function connInfo(url) {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    password: decodeURIComponent(u.password || ''),
    database: decodeURIComponent(u.pathname.replace(/^\//, '') || 'postgres'),
  };
}

function withDatabase(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function restartCluster(cluster) {
  const pgCtl = path.join(PG_BINDIR, 'pg_ctl');
  const args = ['restart', '-D', cluster.dataDir, '-w', '-t', '60', '-m', 'fast', '-s', '-l', path.join(cluster.dir, 'postgres.log')];
  // postgres refuses to run as root; dev/pg-cluster.mjs runs its server as the postgres OS user.
  if (isRoot) await mustRun('runuser', ['-u', 'postgres', '--', pgCtl, ...args]);
  else await mustRun(pgCtl, args);
}

/**
 * Prepares the benchmark database. Resolves to
 * { url, adminUrl, conn, sql (superuser pool), ownCluster, pgStatStatements, settings, version, close() }.
 */
export async function openBenchDatabase({ url, tune = true } = {}) {
  let cluster = null;
  let adminUrl = url;
  let dbName = OWN_DB;
  if (!adminUrl) {
    ensureDebianPackages({ log: progress });
    progress('starting a throwaway PostgreSQL 15 cluster');
    cluster = await startCluster();
    adminUrl = cluster.url;
    if (tune) {
      const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
      for (const [k, v] of Object.entries(OWN_CLUSTER_SETTINGS)) await admin.unsafe(`alter system set ${k} = ${v}`);
      await admin.end();
      await restartCluster(cluster);
      const again = postgres(adminUrl, { max: 1, onnotice: () => {} });
      // Only settable once the library is loaded; `all` also times statements inside PL/pgSQL.
      await again.unsafe(`alter system set pg_stat_statements.track = 'all'`);
      await again.unsafe('select pg_reload_conf()');
      await again.end();
    }
  } else {
    // A shared cluster (the test run's): a database of our own, dropped at the end.
    dbName = `sambatan_bench_${crypto.randomBytes(5).toString('hex')}`;
  }

  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.unsafe(`create database ${dbName}`);
  await admin.end();
  const dbUrl = withDatabase(adminUrl, dbName);
  const localUrl = `${dbUrl}${dbUrl.includes('?') ? '&' : '?'}sslmode=disable`;

  progress(`applying dev/sql/bootstrap.sql and the migrations (supabase db push) to ${dbName}`);
  await mustRun(psqlBin, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', localUrl, '-f', path.join(ROOT, 'dev', 'sql', 'bootstrap.sql')], {
    env: { PGOPTIONS: '-c client_min_messages=warning' },
  });
  await mustRun(path.join(ROOT, 'node_modules', '.bin', 'supabase'), ['db', 'push', `--remote=${localUrl}`, '--yes'], { cwd: ROOT });

  const sql = postgres(dbUrl, { max: 4, onnotice: () => {}, connection: { application_name: 'sambatan-bench' } });
  // Every join in a benchmark comes from a new buyer; the per-buyer limit would only
  // turn the load into RATE_LIMITED answers.
  await sql`update sambatan_private.settings set value = '0' where key = 'join_rate_limit_per_minute'`;
  for (const file of ['physical.sql', 'legacy-flow.sql']) {
    await sql.unsafe(fs.readFileSync(path.join(BENCH_SQL, file), 'utf8'));
  }

  const [{ ok: pss }] = await sql`select coalesce(current_setting('shared_preload_libraries', true) like '%pg_stat_statements%', false) as ok`;
  if (pss) await sql`create extension if not exists pg_stat_statements`;
  const [{ version }] = await sql`select version()`;
  const settingNames = ['server_version', 'shared_buffers', 'max_connections', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'work_mem', 'max_wal_size'];
  const settings = Object.fromEntries(
    (await sql`select name, setting, unit from pg_settings where name = any(${settingNames})`).map((r) => [
      r.name,
      r.unit === '8kB' ? `${(Number(r.setting) * 8) / 1024} MB` : r.unit === 'kB' ? `${Number(r.setting) / 1024} MB` : r.unit === 'MB' ? `${r.setting} MB` : r.setting,
    ]),
  );

  const serverCpu = await serverCpuSampler(sql);

  return {
    url: dbUrl,
    adminUrl,
    dbName,
    conn: connInfo(dbUrl),
    sql,
    ownCluster: cluster !== null,
    pgStatStatements: pss,
    // CPU seconds the server has used so far (bench/lib/cpu.mjs); null off Linux or for a remote server.
    serverCpu,
    settings,
    version,
    async close() {
      await sql.end({ timeout: 5 });
      if (cluster) {
        await cluster.stop();
      } else {
        const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
        try {
          await a.unsafe(`drop database if exists ${dbName} with (force)`);
        } finally {
          await a.end();
        }
      }
    },
  };
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}
