// The stack's database: embedded PGlite in a local folder by default, or the
// PostgreSQL at DATABASE_URL. Either way the bootstrap and pending migrations are
// applied on start and supabase/seed.sql is loaded once. A PGlite directory notes
// the digest of the schema files it was last prepared with, so a restart with the
// same files skips re-running the bootstrap (most of a restart's SQL) once the ledger
// confirms that nothing is pending. A new PGlite directory starts as a copy of a
// template prepared the same way (dev/stack/template.ts), when a template folder is given.

import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import {
  changedMigrations,
  isUpToDate,
  loadSchemaFiles,
  migrate,
  schemaDigest,
  seed,
  type SchemaFiles,
  type SqlExecutor,
} from "../db/migrate.ts";
import type { Db } from "../../shared/db/port.ts";
import { pgliteDb, type PgliteDb } from "../db/pglite.ts";
import type { Limits } from "../db/sql.ts";
import type postgres from "postgres";
import { pgliteExtensions } from "../db/pglite-extensions.ts";
import { copyTemplate, ensureTemplate, isNewDirectory, pgliteVersion, templateName } from "./template.ts";

export interface StackDatabase {
  db: Db;
  /** What to print: where the data lives. */
  description: string;
  /** Runs SQL as the superuser (the lifecycle ticker and tools). */
  executor: SqlExecutor;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A PostgreSQL URL; when absent, PGlite in `dataDir`. */
  databaseUrl?: string;
  /** PGlite data directory, or "memory://" for a throwaway one. */
  dataDir: string;
  limits: Limits;
  log: (line: string) => void;
  /**
   * Where templates for new PGlite directories are kept (made there when missing);
   * without it a new directory is prepared in place.
   */
  templateDir?: string;
}

export async function openDatabase(options: DatabaseOptions): Promise<StackDatabase> {
  return options.databaseUrl ? await openPostgres(options.databaseUrl, options) : await openPglite(options);
}

/**
 * Applies the bootstrap, pending migrations and the seed (from `files` when given, read
 * once); returns the versions applied now.
 */
async function prepare(executor: SqlExecutor, log: (line: string) => void, files?: SchemaFiles): Promise<string[]> {
  const applied = await migrate(executor, { log, files });
  log(applied.length ? `applied ${applied.length} migration(s)` : "database schema is up to date");
  await seed(executor, log, files);
  return applied;
}

// Inside the data directory, so it goes wherever the data goes: deleted, copied, restored.
// PostgreSQL leaves files it does not know alone.
const DIGEST_FILE = "sambatan-schema.sha256";

/** Prepares a PGlite directory, or only checks it when it was prepared with these very files. */
async function preparePglite(executor: SqlExecutor, files: SchemaFiles, digestFile: string, log: (line: string) => void): Promise<void> {
  const digest = schemaDigest(files);
  const noted = await readFile(digestFile, "utf8").then((text) => text.trim(), () => undefined);
  // The ledger still has the last word: a directory PGlite had to initialise anew has none.
  if (noted === digest && await isUpToDate(executor, files)) {
    log("database schema is up to date");
    return;
  }
  const appliedNow = new Set(await prepare(executor, log, files));
  const changed = await changedMigrations(executor, files.migrations.filter((m) => !appliedNow.has(m.version)));
  if (changed.length) {
    // No digest then: every start says it again until the directory is rebuilt.
    log(`warning: ${changed.join(", ")} changed after this database applied it; it still runs the old SQL. ` +
      "Put the change in a new migration, or move the data directory aside to rebuild it");
    return;
  }
  // Only a shortcut for the next start: failing to note it must not stop this one.
  await writeFile(digestFile, `${digest}\n`).catch(() => {});
}

/** The executor of migrations and tools on a PGlite session (queued behind rpc calls when `db` is given). */
function pgliteExecutor(pg: PGlite, db?: PgliteDb): SqlExecutor {
  const run = <T>(fn: (p: PGlite) => Promise<T>) => (db ? db.exclusive(fn) : fn(pg));
  return {
    exec: (sql) => run((p) => p.exec(sql)),
    query: async <T>(sql: string, params?: unknown[]) => (await run((p) => p.query<T>(sql, params))).rows,
  };
}

/** Makes a template: a new directory prepared as any new one is (its digest noted), closed. */
async function buildTemplate(dir: string, files: SchemaFiles, log: (line: string) => void): Promise<void> {
  const pg = await PGlite.create(dir, { extensions: pgliteExtensions });
  try {
    await preparePglite(pgliteExecutor(pg), files, join(dir, DIGEST_FILE), log);
  } finally {
    await pg.close();
  }
}

