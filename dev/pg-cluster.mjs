// A throwaway PostgreSQL 15 cluster for tests and benchmarks: initdb in a temp
// dir, tuned for speed over durability, pg_cron and plpgsql_check preloaded.
//
//   node dev/pg-cluster.mjs start [--port=N]   start one that outlives this command, print its URL
//   node dev/pg-cluster.mjs url                print the URL of the one started above
//   node dev/pg-cluster.mjs stop               stop it and delete its files
//
// From code: `const pg = await startCluster(); ... await pg.stop()`. A cluster
// started from code dies with the process that started it, even on SIGKILL
// (a detached watchdog notices the parent is gone).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STATE_FILE = path.join(REPO_ROOT, '.tmp', 'pg-cluster.json');

export const PG_MAJOR = 15;
export const PG_BINDIR = process.env.PG_BINDIR ?? `/usr/lib/postgresql/${PG_MAJOR}/bin`;
const EXTENSION_DIR = `/usr/share/postgresql/${PG_MAJOR}/extension`;

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** What must exist on disk, and the Debian package that provides it. */
const REQUIREMENTS = [
  { pkg: `postgresql-${PG_MAJOR}`, present: () => ['initdb', 'pg_ctl', 'postgres'].every((b) => fs.existsSync(path.join(PG_BINDIR, b))) },
  { pkg: `postgresql-client-${PG_MAJOR}`, present: () => fs.existsSync(path.join(PG_BINDIR, 'psql')) },
  { pkg: `postgresql-${PG_MAJOR}-cron`, present: () => fs.existsSync(path.join(EXTENSION_DIR, 'pg_cron.control')) },
  { pkg: `postgresql-${PG_MAJOR}-pgtap`, present: () => fs.existsSync(path.join(EXTENSION_DIR, 'pgtap.control')) },
  { pkg: `postgresql-${PG_MAJOR}-plpgsql-check`, present: () => fs.existsSync(path.join(EXTENSION_DIR, 'plpgsql_check.control')) },
  { pkg: 'libtap-parser-sourcehandler-pgtap-perl', present: () => which('pg_prove') !== null },
];

/** The browser tier drives Debian's Chromium (browsers cannot be downloaded by playwright-core here). */
export const CHROMIUM = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'].find((p) => fs.existsSync(p)) ?? '/usr/lib/chromium/chromium';
const BROWSER_REQUIREMENTS = [{ pkg: 'chromium', present: () => fs.existsSync('/usr/lib/chromium/chromium') || fs.existsSync('/usr/bin/chromium') }];

function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, cmd);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {}
  }
  return null;
}

function missingPackages(browser) {
  return [...REQUIREMENTS, ...(browser ? BROWSER_REQUIREMENTS : [])].filter((r) => !r.present()).map((r) => r.pkg);
}

/**
 * Makes sure the PostgreSQL server, its client, pg_cron, pgTAP, plpgsql_check
 * and pg_prove (and, with `browser`, Chromium for the console's browser tests) are
 * installed; installs what is missing with apt-get when root.
 * Returns the packages it installed; throws with the exact install command when
 * it cannot.
 */
export function ensureDebianPackages({ log = (msg) => console.log(msg), browser = false } = {}) {
  const missing = missingPackages(browser);
  if (missing.length === 0) return [];
  const command = `apt-get install -y ${missing.join(' ')}`;
  if (!isRoot || which('apt-get') === null) {
    throw new Error(
      `missing Debian packages: ${missing.join(', ')}.\n` +
        `Install them with:  sudo apt-get update && sudo ${command}`,
    );
  }
  log(`installing missing Debian packages: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...missing]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) {
      throw new Error(`apt-get ${args.join(' ')} failed (exit ${r.status}). Install by hand:  apt-get update && ${command}`);
    }
  }
  const still = missingPackages(browser);
  if (still.length > 0) throw new Error(`still missing after apt-get install: ${still.join(', ')}`);
  return missing;
}

/** postgres refuses to run as root, so as root every server command runs as the postgres OS user. */
function asPostgres(bin, args) {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', path.join(PG_BINDIR, bin), ...args]] : [path.join(PG_BINDIR, bin), args];
}

function runSync(bin, args, { allowFail = false } = {}) {
  const [cmd, argv] = asPostgres(bin, args);
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (r.status !== 0 && !allowFail) {
    const err = new Error(`${bin} ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${r.stderr || r.stdout || r.error?.message || ''}`);
    err.output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    throw err;
  }
  return r;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function serverConfig({ port, dir }) {
  return {
    listen_addresses: "'127.0.0.1'",
    port: String(port),
    unix_socket_directories: `'${dir}'`,
    max_connections: '200',
    // Both are loaded at start on Supabase too; pg_cron cannot work without it.
    shared_preload_libraries: "'pg_cron,plpgsql_check'",
    'cron.database_name': "'postgres'",
    // Background workers run jobs in-process, so pg_cron needs no password or libpq connection.
    'cron.use_background_workers': 'on',
    'cron.max_running_jobs': '8',
    max_worker_processes: '32',
    // Throwaway data: durability buys nothing and costs seconds.
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    wal_level: 'minimal',
    max_wal_senders: '0',
    checkpoint_timeout: "'30min'",
    max_wal_size: "'1GB'",
    timezone: "'UTC'",
    log_timezone: "'UTC'",
    log_min_messages: 'warning',
    log_line_prefix: "'%m [%p] %q%u@%d '",
  };
}

function writeConfig(dataDir, settings) {
  const lines = Object.entries(settings).map(([k, v]) => `${k} = ${v}`);
  fs.writeFileSync(path.join(dataDir, 'postgresql.auto.conf'), `# written by dev/pg-cluster.mjs\n${lines.join('\n')}\n`);
}

function postmasterPid(dataDir) {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Synchronous, so it also works from an 'exit' handler. */
function stopSync({ dir, dataDir }) {
  const pid = postmasterPid(dataDir);
  if (pid !== null && alive(pid)) {
    const r = runSync('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10'], { allowFail: true });
    if (r.status !== 0 && alive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
  }
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Kills the cluster if the process that owns it dies without cleaning up (SIGKILL, OOM). */
function spawnWatchdog({ dir, dataDir }) {
  const script = `
    while kill -0 ${process.pid} 2>/dev/null && [ -d '${dir}' ]; do sleep 1; done
    [ -d '${dir}' ] || exit 0
    if [ -f '${dataDir}/postmaster.pid' ]; then
      pid=$(head -n1 '${dataDir}/postmaster.pid')
      kill -QUIT "$pid" 2>/dev/null
      for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -KILL "$pid" 2>/dev/null
    fi
    rm -rf '${dir}'
  `;
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

const live = new Set();
let handlersInstalled = false;

function installExitHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const c of live) stopSync(c);
  });
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
    process.on(signal, () => {
      for (const c of live) stopSync(c);
      live.clear();
      process.exit(code);
    });
  }
}

