// The single-run gate under real concurrency, and a runner lost mid-batch.
import { spawn } from "node:child_process";
import { afterAll, beforeAll, expect, test } from "vitest";
import { PG_BINDIR } from "../../dev/pg-cluster.mjs";
import { actAsSql } from "../../dev/db/act-as.mjs";
import { buyer, freshDatabase, type FreshDatabase, manager, rpc, service } from "../helpers/pg.ts";
import { invariantViolationsSql } from "../helpers/invariants.ts";

let db: FreshDatabase;
const operator = manager(undefined, ["scheduled_job.read", "scheduled_job.execute"]);

beforeAll(async () => { db = await freshDatabase({ max: 10 }); });
afterAll(() => db?.drop());

async function fullCampaigns(n: number): Promise<string[]> {
  const [p] = await db.sql`insert into public.products (name, sambatan_enabled) values ('Gate', true) returning id`;
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = await rpc(db.sql, manager(), "create_campaign", {
      p_product_id: p.id, p_title: `G${i}`, p_total_slots: 1, p_price_per_slot: 100,
      p_deadline: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await rpc(db.sql, buyer(), "join_campaign", { p_campaign_id: c.id, p_quantity: 1, p_shipping_address: "A" });
    ids.push(c.id);
  }
  return ids;
}

async function runToEnd(executionId: number, who = service) {
  for (;;) {
    const batch = await rpc(db.sql, who, "sambatan_run_job_batch", { p_execution_id: executionId });
    if (batch.done) break;
  }
  return rpc(db.sql, who, "sambatan_finish_job", { p_execution_id: executionId });
}

test("cron, a manual trigger and two direct callers racing: exactly one execution runs, the others hear JOB_ALREADY_RUNNING", async () => {
  const ids = await fullCampaigns(6);
  const starts = await Promise.allSettled([
    rpc(db.sql, service, "sambatan_start_job", { p_job: "sambatan.lifecycle", p_triggered_by: "cron" }),
    rpc(db.sql, operator, "sambatan_start_job", { p_job: "sambatan.lifecycle", p_triggered_by: "manual" }),
    rpc(db.sql, service, "sambatan_start_job", { p_job: "sambatan.lifecycle", p_triggered_by: "manual" }),
    rpc(db.sql, service, "sambatan_start_job", { p_job: "sambatan.lifecycle", p_triggered_by: "manual" }),
  ]);
  const won = starts.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const lost = starts.flatMap((s) => (s.status === "rejected" ? [s.reason] : []));
  expect(won).toHaveLength(1);
  expect(lost.map((e) => e.code)).toEqual(["SB026", "SB026", "SB026"]);
  const done = await runToEnd(won[0].id);
  expect(done.status).toBe("succeeded");
  expect(done.result.fulfilled).toBe(ids.length);
  const [{ n }] = await db.sql`select count(*)::int as n from sambatan_jobs.job_executions where job = 'sambatan.lifecycle'`;
  expect(n).toBe(1);
  const [{ fulfilled }] = await db.sql`
    select count(*)::int as fulfilled from public.sambatan_audit_logs where event = 'fulfilled' and campaign_id = any(${ids}::uuid[])`;
  expect(fulfilled).toBe(ids.length);
});

test("a runner killed mid-batch leaves no half-done campaign; the next run takes the stale lease over and finishes", async () => {
  const ids = await fullCampaigns(4);
  await db.sql`update sambatan_jobs.scheduled_jobs set heartbeat_seconds = 1 where name = 'sambatan.lifecycle'`;
  const execution = await rpc(db.sql, service, "sambatan_start_job", { p_job: "sambatan.lifecycle", p_triggered_by: "cron" });

  // Hold the job row so the batch, having transitioned campaigns, blocks on its heartbeat.
  const holder = await db.sql.reserve();
  await holder`begin`;
  await holder`select 1 from sambatan_jobs.scheduled_jobs where name = 'sambatan.lifecycle' for update`;
  // The runner is a separate psql process, as a lost edge function would be: killing
  // its backend must not touch the test's own connection pools.
  const runner = spawn(`${PG_BINDIR}/psql`, ["-X", "-q", "-d", db.url, "-v", "ON_ERROR_STOP=1", "-c", `
    begin;
    ${actAsSql({ role: "service_role" })};
    select public.sambatan_run_job_batch(p_execution_id => ${execution.id});
    commit;`], { stdio: "ignore", env: { ...process.env, PGAPPNAME: "lost-runner" } });
  const exited = new Promise<number | null>((resolve) => runner.on("exit", resolve));
  let pid: number | undefined;
  for (let i = 0; i < 100; i++) {
    const [w] = await db.sql`
      select pid, wait_event_type from pg_stat_activity
       where datname = current_database() and application_name = 'lost-runner'`;
    pid = w?.pid;
    if (w?.wait_event_type === "Lock") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  expect(pid).toBeDefined();
  await db.sql`select pg_terminate_backend(${pid!})`;
  expect(await exited).not.toBe(0);
  await holder`rollback`;
  holder.release();

  const half = await db.sql`select status from public.sambatan_campaigns where id = any(${ids}::uuid[]) and status <> 'locked'`;
  expect(half).toEqual([]);
  expect(await db.sql.unsafe(invariantViolationsSql)).toEqual([]);

  await new Promise((r) => setTimeout(r, 1100)); // let the lease expire
  const next = await rpc(db.sql, service, "sambatan_start_job", { p_job: "sambatan.lifecycle", p_triggered_by: "cron" });
  const [stale] = await db.sql`select status, error from sambatan_jobs.job_executions where id = ${execution.id}`;
  expect(stale.status).toBe("failed");
  expect(stale.error).toMatch(/lease expired/);
  const done = await runToEnd(next.id);
  expect(done.status).toBe("succeeded");
  const left = await db.sql`select id from public.sambatan_campaigns where id = any(${ids}::uuid[]) and status <> 'fulfilled'`;
  expect(left).toEqual([]);
  expect(await db.sql.unsafe(invariantViolationsSql)).toEqual([]);
});
