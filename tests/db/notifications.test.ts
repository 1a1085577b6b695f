// Notifications in SQL: endpoints and their secrets, the outbox written by the audit
// trigger (only for subscribed types, never with personal fields), claims with a
// lease, backoff, dead, redelivery, job.failed and the payment reminder job.
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { buyer, campaign, failure, join, manager, service, TestDb } from "../helpers/db.ts";

let db: TestDb;
const boss = manager();
beforeAll(async () => { db = await TestDb.create(); }, 60_000);
afterAll(() => db?.close());
beforeEach(async () => {
  await db.exec("delete from public.webhook_endpoints; delete from public.notification_events;");
  await setting("webhook_retry_base_ms", 30000);
  await setting("webhook_retry_window_seconds", 86400);
});

const setting = (key: string, value: number) =>
  db.sql("update sambatan_private.settings set value = to_jsonb($2::int) where key = $1", [key, value]);
const endpoint = (types: string[], url = "https://shop.example/hooks") =>
  db.rpc(boss, "create_webhook_endpoint", { p_url: url, p_event_types: types });
const claim = (limit = 100) =>
  db.sql<{ r_delivery_id: number; r_attempt: number; r_headers: Record<string, string>; r_body: string }>(
    "select * from sambatan_private.claim_deliveries($1)", [limit]);
const record = (id: number, attempt: number, code: number | null, error: string | null = null) =>
  db.sql("select sambatan_private.record_delivery($1, $2, $3, $4, 5, 'function') as s", [id, attempt, code, error]);
/** Everything due now, as if the backoff (the delivery's and its endpoint's pause) had passed. */
const elapse = () => db.exec(`update public.webhook_deliveries set next_attempt_at = now() - interval '1 second' where status in ('pending', 'retrying');
  update sambatan_private.webhook_endpoint_health set paused_until = now() - interval '1 second';`);
const delivery = async (id: number) => (await db.sql("select * from public.webhook_deliveries where id = $1", [id]))[0];
const count = async (table: string) => (await db.sql(`select count(*)::int as n from ${table}`))[0].n;
const code = async (p: Promise<unknown>) => (await failure(p)).code;