/**
 * Creates and starts a fresh cluster. Resolves to { url, port, dir, dataDir, socketDir, stop }.
 * `url` connects as the superuser postgres (password postgres) over TCP.
 * `persistent: true` skips the exit handlers and the watchdog (the CLI's `start`).
 */
export async function startCluster({ port, persistent = false, log = () => {} } = {}) {
  const t0 = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sambatan-pg-'));
  const dataDir = path.join(dir, 'data');
  const cluster = { dir, dataDir, socketDir: dir };
  if (isRoot) {
    const { uid, gid } = postgresUser();
    fs.chownSync(dir, uid, gid);
  }
  if (!persistent) {
    live.add(cluster);
    installExitHandlers();
    cluster.watchdog = spawnWatchdog(cluster);
  }
  try {
    runSync('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '--no-instructions', '-E', 'UTF8', '--locale=C.UTF-8']);
    log(`initdb ${Date.now() - t0} ms`);

    let lastError;
    for (let attempt = 0; attempt < 5; attempt++) {
      // A port found free can be taken before postgres binds it; then try another.
      const p = port ?? (await freePort());
      writeConfig(dataDir, serverConfig({ port: p, dir }));
      const r = runSync('pg_ctl', ['start', '-D', dataDir, '-l', path.join(dir, 'postgres.log'), '-w', '-t', '30', '-s'], { allowFail: true });
      if (r.status === 0) {
        cluster.port = p;
        break;
      }
      lastError = `${r.stderr}\n${readLog(dir)}`;
      if (port !== undefined || !/could not (bind|create listen)/i.test(lastError)) break;
    }
    if (cluster.port === undefined) throw new Error(`PostgreSQL did not start:\n${lastError}`);
    log(`server up ${Date.now() - t0} ms`);

    runSync('psql', ['-X', '-q', '-h', dir, '-p', String(cluster.port), '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-c', "alter role postgres password 'postgres'"]);
  } catch (err) {
    stopSync(cluster);
    live.delete(cluster);
    throw err;
  }

  cluster.url = `postgresql://postgres:postgres@127.0.0.1:${cluster.port}/postgres`;
  cluster.stop = async () => {
    if (!fs.existsSync(dir)) return;
    stopSync(cluster);
    live.delete(cluster);
    try {
      cluster.watchdog?.kill();
    } catch {}
  };
  return cluster;
}

function readLog(dir) {
  try {
    return fs.readFileSync(path.join(dir, 'postgres.log'), 'utf8');
  } catch {
    return '';
  }
}

function postgresUser() {
  const r = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) {
    throw new Error('running as root needs the postgres OS user (created by the postgresql-common package): apt-get install -y postgresql-common');
  }
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

async function cli(argv) {
  const [command = 'start', ...rest] = argv;
  const portArg = rest.find((a) => a.startsWith('--port='));
  if (command === 'start') {
    if (fs.existsSync(STATE_FILE)) {
      const prev = JSON.parse(fs.readFileSync(STATE_FILE, 'utf8'));
      if (fs.existsSync(prev.dir)) throw new Error(`a cluster is already running at ${prev.url} (node dev/pg-cluster.mjs stop)`);
    }
    ensureDebianPackages();
    const c = await startCluster({ port: portArg ? Number(portArg.slice(7)) : undefined, persistent: true });
    fs.mkdirSync(path.dirname(STATE_FILE), { recursive: true });
    fs.writeFileSync(STATE_FILE, JSON.stringify({ url: c.url, port: c.port, dir: c.dir, dataDir: c.dataDir }, null, 2));
    console.log(c.url);
  } else if (command === 'url') {
    if (!fs.existsSync(STATE_FILE)) throw new Error('no cluster started (node dev/pg-cluster.mjs start)');
    console.log(JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')).url);
  } else if (command === 'stop') {
    if (!fs.existsSync(STATE_FILE)) {
      console.log('no cluster to stop');
      return;
    }
    const state = JSON.parse(fs.readFileSync(STATE_FILE, 'utf8'));
    stopSync(state);
    fs.rmSync(STATE_FILE, { force: true });
    console.log(`stopped ${state.url}`);
  } else {
    throw new Error(`unknown command ${command}: use start [--port=N] | url | stop`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
