import { afterAll, describe, expect, test } from "vitest";
import { asUser, buyer, connect, freshDatabase } from "../helpers/pg.ts";

const sql = connect();
afterAll(() => sql.end());

describe("the throwaway test cluster", () => {
  test("is PostgreSQL 15", async () => {
    const [{ server_version_num }] = await sql`show server_version_num`;
    expect(Math.floor(Number(server_version_num) / 10000)).toBe(15);
  });

  test("offers pg_cron, pgtap and plpgsql_check", async () => {
    const rows = await sql`
      select name from pg_available_extensions
       where name in ('pg_cron', 'pgtap', 'plpgsql_check') order by name`;
    expect(rows.map((r) => r.name)).toEqual(["pg_cron", "pgtap", "plpgsql_check"]);
  });

  test("preloads pg_cron and plpgsql_check, with cron jobs run by background workers", async () => {
    const [{ libs, bgw, db }] = await sql`
      select current_setting('shared_preload_libraries') as libs,
             current_setting('cron.use_background_workers') as bgw,
             current_setting('cron.database_name') as db`;
    expect(libs.split(",").map((s: string) => s.trim())).toEqual(expect.arrayContaining(["pg_cron", "plpgsql_check"]));
    expect(bgw).toBe("on");
    expect(db).toBe("postgres");
  });

  test("lets pg_cron be enabled in the postgres database and take a schedule", async () => {
    const rollback = new Error("rollback");
    await expect(
      sql.begin(async (tx) => {
        await tx`create extension if not exists pg_cron`;
        const [{ id }] = await tx`select cron.schedule('cluster-smoke-probe', '* * * * *', 'select 1') as id`;
        expect(Number(id)).toBeGreaterThan(0);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
  });

  test("has the migrations applied by the Supabase CLI", async () => {
    const [{ n }] = await sql`select count(*)::int as n from supabase_migrations.schema_migrations`;
    expect(n).toBeGreaterThan(0);
  });

  test("asUser switches role and claims for one transaction only, as PostgREST does", async () => {
    const who = buyer();
    const inside = await asUser(sql, who, (tx) => tx`select current_user as role, auth.uid() as uid`);
    expect(inside[0]).toEqual({ role: "authenticated", uid: who.sub });
    const [after] = await sql`select current_user as role, auth.uid() as uid`;
    expect(after).toEqual({ role: "postgres", uid: null });
  });

  test("serves many concurrent connections", async () => {
    const pool = connect({ max: 50 });
    try {
      const pids = await Promise.all(Array.from({ length: 50 }, () => pool`select pg_backend_pid() as pid, pg_sleep(0.2)`));
      expect(new Set(pids.map(([r]) => r.pid)).size).toBe(50);
    } finally {
      await pool.end();
    }
  });

  test("freshDatabase gives a migrated, empty database that is dropped afterwards", async () => {
    const fresh = await freshDatabase();
    try {
      const [{ n }] = await fresh.sql`select count(*)::int as n from public.sambatan_campaigns`;
      expect(n).toBe(0);
    } finally {
      await fresh.drop();
    }
    const [{ exists }] = await sql`select exists (select from pg_database where datname = ${fresh.name}) as exists`;
    expect(exists).toBe(false);
  });
});
