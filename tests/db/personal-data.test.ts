// Personal data (UU PDP): the redaction job, erasure when Supabase deletes a user,
// my_data, and audit metadata that never carries an address, note, email or token.
// Every scenario ends with the ledger unchanged and the invariants holding.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { anon, buyer, campaign, type Claims, failure, join, manager, service, TestDb, violations } from "../helpers/db.ts";

let db: TestDb;
const boss = manager();
const ADDRESS = "Jl. Melati No. 15, Jakarta Selatan";
const NOTE = "pagar hijau, titip satpam";
beforeAll(async () => { db = await TestDb.create(); }, 60_000);
afterAll(() => db?.close());
beforeEach(async () => {
  await db.sql("update sambatan_private.settings set value = '30' where key = 'personal_data_retention_days'");
  db.clockOffset = "0";
});

/** One batch of the job's handler, at the test's clock. */
async function redact(batch = 1000) {
  const [{ r }] = await db.sql(
    "select sambatan_private.job_redact_personal_data(0, $1) as r from (select set_config('sambatan.clock_offset', $2, false)) s",
    [batch, db.clockOffset]);
  await db.sql("select set_config('sambatan.clock_offset', '0', false)");
  return r;
}
/** The ledger of some participations: everything but the personal fields. */
const ledger = (ids: string[]) => db.sql(
  `select id, campaign_id, quantity, amount, status::text, paid_amount, payment_provider, payment_reference,
          created_at, updated_at, cancelled_at, confirmed_at, refunded_at
     from public.sambatan_participants where id = any($1) order by id`, [ids]);
const row = async (id: string) => (await db.sql("select * from public.sambatan_participants where id = $1", [id]))[0];
const code = async (p: Promise<unknown>) => (await failure(p)).code;

/** One buyer with a confirmed (fulfilled), a cancelled, a refunded and an active participation. */
async function history(who: Claims & { sub: string }) {
  const full = await campaign(db, boss, { slots: 2 });
  const confirmed = (await join(db, who, full.id, 2, { p_note: NOTE, p_idempotency_key: `k-${randomUUID()}` })).participation.id;
  await db.rpc(service, "complete_sambatan_campaign", { p_campaign_id: full.id });
  const open = await campaign(db, boss, { slots: 5 });
  const cancelled = (await join(db, who, open.id, 1, { p_note: NOTE })).participation.id;
  await db.rpc(who, "cancel_participation", { p_participation_id: cancelled });
  const failing = await campaign(db, boss, { slots: 5, price: 1000, window: 60 });
  const refunded = (await join(db, who, failing.id, 1)).participation.id;
  await db.rpc(boss, "confirm_payment", { p_participation_id: refunded, p_reference: "BCA-1" });
  await db.rpc(service, "fail_sambatan_campaign", { p_campaign_id: failing.id });
  const active = (await join(db, who, open.id, 2, { p_note: NOTE })).participation.id;
  return { confirmed, cancelled, refunded, active, open: open.id };
}

