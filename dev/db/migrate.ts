// Applies the bootstrap (non-Supabase databases only) and pending migrations, and
// records versions in supabase_migrations.schema_migrations exactly where the
// Supabase CLI's `db push` records them, so the two always agree on what is applied.
// Runs under Node and Deno alike; `exec` is any executor of multi-statement SQL.

import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { quote } from "./act-as.mjs";

export interface SqlExecutor {
  /** Runs one or more statements (simple query protocol). */
  exec(sql: string): Promise<unknown>;
  /** Runs one statement and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Migration {
  version: string;
  name: string;
  sql: string;
}

const supabaseDir = new URL("../../supabase/", import.meta.url);
const bootstrapFile = new URL("../sql/bootstrap.sql", import.meta.url);
const seedFile = new URL("seed.sql", supabaseDir);

/** The migration files, in the order the CLI applies them (by version). */
export async function loadMigrations(dir: URL = new URL("migrations/", supabaseDir)): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  return Promise.all(files.map(async (file) => {
    const [, version, name] = file.match(/^(\d+)_(.+)\.sql$/)!;
    return { version, name, sql: await readFile(new URL(file, dir), "utf8") };
  }));
}

export function loadBootstrap(): Promise<string> {
  return readFile(bootstrapFile, "utf8");
}

/** Everything migrate() and seed() apply, read once. */
export interface SchemaFiles {
  bootstrap: string;
  migrations: Migration[];
  /** supabase/seed.sql, or undefined when there is none. */
  seed?: string;
}

export async function loadSchemaFiles(): Promise<SchemaFiles> {
  const [bootstrap, migrations, seed] = await Promise.all([
    loadBootstrap(),
    loadMigrations(),
    readFile(seedFile, "utf8").catch(() => undefined),
  ]);
  return { bootstrap, migrations, seed };
}

/**
 * A digest of the bootstrap, every migration's file name and text, and the seed:
 * when it is the one a database was last prepared with, there is nothing new to
 * apply. Each part is length-prefixed, so text cannot move from one to the next.
 */
export function schemaDigest(files: SchemaFiles): string {
  const hash = createHash("sha256");
  const parts = [files.bootstrap, ...files.migrations.flatMap((m) => [`${m.version}_${m.name}`, m.sql]), files.seed ?? ""];
  for (const part of parts) hash.update(`${part.length}:${part}\n`);
  return hash.digest("hex");
}

/**
 * Whether the ledger records every migration file as applied and the seed (when
 * there is one) as loaded. Read-only: false, not an error, on a database without
 * the ledger yet. It cannot see the bootstrap; schemaDigest() covers that.
 */
export async function isUpToDate(db: SqlExecutor, files: SchemaFiles): Promise<boolean> {
  const rows = await db.query<{ versions: string[]; seeded: boolean }>(
    `select array(select version from supabase_migrations.schema_migrations) as versions,
            exists (select 1 from supabase_migrations.seed_files where path = 'supabase/seed.sql') as seeded`,
  ).catch(() => undefined);
  if (!rows?.[0]) return false;
  const applied = new Set(rows[0].versions);
  return files.migrations.every((m) => applied.has(m.version)) && (files.seed === undefined || rows[0].seeded);
}

/**
 * Applied migrations whose file has changed since: the database keeps the text it
 * ran (recorded by migrate() as the only statement), and migrations are never
 * re-applied, so the change would otherwise go unnoticed.
 */
export async function changedMigrations(db: SqlExecutor, migrations: Migration[]): Promise<string[]> {
  if (migrations.length === 0) return [];
  const rows = await db.query<{ version: string; statements: string[] | null }>(
    "select version, statements from supabase_migrations.schema_migrations",
  );
  const recorded = new Map(rows.map((r) => [r.version, r.statements]));
  return migrations
    .filter((m) => {
      const statements = recorded.get(m.version);
      return statements?.length === 1 && statements[0] !== m.sql;
    })
    .map((m) => `${m.version}_${m.name}`);
}

const ledger = `
  create schema if not exists supabase_migrations;
  create table if not exists supabase_migrations.schema_migrations (
    version text not null primary key,
    statements text[],
    name text
  );
  create table if not exists supabase_migrations.seed_files (
    path text not null primary key,
    hash text not null
  );
`;

async function inTransaction(db: SqlExecutor, sql: string): Promise<void> {
  try {
    await db.exec(`begin;\n${sql}\n;commit;`);
  } catch (error) {
    // A failed multi-statement string leaves the session inside the aborted transaction.
    await db.exec("rollback").catch(() => {});
    throw error;
  }
}

export interface MigrateOptions {
  /** Apply dev/sql/bootstrap.sql first (never on a Supabase project). Default true. */
  bootstrap?: boolean;
  log?: (line: string) => void;
  /** The files as loadSchemaFiles() read them; read here when not given. */
  files?: SchemaFiles;
}

/** Applies what is pending; returns the versions applied now. */
export async function migrate(db: SqlExecutor, options: MigrateOptions = {}): Promise<string[]> {
  const log = options.log ?? (() => {});
  if (options.bootstrap ?? true) await db.exec(options.files?.bootstrap ?? await loadBootstrap());
  await db.exec(ledger);
  const applied = new Set(
    (await db.query<{ version: string }>("select version from supabase_migrations.schema_migrations"))
      .map((r) => r.version),
  );
  const done: string[] = [];
  for (const m of options.files?.migrations ?? await loadMigrations()) {
    if (applied.has(m.version)) continue;
    log(`applying migration ${m.version}_${m.name}`);
    await inTransaction(db, `${m.sql}
      ;insert into supabase_migrations.schema_migrations (version, name, statements)
       values (${quote(m.version)}, ${quote(m.name)}, array[${quote(m.sql)}]);`);
    done.push(m.version);
  }
  return done;
}

/**
 * Loads supabase/seed.sql once per content hash, recorded like the CLI's seed_files.
 * With `files` (as loadSchemaFiles() read them) the file is not read again.
 */
export async function seed(db: SqlExecutor, log: (line: string) => void = () => {}, files?: SchemaFiles): Promise<boolean> {
  const sql = files ? files.seed : await readFile(seedFile, "utf8").catch(() => undefined);
  if (sql === undefined) return false;
  await db.exec(ledger);
  const rows = await db.query("select 1 from supabase_migrations.seed_files where path = 'supabase/seed.sql'");
  if (rows.length > 0) return false;
  const hash = createHash("sha256").update(sql).digest("hex");
  log("loading supabase/seed.sql");
  await inTransaction(db, `${sql}
    ;insert into supabase_migrations.seed_files (path, hash) values ('supabase/seed.sql', ${quote(hash)});`);
  return true;
}
