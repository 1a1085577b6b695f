// Who can read what, per role and table, and that no client role writes a table directly.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { anon, buyer, campaign, failure, join, manager, service, TestDb, type Claims } from "../helpers/db.ts";

let db: TestDb;
const owner = buyer();
const other = buyer();
const boss = manager();
let campaignId: string;
let participationId: string;

beforeAll(async () => {
  db = await TestDb.create();
  campaignId = (await campaign(db, boss)).id;
  participationId = (await join(db, owner, campaignId, 2)).participation.id;
  await join(db, other, campaignId, 1);
}, 60_000);
afterAll(() => db?.close());

const roles: [string, Claims][] = [
  ["anon", anon], ["other user", other], ["owner", owner], ["manager", boss], ["service_role", service],
];

const ids = async (who: Claims, sql: string) => (await db.asRole(who, sql)).map((r: any) => r.id);

describe("reads", () => {
  test.each(roles)("products and campaigns are public to %s", async (_name, who) => {
    expect(await ids(who, "select id from public.sambatan_campaigns")).toContain(campaignId);
    expect((await db.asRole(who, "select count(*)::int as n from public.products"))[0].n).toBeGreaterThan(0);
  });

  test("participants: owner sees only their own, managers and service role all, anon is refused", async () => {
    expect((await failure(db.asRole(anon, "select id from public.sambatan_participants"))).code).toBe("42501");
    expect(await ids(owner, "select id from public.sambatan_participants")).toEqual([participationId]);
    expect(await ids(other, "select id from public.sambatan_participants")).not.toContain(participationId);
    expect(await ids(boss, "select id from public.sambatan_participants")).toContain(participationId);
    expect(await ids(service, "select id from public.sambatan_participants")).toContain(participationId);
  });

  test("audit logs: managers and service role only", async () => {
    expect((await failure(db.asRole(anon, "select id from public.sambatan_audit_logs"))).code).toBe("42501");
    expect(await ids(owner, "select id from public.sambatan_audit_logs")).toEqual([]);
    expect(await ids(other, "select id from public.sambatan_audit_logs")).toEqual([]);
    expect((await ids(boss, "select id from public.sambatan_audit_logs")).length).toBeGreaterThanOrEqual(3);
    expect((await ids(service, "select id from public.sambatan_audit_logs")).length).toBeGreaterThanOrEqual(3);
  });

  test("private tables (idempotency keys, settings) are unreachable for every client role", async () => {
    for (const [, who] of roles) {
      expect((await failure(db.asRole(who, "select * from sambatan_private.settings"))).code).toBe("42501");
      expect((await failure(db.asRole(who, "select * from sambatan_private.idempotency_keys"))).code).toBe("42501");
    }
  });
});

describe("no client role writes a table directly", () => {
  const writes = [
    "insert into public.products (name) values ('x')",
    "update public.products set sambatan_enabled = true",
    "delete from public.products",
    "update public.sambatan_campaigns set filled_slots = 0",
    "insert into public.sambatan_campaigns (product_id, title, total_slots, price_per_slot, deadline) select id, 't', 1, 1, now() + interval '1 day' from public.products limit 1",
    "delete from public.sambatan_campaigns",
    `insert into public.sambatan_participants (campaign_id, user_id, quantity, amount, shipping_address) values ('${crypto.randomUUID()}', '${crypto.randomUUID()}', 1, 1, 'a')`,
    "update public.sambatan_participants set status = 'confirmed'",
    "delete from public.sambatan_participants",
    "insert into public.sambatan_audit_logs (campaign_id, event) select id, 'forged' from public.sambatan_campaigns limit 1",
    "delete from public.sambatan_audit_logs",
  ];
  test.each(roles)("%s gets permission denied (42501) for every insert, update and delete", async (_n, who) => {
    for (const sql of writes) {
      expect((await failure(db.asRole(who, sql))).code, sql).toBe("42501");
    }
  });
});

test("every table of ours has RLS enabled and every public function is security definer with an empty search_path", async () => {
  const tables = await db.sql(`
    select n.nspname || '.' || c.relname as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname in ('public', 'sambatan_private', 'sambatan_jobs') and c.relkind = 'r' and not c.relrowsecurity`);
  expect(tables).toEqual([]);
  const fns = await db.sql(`
    select p.proname from pg_proc p
     where p.pronamespace = 'public'::regnamespace
       and (not p.prosecdef or not coalesce(p.proconfig @> array['search_path=""'], false))`);
  expect(fns).toEqual([]);
  const publicExec = await db.sql(`
    select p.proname from pg_proc p
     where p.pronamespace = 'public'::regnamespace
       and has_function_privilege('public', p.oid, 'execute')`);
  expect(publicExec).toEqual([]);
});

test("our internal schemas are out of every client role's reach", async () => {
  const reachable = await db.sql(`
    select r.rolname || ' ' || n.nspname as grant
      from unnest(array['public', 'anon', 'authenticated', 'service_role']) r(rolname) cross join pg_namespace n
     where n.nspname in ('sambatan_private', 'sambatan_jobs')
       and has_schema_privilege(r.rolname, n.oid, 'usage')`);
  expect(reachable).toEqual([]);
  for (const who of [anon, other, boss, service]) {
    expect((await failure(db.asRole(who, "select sambatan_private.clock()"))).code).toBe("42501");
    expect((await failure(db.asRole(who, "select * from sambatan_jobs.job_executions"))).code).toBe("42501");
  }
});

test("campaign progress is published to Supabase Realtime, and only campaigns (participants carry addresses)", async () => {
  const tables = await db.sql(
    "select schemaname || '.' || tablename as t from pg_publication_tables where pubname = 'supabase_realtime' order by 1",
  );
  expect(tables.map((r) => r.t)).toEqual(["public.sambatan_campaigns"]);
  // Realtime delivers a change only to subscribers whose role may select the row.
  for (const who of [anon, other, boss]) {
    expect(await ids(who, "select id from public.sambatan_campaigns")).toContain(campaignId);
  }
});

test("metrics come from durable rows and need scheduled_job.read", async () => {
  const reader = manager(undefined, ["scheduled_job.read"]);
  const families = await db.rpc(reader, "sambatan_metrics");
  const byName = Object.fromEntries(families.map((f: any) => [f.name, f]));
  expect(Object.keys(byName)).toEqual(expect.arrayContaining([
    "sambatan_campaigns", "sambatan_slots_sold", "sambatan_participations", "sambatan_lifecycle_transitions_total",
    "sambatan_job_executions_total", "sambatan_job_duration_seconds", "sambatan_job_running",
  ]));
  const [{ sold }] = await db.sql(
    "select coalesce(sum(quantity), 0)::int as sold from public.sambatan_participants where status in ('pending_payment', 'confirmed')",
  );
  expect(byName.sambatan_slots_sold.samples[0].value).toBe(sold);
  expect((await failure(db.rpc(boss, "sambatan_metrics"))).code).toBe("SB002");
  expect((await failure(db.rpc(anon, "sambatan_metrics"))).code).toBe("42501");
  expect((await db.rpc(service, "sambatan_metrics")).length).toBe(families.length);
});
