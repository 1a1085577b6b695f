// New PGlite directories of the local stack start as a copy of a template prepared
// once: the copy holds exactly what preparing the directory in place gives, writes
// to it never reach the template, a directory that has data is never replaced, and
// a template that cannot be made only costs the time it would have saved.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadSchemaFiles, schemaDigest, type SchemaFiles, type SqlExecutor } from "../../dev/db/migrate.ts";
import { openDatabase } from "../../dev/stack/database.ts";
import { copyTemplate, ensureTemplate, isNewDirectory, pgliteVersion, templateDirFrom, templateName } from "../../dev/stack/template.ts";

const root = mkdtempSync(join(tmpdir(), "sambatan-template-"));
const templateDir = join(root, "cache");
const limits = { lockTimeoutMs: 1000, statementTimeoutMs: 5000 };
let files: SchemaFiles;

/**
 * Opens `dataDir` as `npm start` does, with templates from `templates` (none when null),
 * runs `then`, closes; answers the log.
 */
async function start(dataDir: string, then: (sql: SqlExecutor) => Promise<unknown> = async () => {}, templates: string | null = templateDir) {
  const log: string[] = [];
  const db = await openDatabase({ dataDir, limits, templateDir: templates ?? undefined, log: (line) => log.push(line) });
  try {
    await then(db.executor);
  } finally {
    await db.close();
  }
  return log;
}

/** What a prepared database holds that the schema files decide: the ledger and the seed's rows. */
const contents = async (sql: SqlExecutor) => ({
  migrations: (await sql.query<{ version: string }>("select version from supabase_migrations.schema_migrations order by 1")).map((r) => r.version),
  seeded: (await sql.query<{ path: string }>("select path from supabase_migrations.seed_files")).map((r) => r.path),
  products: (await sql.query<{ name: string }>("select name from public.products order by id")).map((r) => r.name),
  functions: Number((await sql.query<{ n: string }>("select count(*)::text as n from pg_proc where pronamespace = 'public'::regnamespace"))[0].n),
});

