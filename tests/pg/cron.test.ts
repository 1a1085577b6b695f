// pg_cron itself drives the lifecycle: the migration's named job, fired by the
// scheduler in the `postgres` database (where `npm test` pushed the migrations).
import { afterAll, expect, test } from "vitest";
import { buyer, connect, manager, rpc, runByPgCron } from "../helpers/pg.ts";

const sql = connect({ max: 2 });
afterAll(async () => {
  await sql`select cron.schedule('sambatan-dispatch', '* * * * *', sambatan_jobs.dispatch_command())`;
  await sql.end();
});

test("the migration scheduled one named dispatch job every minute", async () => {
  const jobs = await sql`select schedule, command from cron.job where jobname = 'sambatan-dispatch'`;
  expect(jobs).toHaveLength(1);
  expect(jobs[0].schedule).toBe("* * * * *");
  const [{ command }] = await sql`select sambatan_jobs.dispatch_command() as command`;
  expect(jobs[0].command).toBe(command);
});

test("pg_cron fires the dispatch, which runs the due lifecycle in the database (triggered_by cron)", async () => {
  await sql`delete from vault.secrets where name in ('sambatan_lifecycle_url', 'sambatan_secret_key')`;
  const [p] = await sql`insert into public.products (name, sambatan_enabled) values ('Cron', true) returning id`;
  const c = await rpc(sql, manager(), "create_campaign", {
    p_product_id: p.id, p_title: "Cron", p_total_slots: 2, p_price_per_slot: 1000,
    p_deadline: new Date(Date.now() + 86_400_000).toISOString(),
  });
  await rpc(sql, buyer(), "join_campaign", { p_campaign_id: c.id, p_quantity: 2, p_shipping_address: "A" });
  const execution = await runByPgCron(sql, "sambatan.lifecycle");
  expect(execution, "no execution within 70 s of scheduling every minute").toBeDefined();
  expect(execution).toMatchObject({ status: "succeeded", triggered_by: "cron" });
  expect(execution.message).toMatch(/ran in the database/);
  expect(execution.result.fulfilled).toBeGreaterThanOrEqual(1);
  const [campaign] = await sql`select status from public.sambatan_campaigns where id = ${c.id}`;
  expect(campaign.status).toBe("fulfilled");
  // The same dispatch goes on with the jobs after the lifecycle (payment reminders): wait for its end.
  let run: any;
  for (let i = 0; i < 30; i++) {
    [run] = await sql`select status from cron.job_run_details where status <> 'running' order by runid desc limit 1`;
    const [open] = await sql`select count(*)::int as n from cron.job_run_details where status = 'running'`;
    if (run && open.n === 0) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(run.status).toBe("succeeded");
}, 90_000);