describe("redaction job", () => {
  test("redacts address and note of final participations after the retention, keeping the ledger", async () => {
    const who = buyer();
    const h = await history(who);
    const final = [h.confirmed, h.cancelled, h.refunded];
    const before = await ledger([...final, h.active]);

    db.clockOffset = "29 days";
    expect(await redact()).toMatchObject({ participations_redacted: 0, done: true });
    db.clockOffset = "31 days";
    expect((await redact()).participations_redacted).toBeGreaterThanOrEqual(3);

    for (const id of final) expect(await row(id)).toMatchObject({ shipping_address: null, note: null, redacted_at: expect.any(Date) });
    expect(await row(h.active)).toMatchObject({ shipping_address: ADDRESS, note: NOTE, redacted_at: null });
    expect(await ledger([...final, h.active])).toEqual(before);
    // Audited by field name only; the values are nowhere in the audit trail.
    const events = await db.sql("select participation_id, metadata from public.sambatan_audit_logs where event = 'personal_data_redacted' and participation_id = any($1)", [final]);
    expect(events).toHaveLength(3);
    expect(events[0].metadata).toMatchObject({ fields: ["shipping_address", "note"], reason: "retention" });
    expect(await db.sql("select 1 from public.sambatan_audit_logs where metadata::text ~ $1", ["Melati|pagar hijau"])).toEqual([]);
    // Twice changes nothing.
    expect(await redact()).toMatchObject({ participations_redacted: 0, done: true });
    expect(await violations(db)).toEqual([]);
  });

  test("the retention is the personal_data_retention_days setting", async () => {
    const who = buyer();
    const c = await campaign(db, boss);
    const id = (await join(db, who, c.id, 1)).participation.id;
    await db.rpc(who, "cancel_participation", { p_participation_id: id });
    await db.sql("update sambatan_private.settings set value = '2' where key = 'personal_data_retention_days'");
    db.clockOffset = "1 day";
    await redact();
    expect((await row(id)).shipping_address).toBe(ADDRESS);
    db.clockOffset = "3 days";
    await redact();
    expect((await row(id)).shipping_address).toBeNull();
  });

  test("runs in bounded batches and says when it is done", async () => {
    const c = await campaign(db, boss);
    for (let i = 0; i < 3; i++) {
      const who = buyer();
      await db.rpc(who, "cancel_participation", { p_participation_id: (await join(db, who, c.id, 1)).participation.id });
    }
    db.clockOffset = "40 days";
    const first = await redact(2);
    expect(first).toMatchObject({ participations_redacted: 2, done: false });
    while (!(await redact(2)).done);
    expect(await db.sql("select 1 from public.sambatan_participants where campaign_id = $1 and redacted_at is null", [c.id])).toEqual([]);
  });

  test("is a registered job that the dispatcher runs", async () => {
    const [job] = await db.sql("select handler, enabled, schedule from sambatan_jobs.scheduled_jobs where name = 'sambatan.personal-data-redaction'");
    expect(job).toEqual({ handler: "job_redact_personal_data", enabled: true, schedule: "15 2 * * *" });
    const op = manager(undefined, ["scheduled_job.execute", "scheduled_job.read"]);
    const execution = await db.rpc(op, "sambatan_start_job", { p_job: "sambatan.personal-data-redaction" });
    while (!(await db.rpc(op, "sambatan_run_job_batch", { p_execution_id: execution.id })).done);
    expect(await db.rpc(op, "sambatan_finish_job", { p_execution_id: execution.id, p_error: null })).toMatchObject({ status: "succeeded" });
  });

  test("the participant guard allows exactly the redaction", async () => {
    const who = buyer();
    const c = await campaign(db, boss);
    const id = (await join(db, who, c.id, 1, { p_note: NOTE })).participation.id;
    const upd = (set: string) => code(db.sql(`update public.sambatan_participants set ${set} where id = $1`, [id]));
    expect(await upd("shipping_address = 'Jl. Lain 1'")).toBe("SB003");
    expect(await upd("note = null")).toBe("SB003");
    expect(await upd("shipping_address = null, note = null")).toBe("SB003"); // without redacted_at
    expect(await upd("shipping_address = null, note = null, redacted_at = now(), amount = amount + 1")).toBe("SB003");
    expect(await upd(`shipping_address = null, note = null, redacted_at = now(), user_id = '${randomUUID()}'`)).toBe("SB003");
    await db.sql("update public.sambatan_participants set shipping_address = null, note = null, redacted_at = now() where id = $1", [id]);
    expect(await upd("redacted_at = null, shipping_address = 'back'")).toBe("SB003");
    expect(await upd("redacted_at = now() + interval '1 day'")).toBe("SB003");
    expect(await violations(db)).toEqual([]);
  });
});