beforeAll(async () => {
  files = await loadSchemaFiles();
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("a new data directory of the local stack", () => {
  let inPlace: Awaited<ReturnType<typeof contents>>;
  let current: string;

  beforeAll(async () => {
    current = templateName(await pgliteVersion(), schemaDigest(files));
    // The reference: the same files prepared in place, with no template.
    const log = await start(join(root, "in-place"), async (sql) => {
      inPlace = await contents(sql);
    }, null);
    expect(log.filter((l) => l.startsWith("applying migration"))).toHaveLength(files.migrations.length);
  }, 120_000);

  test("is copied from the template, made on the first start that needs it", async () => {
    let got: Awaited<ReturnType<typeof contents>> | undefined;
    const log = await start(join(root, "first"), async (sql) => {
      got = await contents(sql);
    });
    expect(log[0]).toMatch(/^preparing the template/);
    expect(log).toContain("new database copied from the template");
    expect(log.at(-1)).toBe("database schema is up to date");
    expect(readdirSync(templateDir)).toEqual([current]);
    expect(got).toEqual(inPlace);
    expect(got!.migrations).toHaveLength(files.migrations.length);
  }, 120_000);

  test("a second one is a copy with no migration run and its own writes", async () => {
    const second = join(root, "second");
    mkdirSync(second); // an empty folder counts as new, as it does for PGlite
    const log = await start(second, (sql) => sql.exec("insert into public.products (name) values ('Only in the second')"));
    expect(log).toEqual(["new database copied from the template", "database schema is up to date"]);
    let got: Awaited<ReturnType<typeof contents>> | undefined;
    const third = await start(join(root, "third"), async (sql) => {
      got = await contents(sql);
    });
    expect(third).toEqual(["new database copied from the template", "database schema is up to date"]);
    expect(got).toEqual(inPlace);
    await start(second, async (sql) => {
      expect((await contents(sql)).products).toContain("Only in the second");
    });
    expect(readFileSync(join(templateDir, current, "sambatan-schema.sha256"), "utf8").trim()).toBe(schemaDigest(files));
  }, 120_000);

  test("a directory that holds a database is opened, never replaced", async () => {
    const log = await start(join(root, "second"), async (sql) => {
      expect((await contents(sql)).products).toContain("Only in the second");
    });
    expect(log).toEqual(["database schema is up to date"]);
  }, 60_000);

  test("a damaged template is dropped: the new folder is prepared in place, and the next one makes a sound template", async () => {
    const damaged = join(root, "damaged-cache");
    cpSync(templateDir, damaged, { recursive: true });
    writeFileSync(join(damaged, current, "global", "pg_control"), Buffer.alloc(8192, 0x5a));
    let got: Awaited<ReturnType<typeof contents>> | undefined;
    const log = await start(join(root, "after-damage"), async (sql) => {
      got = await contents(sql);
    }, damaged);
    expect(log[0]).toBe("new database copied from the template");
    expect(log[1]).toMatch(/^warning: the copy of the template did not open \(.+\); removing that template and preparing the folder in place$/);
    expect(log).toContain("loading supabase/seed.sql");
    expect(got).toEqual(inPlace);
    expect(existsSync(join(damaged, current))).toBe(false);
    const next = await start(join(root, "after-rebuild"), async (sql) => {
      got = await contents(sql);
    }, damaged);
    expect(next[0]).toMatch(/^preparing the template/);
    expect(next).toContain("new database copied from the template");
    expect(got).toEqual(inPlace);
  }, 120_000);

  test("when no template can be made, the directory is prepared in place", async () => {
    const blocked = join(root, "not-a-folder");
    writeFileSync(blocked, "a file where the template folder would go\n");
    let got: Awaited<ReturnType<typeof contents>> | undefined;
    const log = await start(join(root, "fallback"), async (sql) => {
      got = await contents(sql);
    }, blocked);
    expect(log[0]).toMatch(/^warning: no template for the new database \(.+\); preparing it in place$/);
    expect(log).toContain("loading supabase/seed.sql");
    expect(got).toEqual(inPlace);
  }, 120_000);
});

describe("the template cache", () => {
  const cache = join(root, "unit-cache");
  const build = (marker: string) => async (dir: string) => {
    mkdirSync(dir);
    writeFileSync(join(dir, "PG_VERSION"), `${marker}\n`);
  };

  test("is where SAMBATAN_TEMPLATE_DIR says, node_modules/.cache/sambatan by default, none when off", () => {
    expect(templateDirFrom("off")).toBeUndefined();
    expect(templateDirFrom(undefined)).toMatch(/[\\/]node_modules[\\/]\.cache[\\/]sambatan$/);
    expect(templateDirFrom("")).toBe(templateDirFrom(undefined));
    expect(templateDirFrom(cache)).toBe(cache);
  });

  test("is named by the PGlite version and the schema files' digest", async () => {
    expect(await pgliteVersion()).toMatch(/^\d+\.\d+\.\d+/);
    expect(templateName("0.5.16", "ab".repeat(32))).toBe(`pglite-0.5.16-${"ab".repeat(16)}`);
  });

  test("builds once, keeps only the current template and leaves a build in progress alone", async () => {
    let builds = 0;
    const counted = (marker: string) => async (dir: string) => {
      builds += 1;
      await build(marker)(dir);
    };
    expect(await ensureTemplate(cache, "pglite-1-a", counted("a"))).toEqual({ path: join(cache, "pglite-1-a"), built: true });
    expect(await ensureTemplate(cache, "pglite-1-a", counted("a"))).toEqual({ path: join(cache, "pglite-1-a"), built: false });
    expect(builds).toBe(1);
    mkdirSync(join(cache, "pglite-1-c.tmp-1-fresh"));
    mkdirSync(join(cache, "pglite-1-d.tmp-1-abandoned"));
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(join(cache, "pglite-1-d.tmp-1-abandoned"), hourAgo, hourAgo);
    await ensureTemplate(cache, "pglite-1-b", counted("b"));
    expect(readdirSync(cache).sort()).toEqual(["pglite-1-b", "pglite-1-c.tmp-1-fresh"]);
    expect(readFileSync(join(cache, "pglite-1-b", "PG_VERSION"), "utf8")).toBe("b\n");
  });

  test("two builds at once end with one template, and a failed build leaves nothing", async () => {
    const both = await Promise.all([ensureTemplate(cache, "pglite-2-x", build("first")), ensureTemplate(cache, "pglite-2-x", build("second"))]);
    expect(both.map((b) => b.path)).toEqual([join(cache, "pglite-2-x"), join(cache, "pglite-2-x")]);
    expect(["first\n", "second\n"]).toContain(readFileSync(join(cache, "pglite-2-x", "PG_VERSION"), "utf8"));
    await expect(ensureTemplate(cache, "pglite-3-y", async (dir) => {
      mkdirSync(dir);
      throw new Error("initdb failed");
    })).rejects.toThrow("initdb failed");
    expect(readdirSync(cache).filter((e) => e.startsWith("pglite-3-y"))).toEqual([]);
  });

  test("a copy goes only into a missing or empty folder, complete or not at all", async () => {
    const target = join(root, "copies", "data");
    expect(await isNewDirectory(target)).toBe(true);
    await copyTemplate(join(cache, "pglite-2-x"), target);
    expect(await isNewDirectory(target)).toBe(false);
    await expect(copyTemplate(join(cache, "pglite-2-x"), target)).rejects.toThrow();
    await expect(copyTemplate(join(cache, "missing"), join(root, "copies", "other"))).rejects.toThrow();
    expect(readdirSync(join(root, "copies")).sort()).toEqual(["data"]);
  });
});
