// The stack's database: embedded PGlite in a local folder by default, or the
// PostgreSQL at DATABASE_URL. Either way the bootstrap and pending migrations are
// applied on start and supabase/seed.sql is loaded once.

import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import postgres from "postgres";
import { migrate, seed, type SqlExecutor } from "../db/migrate.ts";
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

async function prepare(executor: SqlExecutor, log: (line: string) => void): Promise<void> {
  const applied = await migrate(executor, { log });
  log(applied.length ? `applied ${applied.length} migration(s)` : "database schema is up to date");
  await seed(executor, log);
}

async function openPglite(options: DatabaseOptions): Promise<StackDatabase> {
  const inMemory = options.dataDir.startsWith("memory://");
  // PGlite needs the parent of its data directory; the first open runs initdb (a few seconds).
  if (!inMemory) await mkdir(dirname(options.dataDir), { recursive: true });
  const pg = await PGlite.create(options.dataDir, { extensions: pgliteExtensions });
  const db = pgliteDb(pg, options.limits);
  const executor: SqlExecutor = {
    exec: (sql) => db.exclusive((p) => p.exec(sql)),
    query: async <T>(sql: string, params?: unknown[]) => (await db.exclusive((p) => p.query<T>(sql, params))).rows,
  };
  try {
    await prepare(executor, options.log);
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