describe("erasure when Supabase deletes a user", () => {
  test("erases personal fields at once and pseudonymises every row, the ledger kept", async () => {
    const who = buyer();
    const other = buyer();
    await db.sql("insert into auth.users (id, email) values ($1, 'sari@example.com'), ($2, 'budi@example.com')", [who.sub, other.sub]);
    const h = await history(who);
    const theirs = (await join(db, other, h.open, 1, { p_note: NOTE })).participation.id;
    const c = await campaign(db, boss, { window: 60 });
    const paying = (await join(db, who, c.id, 1)).participation.id;
    await db.rpc(who, "record_checkout", {
      p_participation_id: paying, p_provider: "midtrans", p_provider_transaction_id: "snap-erase-1",
      p_redirect_url: "https://app.sandbox.midtrans.com/snap/v4/redirection/snap-erase-1", p_token: "snap-erase-1", p_expires_at: null,
    });
    const ids = [h.confirmed, h.cancelled, h.refunded, h.active, paying];
    const before = await ledger(ids);
    const refundsBefore = await db.sql("select id, amount, status, reason from public.refunds where participation_id = any($1) order by id", [ids]);

    await db.sql("delete from auth.users where id = $1", [who.sub]);

    const rows = await db.sql("select user_id, shipping_address, note, redacted_at from public.sambatan_participants where id = any($1)", [ids]);
    const pseudonym = rows[0].user_id;
    expect(pseudonym).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-/);
    for (const r of rows) expect(r).toEqual({ user_id: pseudonym, shipping_address: null, note: null, redacted_at: expect.any(Date) });
    expect(await ledger(ids)).toEqual(before);
    expect(await db.sql("select id, amount, status, reason from public.refunds where participation_id = any($1) order by id", [ids])).toEqual(refundsBefore);
    expect(await db.sql("select distinct user_id from public.refunds where participation_id = any($1)", [ids])).toEqual([{ user_id: pseudonym }]);
    // The old id is nowhere in our tables; the audit events stay, under the pseudonym.
    for (const table of ["public.sambatan_participants", "public.refunds", "public.sambatan_audit_logs", "sambatan_private.idempotency_keys", "sambatan_private.erased_users"]) {
      expect(await db.sql(`select 1 from ${table} t where t::text like '%' || $1 || '%'`, [who.sub]), table).toEqual([]);
    }
    expect((await db.sql("select count(*)::int as n from public.sambatan_audit_logs where actor = $1 and event = 'joined'", [pseudonym]))[0].n).toBe(5);
    expect((await db.sql("select count(*)::int as n from public.sambatan_audit_logs where actor = $1 and event = 'personal_data_erased'", [pseudonym]))[0].n).toBe(5);
    expect(await db.sql("select token, redirect_url from public.payment_transactions where participation_id = $1", [paying])).toEqual([{ token: null, redirect_url: null }]);
    // The other buyer is untouched; a new account can still join where the erased one holds slots.
    expect(await row(theirs)).toMatchObject({ user_id: other.sub, shipping_address: ADDRESS, note: NOTE, redacted_at: null });
    await join(db, buyer(), h.open, 1);
    // Their rows are nobody's now, through RLS too.
    const ghost = await db.rpc(who, "my_data");
    expect(ghost).toMatchObject({ participations: [], refunds: [], audit_events: [], idempotency_keys: [] });
    expect(await db.asRole(who, "select id from public.sambatan_participants where id = any($1)", [ids])).toEqual([]);
    expect(await violations(db)).toEqual([]);
  });

  test("is our own uniquely named trigger on auth.users, and a user with no rows deletes cleanly", async () => {
    const triggers = await db.sql(`select tgname, p.proname from pg_trigger t join pg_proc p on p.oid = t.tgfoid
                                     where t.tgrelid = 'auth.users'::regclass and not t.tgisinternal`);
    expect(triggers).toContainEqual({ tgname: "sambatan_erase_personal_data", proname: "on_auth_user_deleted" });
    const id = randomUUID();
    await db.sql("insert into auth.users (id) values ($1)", [id]);
    await db.sql("delete from auth.users where id = $1", [id]);
    expect((await db.sql("select counts from sambatan_private.erased_users order by erased_at desc limit 1"))[0].counts)
      .toMatchObject({ participations: 0, refunds: 0 });
  });

  test("pseudonyms change nothing else: refund and audit guards allow only the registered pseudonym", async () => {
    expect(await code(db.sql("update public.sambatan_audit_logs set actor = $1 where id = (select max(id) from public.sambatan_audit_logs)", [randomUUID()]))).toBe("42501");
    const [{ pseudonym }] = await db.sql("select pseudonym from sambatan_private.erased_users limit 1");
    expect(await code(db.sql("update public.sambatan_audit_logs set actor = $1, event = 'x' where id = (select max(id) from public.sambatan_audit_logs where actor is not null)", [pseudonym]))).toBe("42501");
    expect(await code(db.sql("update public.refunds set user_id = $1, amount = amount + 1 where id = (select id from public.refunds limit 1)", [pseudonym]))).toBe("SB060");
  });
});