/**
 * The current template in `templateDir`, made now when missing; `npm install` makes it
 * ahead (dev/template.ts). Answers its path.
 */
export async function prepareTemplate(templateDir: string, log: (line: string) => void, files?: SchemaFiles): Promise<string> {
  const schema = files ?? await loadSchemaFiles();
  const name = templateName(await pgliteVersion(), schemaDigest(schema));
  const { path, built } = await ensureTemplate(templateDir, name, (dir) => {
    log("preparing the template for new PGlite directories (once per PGlite version and set of schema files)");
    return buildTemplate(dir, schema, log);
  });
  if (built) log(`template ready: ${path}`);
  return path;
}

/**
 * Fills a new data directory from the template, answering the template copied; a
 * failure only costs the time it saves (undefined: the directory stays new).
 */
async function startFromTemplate(options: DatabaseOptions & { templateDir: string }, files: SchemaFiles): Promise<string | undefined> {
  try {
    const template = await prepareTemplate(options.templateDir, options.log, files);
    await copyTemplate(template, options.dataDir);
    options.log("new database copied from the template");
    return template;
  } catch (err) {
    options.log(`warning: no template for the new database (${message(err)}); preparing it in place`);
    return undefined;
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Opens a PGlite directory and prepares it (or only checks it) with the schema files
 * being read meanwhile (none for a database in memory); closed again on failure.
 */
async function openPrepared(options: DatabaseOptions, files: Promise<SchemaFiles> | undefined) {
  const pg = await PGlite.create(options.dataDir, { extensions: pgliteExtensions });
  const db = pgliteDb(pg, options.limits);
  const executor = pgliteExecutor(pg, db);
  try {
    if (files) await preparePglite(executor, await files, join(options.dataDir, DIGEST_FILE), options.log);
    else await prepare(executor, options.log);
  } catch (err) {
    await pg.close().catch(() => {});
    throw err;
  }
  return { db, executor };
}

async function openPglite(options: DatabaseOptions): Promise<StackDatabase> {
  const inMemory = options.dataDir.startsWith("memory://");
  // PGlite needs the parent of its data directory; the first open runs initdb (a few seconds).
  if (!inMemory) await mkdir(dirname(options.dataDir), { recursive: true });
  // Read while PGlite starts; an in-memory database is new every time, with nothing to check.
  const files = inMemory ? undefined : loadSchemaFiles();
  files?.catch(() => {});
  const template = files && options.templateDir && await isNewDirectory(options.dataDir)
    ? await startFromTemplate({ ...options, templateDir: options.templateDir }, await files)
    : undefined;
  let opened: Awaited<ReturnType<typeof openPrepared>>;
  try {
    opened = await openPrepared(options, files);
  } catch (err) {
    if (!template) throw err;
    // A copy made just now holds nothing but the template, so both go: a damaged
    // template would otherwise fail every new folder. The next new folder makes it again.
    options.log(`warning: the copy of the template did not open (${message(err)}); removing that template and preparing the folder in place`);
    await rm(options.dataDir, { recursive: true, force: true });
    await rm(template, { recursive: true, force: true });
    opened = await openPrepared(options, files);
  }
  return {
    ...opened,
    description: inMemory ? "embedded PGlite (in memory)" : `embedded PGlite (${options.dataDir})`,
    close: () => opened.db.close!(),
  };
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<StackDatabase> {
  // Loaded only here: the PGlite stack starts a twentieth of a second sooner without it.
  const [{ default: connect }, { postgresDb }] = await Promise.all([import("postgres"), import("../db/postgres.ts")]);
  // Migrations run on their own connection: they are multi-statement scripts.
  const admin = connect(url, { max: 1, onnotice: () => {} });
  const executor: SqlExecutor = {
    exec: (sql) => admin.unsafe(sql),
    query: async <T>(sql: string, params: unknown[] = []) =>
      (await admin.unsafe(sql, params as postgres.ParameterOrJSON<never>[])) as unknown as T[],
  };
  try {
    await prepare(executor, options.log);
  } catch (err) {
    await admin.end({ timeout: 1 });
    throw err;
  }
  const db = postgresDb(url, options.limits);
  const safeUrl = new URL(url);
  safeUrl.password = safeUrl.password ? "***" : "";
  return {
    db,
    executor,
    description: `PostgreSQL (${safeUrl.toString()})`,
    close: async () => {
      await db.close!();
      await admin.end({ timeout: 5 });
    },
  };
}
