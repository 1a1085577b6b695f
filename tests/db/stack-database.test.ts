// The local stack's PGlite directory across restarts: prepared once, then only
// checked while the schema files stay the same, and prepared again (with a word
// about edited migrations) as soon as they do not.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadSchemaFiles, schemaDigest, type SchemaFiles, type SqlExecutor } from "../../dev/db/migrate.ts";
import { openDatabase } from "../../dev/stack/database.ts";

const root = mkdtempSync(join(tmpdir(), "sambatan-db-"));
const dataDir = join(root, "pglite");
const digestFile = join(dataDir, "sambatan-schema.sha256");
const limits = { lockTimeoutMs: 1000, statementTimeoutMs: 5000 };
let files: SchemaFiles;

/** Opens the directory as `npm start` does, runs `then` on it, closes it; answers the log. */
async function start(then: (sql: SqlExecutor) => Promise<unknown> = async () => {}): Promise<string[]> {
  const log: string[] = [];
  const db = await openDatabase({ dataDir, limits, log: (line) => log.push(line) });
  try {
    await then(db.executor);
  } finally {
    await db.close();
  }
  return log;
}

beforeAll(async () => {
  files = await loadSchemaFiles();
  const first = await start();
  expect(first).toContain("loading supabase/seed.sql");
  expect(first.filter((l) => l.startsWith("applying migration"))).toHaveLength(files.migrations.length);
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("a PGlite directory of the local stack", () => {
  test("notes the digest of the files it was prepared with", () => {
    expect(readFileSync(digestFile, "utf8").trim()).toBe(schemaDigest(files));
  });

  // The bootstrap's `create or replace function` rewrites the row, even unchanged.
  const bootstrapRun = async () => {
    let xmin = "";
    await start(async (sql) => {
      xmin = (await sql.query<{ xmin: string }>("select xmin::text from pg_proc where oid = 'auth.jwt()'::regprocedure"))[0].xmin;
    });
    return xmin;
  };

  test("a restart with the same files applies nothing, the bootstrap included", async () => {
    const before = await bootstrapRun();
    expect(await start()).toEqual(["database schema is up to date"]);
    expect(await bootstrapRun()).toBe(before);
  });

  test("another digest means the full preparation, which notes the current one", async () => {
    const before = await bootstrapRun();
    writeFileSync(digestFile, "from other files\n");
    expect(await start()).toEqual(["database schema is up to date"]);
    expect(await bootstrapRun()).not.toBe(before);
    expect(readFileSync(digestFile, "utf8").trim()).toBe(schemaDigest(files));
  });

  test("the ledger has the last word over a matching digest", async () => {
    await start((sql) => sql.exec("delete from supabase_migrations.seed_files"));
    expect(await start()).toContain("loading supabase/seed.sql");
  });

  test("a migration edited after it was applied is named, on every start", async () => {
    const [first] = files.migrations;
    await start((sql) => sql.exec(`update supabase_migrations.schema_migrations set statements = array['-- before the edit'] where version = '${first.version}'`));
    writeFileSync(digestFile, "from other files\n");
    for (let i = 0; i < 2; i++) {
      const warning = (await start()).find((l) => l.startsWith("warning:"));
      expect(warning).toContain(`${first.version}_${first.name} changed after this database applied it`);
      expect(readFileSync(digestFile, "utf8")).toBe("from other files\n");
    }
  });
});

describe("the schema digest", () => {
  test("follows every migration's name and text, the bootstrap and the seed", () => {
    const digest = schemaDigest(files);
    const [m, ...rest] = files.migrations;
    expect(schemaDigest({ ...files, migrations: [{ ...m, sql: `${m.sql}\n` }, ...rest] })).not.toBe(digest);
    expect(schemaDigest({ ...files, migrations: [{ ...m, name: `${m.name}_x` }, ...rest] })).not.toBe(digest);
    expect(schemaDigest({ ...files, migrations: rest })).not.toBe(digest);
    expect(schemaDigest({ ...files, bootstrap: `${files.bootstrap}\n` })).not.toBe(digest);
    expect(schemaDigest({ ...files, seed: undefined })).not.toBe(digest);
    expect(schemaDigest({ ...files })).toBe(digest);
  });
});