describe("my_data", () => {
  test("answers everything held about the caller and nothing about anyone else", async () => {
    const who = buyer();
    const other = buyer();
    const h = await history(who);
    await join(db, other, h.open, 1, { p_note: "punya orang lain" });
    const data = await db.rpc(who, "my_data");
    expect(data.user_id).toBe(who.sub);
    expect(data.retention_days).toBe(30);
    expect(data.participations.map((p: any) => p.id).sort()).toEqual([h.confirmed, h.cancelled, h.refunded, h.active].sort());
    expect(data.participations[0]).toMatchObject({ user_id: who.sub, shipping_address: ADDRESS, campaign_title: "Batch Oktober", redacted_at: null });
    expect(data.refunds).toEqual([expect.objectContaining({ participation_id: h.refunded, user_id: who.sub, reason: "campaign_expired" })]);
    expect(data.idempotency_keys).toEqual([{ key: expect.stringMatching(/^k-/), created_at: expect.any(String), expires_at: expect.any(String) }]);
    expect(data.audit_events.map((e: any) => e.event)).toEqual(expect.arrayContaining(["joined", "cancelled", "paid", "refund_owed"]));
    // Events about them by a manager name the role, never the manager.
    expect(data.audit_events.filter((e: any) => e.actor !== null).every((e: any) => e.actor === who.sub)).toBe(true);
    expect(data.waitlist_entries).toEqual([]);
    expect(JSON.stringify(data)).not.toContain(other.sub);
    expect(JSON.stringify(data)).not.toContain("punya orang lain");
    expect(await code(db.rpc(anon, "my_data"))).toBe("42501");
    expect(await code(db.rpc(service, "my_data"))).toBe("SB002");
  });
});

describe("audit metadata", () => {
  test("no audit-writing function builds an address, note, email or token into JSON (a grep of the catalogue)", async () => {
    const offenders = await db.sql(`
      select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where n.nspname in ('public', 'sambatan_private', 'sambatan_jobs')
         and p.prosrc ~* '(insert into public\\.sambatan_audit_logs|sambatan_private\\.audit\\()'
         and p.prosrc ~* '''(shipping_address|address|note|email|token|redirect_url)''\\s*,\\s*[a-z_]+\\.?(shipping_address|note|email|token|redirect_url)'`);
    expect(offenders).toEqual([]);
  });

  test("an audit row naming a personal field is refused", async () => {
    const [{ id }] = await db.sql("select id from public.sambatan_campaigns limit 1");
    for (const key of ["shipping_address", "note", "email", "token"]) {
      expect(await code(db.sql("insert into public.sambatan_audit_logs (campaign_id, event, metadata) values ($1, 'x', $2)", [id, { [key]: "x" }]))).toBe("SB003");
    }
  });
});

