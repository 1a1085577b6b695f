// The pg tier's foundation: connections to the real PostgreSQL that `npm test`
// provisions (TEST_DATABASE_URL, superuser postgres), calls made as a given
// caller exactly as PostgREST makes them, and cheap fresh databases.

import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { migrate, type SqlExecutor } from "../../dev/db/migrate.ts";
import { actAs } from "../../dev/db/act-as.mjs";
import { callStatement } from "../../dev/db/sql.ts";

export { anon, buyer, type Claims, manager, service } from "./db.ts";
import type { Claims } from "./db.ts";

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

/** The cluster URL; fails loudly, since a silently skipped pg tier proves nothing. */
export function databaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error(
      "TEST_DATABASE_URL is not set: run the pg tier through `npm test` (or `node dev/test.mjs pg`), " +
        "or start a cluster with `node dev/pg-cluster.mjs start` and export its URL",
    );
  }
  return url;
}

export interface ConnectOptions {
  /** Pool size; concurrency tests want one connection per simulated client. */
  max?: number;
  /** Database name on the same cluster (default: the one in the URL). */
  database?: string;
}

/** A postgres.js pool on the test cluster, as the superuser. Call `sql.end()` in afterAll. */
export function connect(options: ConnectOptions = {}): Sql {
  return postgres(databaseUrl(), {
    max: options.max ?? 10,
    database: options.database,
    onnotice: () => {},
    connection: { application_name: "sambatan-tests" },
  });
}

/**
 * Runs `fn` in one transaction as `claims` (role = claims.role), the way
 * PostgREST does: transaction-local role and request.jwt.claims, so RLS,
 * grants and auth.uid() see exactly what a deployed request would.
 */
export function asUser<T>(sql: Sql, claims: Claims, fn: (tx: Tx) => Promise<T>, settings: Record<string, string> = {}): Promise<T> {
  return sql.begin(async (tx) => {
    await becomeCaller(tx, claims, settings);
    return fn(tx);
  }) as Promise<T>;
}

/** Makes the rest of `tx` run as `claims`, plus transaction-local `settings` (clock offset, lock_timeout…). */
export async function becomeCaller(tx: Tx, claims: Claims, settings: Record<string, string> = {}): Promise<void> {
  const as = actAs({ role: claims.role, claims }, settings);
  await tx.unsafe(as.text, as.values);
}

/** Calls public.<name>(p_x => …) as `claims` in its own transaction and returns its jsonb result. */
export function rpc<T = any>(sql: Sql, claims: Claims, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const call = callStatement(name, args);
  return asUser(sql, claims, async (tx) => (await tx.unsafe(call.text, call.values as postgres.ParameterOrJSON<never>[]))[0].result as T);
}

const TEMPLATE = "sambatan_template";

function executor(sql: Sql): SqlExecutor {
  return {
    exec: (text) => sql.unsafe(text),
    query: async <R>(text: string, params: unknown[] = []) =>
      [...(await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]))] as R[],
  };
}

/**
 * Builds (once per cluster) a database with bootstrap + migrations to copy from.
 * pg_cron's launcher stays connected to `postgres`, so that database can never be
 * a template; this one is migrated separately and nobody stays connected to it.
 */
async function ensureTemplate(admin: Sql): Promise<void> {
  await admin`select pg_advisory_lock(hashtext(${TEMPLATE}))`;
  try {
    const [{ exists }] = await admin`select exists (select from pg_database where datname = ${TEMPLATE}) as exists`;
    if (exists) return;
    const building = `${TEMPLATE}_building`;
    await admin.unsafe(`drop database if exists ${building}`);
    await admin.unsafe(`create database ${building}`);
    const db = connect({ max: 1, database: building });
    try {
      await migrate(executor(db));
    } finally {
      await db.end();
    }
    // Renamed only when complete, so a failed build is never mistaken for a template.
    await admin.unsafe(`alter database ${building} rename to ${TEMPLATE}`);
    await admin.unsafe(`alter database ${TEMPLATE} with is_template true`);
  } finally {
    await admin`select pg_advisory_unlock(hashtext(${TEMPLATE}))`;
  }
}

export interface FreshDatabase {
  name: string;
  url: string;
  sql: Sql;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/**
 * A new, fully migrated database on the test cluster (copied from a template,
 * about a tenth of a second), for tests that need a clean slate. pg_cron is not
 * in it: pg_cron lives only in the `postgres` database.
 */
export async function freshDatabase(options: { max?: number } = {}): Promise<FreshDatabase> {
  const admin = connect({ max: 1 });
  try {
    await ensureTemplate(admin);
    const name = `sambatan_t_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
    await admin.unsafe(`create database ${name} template ${TEMPLATE}`);
    const url = new URL(databaseUrl());
    url.pathname = `/${name}`;
    const sql = connect({ max: options.max, database: name });
    return {
      name,
      url: url.toString(),
      sql,
      async drop() {
        await sql.end();
        const a = connect({ max: 1 });
        try {
          await a.unsafe(`drop database if exists ${name} with (force)`);
        } finally {
          await a.end();
        }
      },
    };
  } finally {
    await admin.end();
  }
}

/**
 * Makes `job` due, lets pg_cron's every-minute dispatch fire, and answers the first
 * execution of it that finishes after now (undefined if none within 70 s).
 */
export async function runByPgCron(sql: Sql, job: string): Promise<any> {
  const [{ last }] = await sql`select coalesce(max(id), 0)::int as last from sambatan_jobs.job_executions`;
  await sql`update sambatan_jobs.scheduled_jobs set next_run_at = now() where name = ${job}`;
  await sql`select cron.schedule('sambatan-dispatch', '* * * * *', sambatan_jobs.dispatch_command())`;
  const deadline = Date.now() + 70_000;
  while (Date.now() < deadline) {
    const [execution] = await sql`
      select * from sambatan_jobs.job_executions
       where id > ${last} and job = ${job} and status <> 'running' order by id limit 1`;
    if (execution) return execution;
    await new Promise((r) => setTimeout(r, 1000));
  }
  return undefined;
}
