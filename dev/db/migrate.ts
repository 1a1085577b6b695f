// Applies the bootstrap (non-Supabase databases only) and pending migrations, and
// records versions in supabase_migrations.schema_migrations exactly where the
// Supabase CLI's `db push` records them, so the two always agree on what is applied.
// Runs under Node and Deno alike; `exec` is any executor of multi-statement SQL.

import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";

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

function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

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
}

/** Applies what is pending; returns the versions applied now. */
export async function migrate(db: SqlExecutor, options: MigrateOptions = {}): Promise<string[]> {
  const log = options.log ?? (() => {});
  if (options.bootstrap ?? true) await db.exec(await loadBootstrap());
  await db.exec(ledger);
  const applied = new Set(
    (await db.query<{ version: string }>("select version from supabase_migrations.schema_migrations"))
      .map((r) => r.version),
  );
  const done: string[] = [];
  for (const m of await loadMigrations()) {
    if (applied.has(m.version)) continue;
    log(`applying migration ${m.version}_${m.name}`);
    await inTransaction(db, `${m.sql}
      ;insert into supabase_migrations.schema_migrations (version, name, statements)
       values (${literal(m.version)}, ${literal(m.name)}, array[${literal(m.sql)}]);`);
    done.push(m.version);
  }
  return done;
}

/** Loads supabase/seed.sql once per content hash, recorded like the CLI's seed_files. */
export async function seed(db: SqlExecutor, log: (line: string) => void = () => {}): Promise<boolean> {
  let sql: string;
  try {
    sql = await readFile(new URL("seed.sql", supabaseDir), "utf8");
  } catch {
    return false;
  }
  await db.exec(ledger);
  const rows = await db.query("select 1 from supabase_migrations.seed_files where path = 'supabase/seed.sql'");
  if (rows.length > 0) return false;
  const hash = createHash("sha256").update(sql).digest("hex");
  log("loading supabase/seed.sql");
  await inTransaction(db, `${sql}
    ;insert into supabase_migrations.seed_files (path, hash) values ('supabase/seed.sql', ${literal(hash)});`);
  return true;
}
