// The scheduling path end to end, as on Supabase: pg_cron fires the dispatch, the
// dispatch finds the hook in Vault and queues net.http_post, the local stack
// delivers the request to the `lifecycle` function, which runs the due jobs.
import postgres from "postgres";
import { afterAll, beforeAll, expect, test } from "vitest";
import { databaseUrl } from "../helpers/pg.ts";
import { inDays, invoke, type Stack, startStack } from "./stack.ts";

let stack: Stack;
let sql: postgres.Sql;

beforeAll(async () => {
  // pg_cron lives in the cluster's `postgres` database, where `npm test` pushed the migrations.
  stack = await startStack({ databaseUrl: databaseUrl(), env: { SAMBATAN_NET_POLL_MS: "250" } });
  sql = postgres(databaseUrl(), { max: 2, onnotice: () => {} });
}, 120_000);

afterAll(async () => {
  if (sql) {
    await sql`select cron.schedule('sambatan-dispatch', '* * * * *', sambatan_jobs.dispatch_command())`;
    await sql`delete from vault.secrets where name in ('sambatan_lifecycle_url', 'sambatan_secret_key')`;
    await sql.end();
  }
  await stack?.stop();
});

test("pg_cron → pg_net → lifecycle function: the queued hook call reaches the stack and fulfils a full campaign", async () => {
  const manager = stack.client(await stack.token(crypto.randomUUID(), ["sambatan.manage"]));
  const [product] = await sql`insert into public.products (name, sambatan_enabled) values ('Hook', true) returning id`;
  const created = await invoke(manager, "campaigns-create", {
    body: { product_id: product.id, title: "Hook", total_slots: 2, price_per_slot: 5000, deadline: inDays(2) },
  });
  expect(created.status).toBe(201);
  const buyer = stack.client(await stack.token(crypto.randomUUID()));
  const joined = await invoke(buyer, "campaign-join", {
    body: { campaign_id: created.body.id, quantity: 2, shipping_address: "Jl. Hook 1" },
  });
  expect(joined.status).toBe(201);

  await sql`delete from vault.secrets where name in ('sambatan_lifecycle_url', 'sambatan_secret_key')`;
  await sql`select vault.create_secret(${stack.fn("lifecycle")}, 'sambatan_lifecycle_url'),
                   vault.create_secret(${stack.secretKey}, 'sambatan_secret_key')`;
  const [{ last }] = await sql`select coalesce(max(id), 0)::int as last from net.http_request_queue`;
  await sql`update sambatan_jobs.scheduled_jobs set next_run_at = now() where name = 'sambatan.lifecycle'`;
  await sql`select cron.schedule('sambatan-dispatch', '* * * * *', sambatan_jobs.dispatch_command())`;

  const deadline = Date.now() + 75_000;
  let delivered: any;
  while (Date.now() < deadline) {
    [delivered] = await sql`
      select * from net.http_request_queue where id > ${last} and response_status is not null order by id limit 1`;
    if (delivered) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  expect(delivered, "pg_cron queued no hook call that the stack delivered within 75 s").toBeDefined();
  expect(delivered.url).toBe(stack.fn("lifecycle"));
  expect(delivered.headers.apikey).toBe(stack.secretKey);
  expect(delivered.response_status).toBe(200);

  const [execution] = await sql`
    select * from sambatan_jobs.job_executions where job = 'sambatan.lifecycle' and triggered_by = 'cron'
     order by id desc limit 1`;
  expect(execution.status).toBe("succeeded");
  expect(execution.message).not.toMatch(/ran in the database/);
  const [campaign] = await sql`select status from public.sambatan_campaigns where id = ${created.body.id}`;
  expect(campaign.status).toBe("fulfilled");
  expect(stack.requestLogs().some((l) => l.function === "lifecycle" && l.status === 200 && l.auth === "secret")).toBe(true);
}, 100_000);