describe("webhook endpoints", () => {
  test("create answers a whsec_ secret once; list and RLS never show it", async () => {
    const e = await endpoint(["participation.joined", "campaign.locked", "participation.joined"]);
    expect(e.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(e.event_types).toEqual(["campaign.locked", "participation.joined"]);
    const list = await db.rpc(boss, "list_webhook_endpoints");
    expect(list.items).toHaveLength(1);
    expect(JSON.stringify(list)).not.toContain(e.secret);
    expect(Object.keys(list.items[0])).not.toContain("secret");
    const other = await endpoint(["job.failed"]);
    expect(other.secret).not.toBe(e.secret);
  });

  test("bad input is VALIDATION_FAILED and writes nothing; unknown ids are WEBHOOK_ENDPOINT_NOT_FOUND", async () => {
    for (const [url, types] of [
      ["ftp://x.example", ["job.failed"]], ["not a url", ["job.failed"]], ["https://x.example", []],
      ["https://x.example", ["campaign.exploded"]], [null, ["job.failed"]], ["https://x.example", null],
      ["https://" + "a".repeat(2000), ["job.failed"]],
    ]) {
      expect(await code(db.rpc(boss, "create_webhook_endpoint", { p_url: url, p_event_types: types }))).toBe("SB003");
    }
    expect(await count("public.webhook_endpoints")).toBe(0);
    const ghost = "00000000-0000-4000-8000-000000000000";
    expect(await code(db.rpc(boss, "update_webhook_endpoint", { p_endpoint_id: ghost, p_active: false }))).toBe("SB017");
    expect(await code(db.rpc(boss, "delete_webhook_endpoint", { p_endpoint_id: ghost }))).toBe("SB017");
    expect(await code(db.rpc(boss, "redeliver_webhooks", { p_delivery_id: 999999 }))).toBe("SB018");
    expect(await code(db.rpc(boss, "redeliver_webhooks", {}))).toBe("SB003");
  });

  test("buyers are FORBIDDEN from every webhook verb", async () => {
    const e = await endpoint(["job.failed"]);
    const b = buyer();
    expect(await code(db.rpc(b, "create_webhook_endpoint", { p_url: "https://x.example", p_event_types: ["job.failed"] }))).toBe("SB002");
    expect(await code(db.rpc(b, "list_webhook_endpoints"))).toBe("SB002");
    expect(await code(db.rpc(b, "update_webhook_endpoint", { p_endpoint_id: e.id, p_active: false }))).toBe("SB002");
    expect(await code(db.rpc(b, "delete_webhook_endpoint", { p_endpoint_id: e.id }))).toBe("SB002");
    expect(await code(db.rpc(b, "list_webhook_deliveries", {}))).toBe("SB002");
    expect(await code(db.rpc(b, "redeliver_webhooks", { p_endpoint_id: e.id }))).toBe("SB002");
    expect(await db.asRole(b, "select * from public.webhook_endpoints")).toEqual([]);
  });
});

describe("outbox", () => {
  test("without a subscribed endpoint a join stores no event", async () => {
    await endpoint(["job.failed"]);
    await db.rpc(boss, "update_webhook_endpoint", { p_endpoint_id: (await endpoint(["participation.joined"])).id, p_active: false });
    const c = await campaign(db, boss, { slots: 2 });
    await join(db, buyer(), c.id, 2);
    expect(await count("public.notification_events")).toBe(0);
  });

  test("a join that fills the campaign stores participation.joined and campaign.locked, with the buyer and no personal field", async () => {
    const e = await endpoint(["participation.joined", "campaign.locked"]);
    const c = await campaign(db, boss, { slots: 2 });
    const who = buyer();
    const j = await join(db, who, c.id, 2, { p_note: "ring twice" });
    const events = await db.sql("select type, payload from public.notification_events order by type");
    expect(events.map((r) => r.type)).toEqual(["campaign.locked", "participation.joined"]);
    const joined = events[1].payload;
    expect(joined).toMatchObject({ type: "participation.joined", data: {
      campaign_id: c.id, participation_id: j.participation.id, user_id: who.sub, quantity: 2 } });
    const text = JSON.stringify(events);
    expect(text).not.toContain("Melati");
    expect(text).not.toContain("ring twice");
    const rows = await db.sql("select endpoint_id, status, attempts from public.webhook_deliveries");
    expect(rows).toEqual([{ endpoint_id: e.id, status: "pending", attempts: 0 }, { endpoint_id: e.id, status: "pending", attempts: 0 }]);
  });

  test("lifecycle, cancel and payment events map to their types", async () => {
    await endpoint(["campaign.fulfilled", "campaign.expired", "participation.released", "participation.paid", "refund.owed"]);
    const full = await campaign(db, boss, { slots: 1 });
    await join(db, buyer(), full.id, 1);
    const windowed = await campaign(db, boss, { slots: 3, window: 30 });
    const unpaid = await join(db, buyer(), windowed.id, 1);
    const paid = await join(db, buyer(), windowed.id, 1);
    await db.rpc(boss, "confirm_payment", { p_participation_id: paid.participation.id, p_reference: "cash-1" });
    db.clockOffset = "1 hour";
    await db.rpc(service, "run_sambatan_lifecycle");
    db.clockOffset = "5 days";
    await db.rpc(service, "run_sambatan_lifecycle");
    db.clockOffset = "0";
    const types = await db.sql("select type, participation_id from public.notification_events where campaign_id = any($1::uuid[])",
      [[full.id, windowed.id]]);
    expect(types.map((t) => t.type).sort()).toEqual([
      "campaign.expired", "campaign.fulfilled", "participation.paid", "participation.released", "refund.owed"]);
    expect(types.find((t) => t.type === "participation.released")!.participation_id).toBe(unpaid.participation.id);
    const paidEvent = (await db.sql("select payload from public.notification_events where type = 'participation.paid'"))[0].payload;
    expect(JSON.stringify(paidEvent)).not.toContain("cash-1");
  });

  test("campaign-level cancel, waitlist offers and deadline reminders map to their types; a buyer's own cancel is not notified", async () => {
    await endpoint(["campaign.cancelled", "waitlist.offered", "campaign.deadline_soon", "participation.released"]);
    const c = await campaign(db, boss, { slots: 5 });
    const who = buyer();
    const j = await join(db, who, c.id, 1);
    // The audit rows the organiser's cancel and the waiting list write (rules migrations).
    await db.sql(`insert into public.sambatan_audit_logs (campaign_id, participation_id, event, actor_role, metadata) values
      ($1, null, 'cancelled', 'authenticated', '{"reason": "supplier gone", "participants_refunded": 0}'),
      ($1, $2, 'cancelled', 'authenticated', '{"reason": "changed my mind", "by": "participant"}'),
      ($1, $2, 'waitlist_offered', 'system', jsonb_build_object('entry_id', gen_random_uuid(), 'user_id', gen_random_uuid(), 'quantity', 1, 'payment_reference', 'PAY-1')),
      ($1, null, 'deadline_reminder', 'system', '{"window": "24h", "deadline": "2026-12-31T00:00:00.000Z", "execution_id": 4}')`,
      [c.id, j.participation.id]);
    const rows = await db.sql("select type, user_id, payload from public.notification_events where campaign_id = $1 order by type", [c.id]);
    expect(rows.map((r) => r.type)).toEqual(["campaign.cancelled", "campaign.deadline_soon", "waitlist.offered"]);
    expect(rows[0].payload.data).toEqual({ campaign_id: c.id, reason: "supplier gone", participants_refunded: 0 });
    expect(rows[1].payload.data).toEqual({ campaign_id: c.id, window: "24h", deadline: "2026-12-31T00:00:00.000Z" });
    // The buyer comes from the participation, never from metadata; a field off the
    // allow-list (a payment reference) stays out. Personal fields never reach the audit
    // log at all: its own trigger refuses them (tests/db/personal-data.test.ts).
    expect(rows[2].user_id).toBe(who.sub);
    expect(Object.keys(rows[2].payload.data).sort()).toEqual(["campaign_id", "entry_id", "participation_id", "quantity", "user_id"]);
    expect(rows[2].payload.data.user_id).toBe(who.sub);
  });

  test("a failed job run stores job.failed in the finish transaction", async () => {
    await endpoint(["job.failed"]);
    const started = await db.rpc(service, "sambatan_start_job", { p_job: "jobs.cleanup", p_triggered_by: "manual" });
    await db.rpc(service, "sambatan_finish_job", { p_execution_id: started.id, p_error: "boom" });
    const [e] = await db.sql("select payload from public.notification_events where type = 'job.failed'");
    expect(e.payload.data).toMatchObject({ job: "jobs.cleanup", execution_id: started.id, error: "boom", will_retry: true });
  });

  test("the payment reminder job audits payment_due_soon once per participation", async () => {
    await endpoint(["participation.payment_due_soon"]);
    const c = await campaign(db, boss, { slots: 3, window: 60 });
    const j = await join(db, buyer(), c.id, 1);
    const run = async () => {
      const started = await db.rpc(service, "sambatan_start_job", { p_job: "sambatan.payment-reminders", p_triggered_by: "manual" });
      const batch = await db.rpc(service, "sambatan_run_job_batch", { p_execution_id: started.id });
      await db.rpc(service, "sambatan_finish_job", { p_execution_id: started.id });
      return batch.reminders;
    };
    expect(await run()).toBe(0);
    db.clockOffset = "31 minutes";
    expect(await run()).toBe(1);
    expect(await run()).toBe(0);
    db.clockOffset = "0";
    const [e] = await db.sql("select participation_id, payload from public.notification_events where type = 'participation.payment_due_soon'");
    expect(e.participation_id).toBe(j.participation.id);
    expect(e.payload.data.payment_due_at).toBe(j.participation.payment_due_at);
  });
});

describe("delivery", () => {
  async function oneDelivery() {
    const e = await endpoint(["participation.joined"]);
    const c = await campaign(db, boss, { slots: 5 });
    await join(db, buyer(), c.id, 1);
    return e;
  }

  test("a claim is signed as Standard Webhooks says, and verifies with the standardwebhooks package", async () => {
    const e = await oneDelivery();
    const [d] = await claim();
    const [event] = await db.sql("select id::text from public.notification_events");
    expect(d.r_headers["webhook-id"]).toBe(event.id);
    const verified = new Webhook(e.secret).verify(d.r_body, d.r_headers) as { id: string; type: string };
    expect(verified).toMatchObject({ id: event.id, type: "participation.joined" });
    const stranger = await endpoint(["job.failed"]);
    expect(() => new Webhook(stranger.secret).verify(d.r_body, d.r_headers)).toThrow();
    expect(() => new Webhook(e.secret).verify(d.r_body.replace("joined", "paid"), d.r_headers)).toThrow();
  });

  test("a claimed delivery is leased: not claimed twice, due again when its runner is lost", async () => {
    await oneDelivery();
    const [first] = await claim();
    expect(first.r_attempt).toBe(1);
    expect(await claim()).toEqual([]);
    // The runner died mid-request: nothing recorded. Once the lease runs out it is due again.
    await elapse();
    const [again] = await claim();
    expect(again).toMatchObject({ r_delivery_id: first.r_delivery_id, r_attempt: 2 });
    expect(again.r_headers["webhook-id"]).toBe(first.r_headers["webhook-id"]);
    await record(again.r_delivery_id, 2, 204);
    expect(await delivery(again.r_delivery_id)).toMatchObject({ status: "succeeded", attempts: 2, last_response_code: 204 });
  });

  test("failures back off exponentially with jitter, then die past the retry window; redelivery revives them", async () => {
    const e = await oneDelivery();
    let delays: number[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      await elapse();
      const [d] = await claim();
      expect(d.r_attempt).toBe(attempt);
      const [{ s }] = await record(d.r_delivery_id, attempt, attempt % 2 ? 500 : null, attempt % 2 ? null : "timeout");
      expect(s).toBe("retrying");
      const row = await delivery(d.r_delivery_id);
      delays.push((new Date(row.next_attempt_at).getTime() - Date.now()) / 1000);
    }
    // base 30 s × 2^(n-1), scaled by a jitter in [0.5, 1].
    delays.forEach((delay, i) => {
      expect(delay).toBeGreaterThan(30 * 2 ** i * 0.5 - 2);
      expect(delay).toBeLessThanOrEqual(30 * 2 ** i + 1);
    });
    const attempts = await db.sql("select attempt, status, response_code from public.webhook_delivery_attempts order by id");
    expect(attempts.map((a) => a.status)).toEqual(["failed", "timeout", "failed", "timeout"]);

    await setting("webhook_retry_window_seconds", 60);
    await elapse();
    const [d] = await claim();
    expect((await record(d.r_delivery_id, 5, 503))[0].s).toBe("dead");
    expect(await claim()).toEqual([]);

    const page = await db.rpc(boss, "list_webhook_deliveries", { p_endpoint_id: e.id, p_status: "dead" });
    expect(page.items).toHaveLength(1);
    expect(page.items[0].history.map((h: { status: string }) => h.status)).toEqual(["failed", "timeout", "failed", "timeout", "failed"]);
    expect(await db.rpc(boss, "redeliver_webhooks", { p_endpoint_id: e.id })).toEqual({ redelivered: 1 });
    const [revived] = await claim();
    expect(revived.r_attempt).toBe(6);
    await record(revived.r_delivery_id, 6, 200);
    expect((await delivery(revived.r_delivery_id)).status).toBe("succeeded");
    expect(await db.rpc(boss, "redeliver_webhooks", { p_endpoint_id: e.id })).toEqual({ redelivered: 0 });
    expect(await db.rpc(boss, "redeliver_webhooks", { p_delivery_id: revived.r_delivery_id })).toEqual({ redelivered: 1 });
  });

  test("a late answer of an earlier attempt succeeds the delivery; a late failure leaves the newer claim in charge", async () => {
    await oneDelivery();
    const [a1] = await claim();
    await elapse();
    const [a2] = await claim();
    expect((await record(a1.r_delivery_id, 1, 500))[0].s).toBe("pending");
    expect((await record(a2.r_delivery_id, 1, 200))[0].s).toBe("succeeded");
    expect((await record(a2.r_delivery_id, 2, 500))[0].s).toBe("succeeded");
  });

  test("a failing endpoint is paused as a whole: one probe batch per pause, all of it flowing again after a success", async () => {
    await setting("webhook_batch_size", 20);
    const e = await endpoint(["participation.joined"]);
    const c = await campaign(db, boss, { slots: 100 });
    for (let i = 0; i < 30; i++) await join(db, buyer(), c.id, 1);
    const first = await claim(20);
    expect(first).toHaveLength(20);
    for (const d of first) await record(d.r_delivery_id, d.r_attempt, null, "request failed: connection refused");
    await db.sql("update public.webhook_deliveries set next_attempt_at = now() - interval '1 second' where status in ('pending', 'retrying')");
    // Due, but their endpoint is paused: nothing is sent, not even the ten never tried.
    expect(await claim(20)).toEqual([]);
    const [pause] = await db.sql("select paused_until > now() as paused, paused_until - now() <= interval '30 seconds' as bounded from sambatan_private.webhook_endpoint_health where endpoint_id = $1", [e.id]);
    expect(pause).toEqual({ paused: true, bounded: true });
    await elapse();
    const probe = await claim(5);
    expect(probe).toHaveLength(5);
    // While the probe is out the endpoint stays paused.
    expect(await claim(20)).toEqual([]);
    await record(probe[0].r_delivery_id, probe[0].r_attempt, 200);
    expect(await db.sql("select 1 from sambatan_private.webhook_endpoint_health")).toEqual([]);
    expect(await claim(100)).toHaveLength(25);
  });

  test("deliveries of a paused endpoint die once the retry window passes, without an attempt", async () => {
    await endpoint(["participation.joined"]);
    const c = await campaign(db, boss, { slots: 5 });
    await join(db, buyer(), c.id, 1);
    await join(db, buyer(), c.id, 1);
    const [d] = await claim(1);
    await record(d.r_delivery_id, d.r_attempt, 500);
    await setting("webhook_retry_window_seconds", 1);
    await db.exec("update public.webhook_deliveries set window_started_at = now() - interval '1 minute', next_attempt_at = now() - interval '1 second'");
    expect(await claim()).toEqual([]);
    const rows = await db.sql("select status, attempts from public.webhook_deliveries order by id");
    expect(rows).toEqual([{ status: "dead", attempts: 1 }, { status: "dead", attempts: 0 }]);
  });

  test("the in-database path queues through net.http_post, records pg_net's answer on the next run, and retries a request that never got one", async () => {
    const e = await endpoint(["participation.joined"]);
    const c = await campaign(db, boss, { slots: 5 });
    await join(db, buyer(), c.id, 1);
    const run = async () => {
      const started = await db.rpc(service, "sambatan_start_job", { p_job: "notifications.deliver", p_triggered_by: "manual" });
      const batch = await db.rpc(service, "sambatan_run_job_batch", { p_execution_id: started.id });
      await db.rpc(service, "sambatan_finish_job", { p_execution_id: started.id });
      return batch;
    };
    expect(await run()).toMatchObject({ sent: 1, attempted: 0 });
    const [first] = await db.sql("select id, url, body::text as body, headers from net.http_request_queue order by id desc limit 1");
    expect(first.url).toBe("https://shop.example/hooks");
    // What pg_net sends is the jsonb's text: the signed bytes.
    expect(new Webhook(e.secret).verify(first.body, first.headers)).toMatchObject({ type: "participation.joined" });
    // No answer before the lease runs out (the worker died): recorded, and sent again.
    await db.sql("update public.webhook_deliveries set next_attempt_at = now() - interval '1 second'");
    expect(await run()).toMatchObject({ attempted: 1, delivered: 0 });
    await elapse();
    expect(await run()).toMatchObject({ sent: 1 });
    const [second] = await db.sql("select id from net.http_request_queue order by id desc limit 1");
    expect(second.id).not.toBe(first.id);
    await db.sql("insert into net._http_response (id, status_code, timed_out, created) values ($1, 202, false, now())", [second.id]);
    expect(await run()).toMatchObject({ attempted: 1, delivered: 1 });
    const attempts = await db.sql("select attempt, status, response_code, path, error from public.webhook_delivery_attempts order by id");
    expect(attempts).toEqual([
      { attempt: 1, status: "failed", response_code: null, path: "database", error: "no response from pg_net before the lease ran out" },
      { attempt: 2, status: "succeeded", response_code: 202, path: "database", error: null },
    ]);
  });

  test("cleanup deletes events past their retention once every delivery is final, keeping pending ones", async () => {
    await endpoint(["participation.joined"]);
    const c = await campaign(db, boss, { slots: 5 });
    await join(db, buyer(), c.id, 1);
    await join(db, buyer(), c.id, 1);
    const [d] = await claim(1);
    await record(d.r_delivery_id, d.r_attempt, 200);
    await db.sql("update public.notification_events set created_at = now() - interval '31 days'");
    const started = await db.rpc(service, "sambatan_start_job", { p_job: "notifications.cleanup", p_triggered_by: "manual" });
    expect(await db.rpc(service, "sambatan_run_job_batch", { p_execution_id: started.id })).toMatchObject({ events_deleted: 1 });
    await db.rpc(service, "sambatan_finish_job", { p_execution_id: started.id });
    expect(await db.sql("select status from public.webhook_deliveries")).toEqual([{ status: "pending" }]);
    expect(await count("public.webhook_delivery_attempts")).toBe(0);
  });

  test("an inactive endpoint's deliveries wait; the list pages by keyset and filters by type", async () => {
    const e = await endpoint(["participation.joined"]);
    const c = await campaign(db, boss, { slots: 5 });
    for (let i = 0; i < 3; i++) await join(db, buyer(), c.id, 1);
    await db.rpc(boss, "update_webhook_endpoint", { p_endpoint_id: e.id, p_active: false });
    expect(await claim()).toEqual([]);
    const first = await db.rpc(boss, "list_webhook_deliveries", { p_limit: 2, p_event_type: "participation.joined" });
    expect(first.items).toHaveLength(2);
    const second = await db.rpc(boss, "list_webhook_deliveries", { p_limit: 2, p_cursor: first.next_cursor });
    expect(second).toMatchObject({ next_cursor: null });
    expect(second.items).toHaveLength(1);
    expect((await db.rpc(boss, "list_webhook_deliveries", { p_event_type: "campaign.locked" })).items).toEqual([]);
    expect(await code(db.rpc(boss, "list_webhook_deliveries", { p_event_type: "nope" }))).toBe("SB003");
    await db.rpc(boss, "update_webhook_endpoint", { p_endpoint_id: e.id, p_active: true });
    expect(await claim()).toHaveLength(3);
  });
});
