// Personal data on real PostgreSQL with pg_cron: the redaction job is fired by the
// dispatcher pg_cron runs, and erasure works when the deleting role (Supabase Auth's
// own) has no rights on Sambatan's tables.
import { afterAll, expect, test } from "vitest";
import { buyer, connect, manager, rpc, runByPgCron } from "../helpers/pg.ts";

const sql = connect({ max: 2 });
afterAll(async () => {
  // Back to the migration's own schedule, which tests/pg/cron.test.ts checks.
  await sql`select cron.schedule('sambatan-dispatch', '* * * * *', sambatan_jobs.dispatch_command())`;
  await sql.end();
});

async function cancelledParticipation(who = buyer()) {
  const [p] = await sql`insert into public.products (name, sambatan_enabled) values ('Privasi', true) returning id`;
  const c = await rpc(sql, manager(), "create_campaign", {
    p_product_id: p.id, p_title: "Privasi", p_total_slots: 5, p_price_per_slot: 1000,
    p_deadline: new Date(Date.now() + 86_400_000).toISOString(),
  });
  const j = await rpc(sql, who, "join_campaign", { p_campaign_id: c.id, p_quantity: 1, p_shipping_address: "Jl. Kenanga 3, Bandung", p_note: "rumah biru" });
  await rpc(sql, who, "cancel_participation", { p_participation_id: j.participation.id });
  return j.participation.id as string;
}

test("pg_cron's dispatch runs the registered redaction job (triggered_by cron), which redacts what is past the retention", async () => {
  const old = await cancelledParticipation();
  const recent = await cancelledParticipation();
  // Final 40 days ago (updated_at is the participation's last change; the guard leaves it to the verbs).
  await sql`update public.sambatan_participants set updated_at = now() - interval '40 days' where id = ${old}`;
  const execution = await runByPgCron(sql, "sambatan.personal-data-redaction");
  expect(execution, "no execution within 70 s of scheduling every minute").toBeDefined();
  expect(execution).toMatchObject({ status: "succeeded", triggered_by: "cron" });
  expect(execution.result.participations_redacted).toBeGreaterThanOrEqual(1);
  const rows = await sql`select id, shipping_address, note, redacted_at is not null as redacted from public.sambatan_participants where id in (${old}, ${recent})`;
  expect(Object.fromEntries(rows.map((r) => [r.id, [r.shipping_address, r.note, r.redacted]]))).toEqual({
    [old]: [null, null, true],
    [recent]: ["Jl. Kenanga 3, Bandung", "rumah biru", false],
  });
  // The job's result and message hold counts, never the data.
  expect(JSON.stringify(execution)).not.toMatch(/Kenanga|rumah biru/);
}, 90_000);

test("deleting a user as a role with no rights on our tables (as Supabase Auth does) erases and pseudonymises", async () => {
  const who = buyer();
  const id = await cancelledParticipation(who);
  await sql`insert into auth.users (id, email) values (${who.sub}, 'sari@example.com')`;
  await sql.unsafe(`do $$ begin
    if not exists (select from pg_roles where rolname = 'sambatan_test_auth_admin') then create role sambatan_test_auth_admin nologin; end if;
  end $$`);
  await sql`grant usage on schema auth to sambatan_test_auth_admin`;
  await sql`grant select, delete on auth.users to sambatan_test_auth_admin`;
  await sql.begin(async (tx) => {
    await tx`set local role sambatan_test_auth_admin`;
    await tx`delete from auth.users where id = ${who.sub}`;
  });
  const [row] = await sql`select user_id, shipping_address, note from public.sambatan_participants where id = ${id}`;
  expect(row.user_id).not.toBe(who.sub);
  expect(row.user_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8/);
  expect([row.shipping_address, row.note]).toEqual([null, null]);
  expect(await sql`select 1 from public.sambatan_audit_logs a where a.actor = ${who.sub} or a.metadata::text like ${"%" + who.sub + "%"}`).toEqual([]);
  // The deleter gained nothing: it still cannot read our tables.
  const [grants] = await sql`select has_table_privilege('sambatan_test_auth_admin', 'public.sambatan_participants', 'select, update') as any`;
  expect(grants.any).toBe(false);
});
