// The stack's database: embedded PGlite in a local folder by default, or the
// PostgreSQL at DATABASE_URL. Either way the bootstrap and pending migrations are
// applied on start and supabase/seed.sql is loaded once. A PGlite directory notes
// the digest of the schema files it was last prepared with, so a restart with the
// same files skips re-running the bootstrap (most of a restart's SQL) once the ledger
// confirms that nothing is pending.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
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
import { pgliteDb } from "../db/pglite.ts";
import { postgresDb } from "../db/postgres.ts";
import type { Limits } from "../db/sql.ts";
import { pgliteExtensions } from "../db/pglite-extensions.ts";

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

async function openPglite(options: DatabaseOptions): Promise<StackDatabase> {
  const inMemory = options.dataDir.startsWith("memory://");
  // PGlite needs the parent of its data directory; the first open runs initdb (a few seconds).
  if (!inMemory) await mkdir(dirname(options.dataDir), { recursive: true });
  // Read while PGlite starts; an in-memory database is new every time, with nothing to check.
  const files = inMemory ? undefined : loadSchemaFiles();
  files?.catch(() => {});
  const pg = await PGlite.create(options.dataDir, { extensions: pgliteExtensions });
  const db = pgliteDb(pg, options.limits);
  const executor: SqlExecutor = {
    exec: (sql) => db.exclusive((p) => p.exec(sql)),
    query: async <T>(sql: string, params?: unknown[]) => (await db.exclusive((p) => p.query<T>(sql, params))).rows,
  };
  try {
    if (files) await preparePglite(executor, await files, join(options.dataDir, DIGEST_FILE), options.log);
    else await prepare(executor, options.log);
  } catch (err) {
    await pg.close().catch(() => {});
    throw err;
  }
  return {
    db,
    executor,
    description: inMemory ? "embedded PGlite (in memory)" : `embedded PGlite (${options.dataDir})`,
    close: () => db.close!(),
  };
}

async function openPostgres(url: string, options: DatabaseOptions): Promise<StackDatabase> {
  // Migrations run on their own connection: they are multi-statement scripts.
  const admin = postgres(url, { max: 1, onnotice: () => {} });
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