test("an erased account leaves no user id in the notification outbox, and its events stay", async () => {
  await db.rpc(boss, "create_webhook_endpoint", { p_url: "https://toko.example/hooks", p_event_types: ["participation.joined"] });
  const gone = buyer();
  const c = await campaign(db, boss);
  const p = await join(db, gone, c.id, 1, { p_shipping_address: ADDRESS });
  const before = await db.sql("select id from public.notification_events where user_id = $1", [gone.sub]);
  expect(before).toHaveLength(1);
  await db.sql("insert into auth.users (id) values ($1)", [gone.sub]);
  await db.sql("delete from auth.users where id = $1", [gone.sub]);
  const [ev] = await db.sql("select user_id, payload from public.notification_events where id = $1", [before[0].id]);
  expect(ev.user_id).toBeNull();
  expect(ev.payload.data).not.toHaveProperty("user_id");
  expect(ev.payload.data.participation_id).toBe(p.participation.id);
  expect(JSON.stringify(ev.payload)).not.toContain(gone.sub);
});

describe("waiting-list entries", () => {
  test("are shown by my_data, closed and erased with the account, and redacted after their campaign ended", async () => {
    const who = buyer();
    const gone = buyer();
    const c = await campaign(db, boss, { slots: 1 });
    await join(db, buyer(), c.id, 1, { p_shipping_address: ADDRESS });
    for (const w of [who, gone]) {
      const r = await join(db, w, c.id, 1, { p_waitlist: true, p_shipping_address: ADDRESS, p_note: NOTE });
      expect(r.waitlist_entry.status).toBe("waiting");
    }
    expect((await db.rpc(who, "my_data")).waitlist_entries).toEqual([expect.objectContaining({ user_id: who.sub, shipping_address: ADDRESS })]);

    await db.sql("insert into auth.users (id) values ($1)", [gone.sub]);
    await db.sql("delete from auth.users where id = $1", [gone.sub]);
    // The erased account's entry can never be offered: closed, no address, a pseudonym.
    const erased = await db.sql(
      "select status, shipping_address, note, user_id, redacted_at is not null as redacted from public.sambatan_waitlist_entries where campaign_id = $1 and user_id <> $2",
      [c.id, who.sub]);
    expect(erased).toEqual([{ status: "closed", shipping_address: null, note: null, user_id: expect.any(String), redacted: true }]);
    expect(erased[0].user_id).not.toBe(gone.sub);
    expect(await db.sql("select 1 from sambatan_private.erased_users where pseudonym = $1", [erased[0].user_id])).toHaveLength(1);

    await db.rpc(service, "fail_sambatan_campaign", { p_campaign_id: c.id });
    db.clockOffset = "31 days";
    expect((await redact()).waitlist_entries_redacted).toBe(1);
    expect(await db.sql("select shipping_address, note, status from public.sambatan_waitlist_entries where user_id = $1", [who.sub]))
      .toEqual([{ shipping_address: null, note: null, status: "closed" }]);
    expect(await violations(db)).toEqual([]);
  });

  test("the guard still refuses any other change to a final entry", async () => {
    const c = await campaign(db, boss, { slots: 1 });
    await join(db, buyer(), c.id, 1);
    const w = buyer();
    const { waitlist_entry: entry } = await join(db, w, c.id, 1, { p_waitlist: true });
    await db.rpc(w, "leave_waitlist", { p_entry_id: entry.id });
    expect(await code(db.sql("update public.sambatan_waitlist_entries set quantity = 2 where id = $1", [entry.id]))).toBe("SB061");
    expect(await code(db.sql("update public.sambatan_waitlist_entries set shipping_address = 'x' where id = $1", [entry.id]))).toBe("SB061");
    expect(await code(db.sql("update public.sambatan_waitlist_entries set shipping_address = null, redacted_at = now(), user_id = gen_random_uuid() where id = $1", [entry.id]))).toBe("SB061");
  });
});
