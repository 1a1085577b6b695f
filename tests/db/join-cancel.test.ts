import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { anon, buyer, campaign, failure, join, manager, service, TestDb, violations } from "../helpers/db.ts";

let db: TestDb;
beforeAll(async () => { db = await TestDb.create(); }, 60_000);
afterAll(() => db?.close());
beforeEach(() => { db.clockOffset = "0"; });

const count = async (table: string) => (await db.sql(`select count(*)::int as n from public.${table}`))[0].n;

describe("join_campaign", () => {
  test("claims slots, charges quantity x price, audits the join", async () => {
    const c = await campaign(db, manager(), { slots: 10, price: 210000 });
    const b = buyer();
    const { participation, replayed } = await join(db, b, c.id, 3, { p_note: "warna hitam" });
    expect(replayed).toBe(false);
    expect(participation).toMatchObject({
      campaign_id: c.id, user_id: b.sub, quantity: 3, amount: 630000, status: "pending_payment",
      note: "warna hitam", cancelled_at: null, cancel_reason: null,
    });
    const got = await db.rpc(anon, "get_campaign", { p_campaign_id: c.id });
    expect(got).toMatchObject({ filled_slots: 3, available_slots: 7, progress_percent: 30, status: "active" });
    const events = await db.sql("select event, actor from public.sambatan_audit_logs where participation_id = $1", [participation.id]);
    expect(events).toEqual([{ event: "joined", actor: b.sub }]);
  });

  test("the join that fills the last slot locks the campaign (and audits it)", async () => {
    const c = await campaign(db, manager(), { slots: 10 });
    await join(db, buyer(), c.id, 3);
    await join(db, buyer(), c.id, 7);
    const got = await db.rpc(anon, "get_campaign", { p_campaign_id: c.id });
    expect(got).toMatchObject({ status: "locked", filled_slots: 10, available_slots: 0, progress_percent: 100 });
    expect(got.locked_at).not.toBeNull();
    const events = await db.sql("select event from public.sambatan_audit_logs where campaign_id = $1 order by id", [c.id]);
    expect(events.map((e) => e.event)).toEqual(["created", "joined", "joined", "locked"]);
  });

  test("quantity above the available slots is SLOTS_INSUFFICIENT (SB040) with available_slots, writing nothing", async () => {
    const c = await campaign(db, manager(), { slots: 5 });
    await join(db, buyer(), c.id, 3);
    const before = await count("sambatan_participants");
    const e = await failure(join(db, buyer(), c.id, 3));
    expect(e.code).toBe("SB040");
    expect(JSON.parse(e.detail!)).toMatchObject({ available_slots: 2 });
    expect(await count("sambatan_participants")).toBe(before);
    expect((await db.rpc(anon, "get_campaign", { p_campaign_id: c.id })).filled_slots).toBe(3);
  });

  test("a locked campaign is CAMPAIGN_FULL (SB021)", async () => {
    const c = await campaign(db, manager(), { slots: 2 });
    await join(db, buyer(), c.id, 2);
    expect((await failure(join(db, buyer(), c.id, 1))).code).toBe("SB021");
  });

  test("a fulfilled or expired campaign is CAMPAIGN_CLOSED (SB022)", async () => {
    const full = await campaign(db, manager(), { slots: 1 });
    await join(db, buyer(), full.id, 1);
    await db.rpc(service, "complete_sambatan_campaign", { p_campaign_id: full.id });
    expect((await failure(join(db, buyer(), full.id, 1))).code).toBe("SB022");
    const gone = await campaign(db);
    await db.rpc(service, "fail_sambatan_campaign", { p_campaign_id: gone.id });
    expect((await failure(join(db, buyer(), gone.id, 1))).code).toBe("SB022");
  });

  test("an active campaign past its deadline is DEADLINE_PASSED (SB030)", async () => {
    const c = await campaign(db);
    db.clockOffset = "4 days";
    expect((await failure(join(db, buyer(), c.id, 1))).code).toBe("SB030");
  });

  test("an unknown campaign is CAMPAIGN_NOT_FOUND (SB011)", async () => {
    expect((await failure(join(db, buyer(), crypto.randomUUID(), 1))).code).toBe("SB011");
  });

  test("a second active participation is ALREADY_JOINED (SB023); after cancelling the buyer may join again", async () => {
    const c = await campaign(db);
    const b = buyer();
    const first = await join(db, b, c.id, 2);
    const e = await failure(join(db, b, c.id, 1));
    expect(e.code).toBe("SB023");
    expect((await db.rpc(anon, "get_campaign", { p_campaign_id: c.id })).filled_slots).toBe(2);
    await db.rpc(b, "cancel_participation", { p_participation_id: first.participation.id });
    const again = await join(db, b, c.id, 4);
    expect(again.participation.quantity).toBe(4);
  });

  test("identity comes from the JWT: anon is refused (42501), a service key is not a buyer (SB002), no sub is SB001", async () => {
    const c = await campaign(db);
    expect((await failure(join(db, anon, c.id, 1))).code).toBe("42501");
    expect((await failure(join(db, service, c.id, 1))).code).toBe("SB002");
    expect((await failure(join(db, { role: "authenticated" }, c.id, 1))).code).toBe("SB001");
  });

  test.each([
    ["zero quantity", { p_quantity: 0 }, "quantity"],
    ["negative quantity", { p_quantity: -3 }, "quantity"],
    ["blank address", { p_shipping_address: "  " }, "shipping_address"],
    ["long address", { p_shipping_address: "x".repeat(501) }, "shipping_address"],
    ["long note", { p_note: "x".repeat(501) }, "note"],
    ["long idempotency key", { p_idempotency_key: "k".repeat(256) }, "idempotency_key"],
  ])("rejects %s with VALIDATION_FAILED (SB003)", async (_n, args, field) => {
    const c = await campaign(db);
    const before = await count("sambatan_participants");
    const e = await failure(db.rpc(buyer(), "join_campaign", {
      p_campaign_id: c.id, p_quantity: 1, p_shipping_address: "A", ...args,
    }));
    expect(e.code).toBe("SB003");
    expect(JSON.parse(e.detail!)).toMatchObject({ field });
    expect(await count("sambatan_participants")).toBe(before);
  });

  test("an Idempotency-Key replays the first response; another body is IDEMPOTENCY_KEY_REUSED (SB041)", async () => {
    const c = await campaign(db);
    const b = buyer();
    const first = await join(db, b, c.id, 2, { p_idempotency_key: "order-1" });
    const again = await join(db, b, c.id, 2, { p_idempotency_key: "order-1" });
    expect(again.replayed).toBe(true);
    expect(again.participation).toEqual(first.participation);
    expect((await db.rpc(anon, "get_campaign", { p_campaign_id: c.id })).filled_slots).toBe(2);
    expect((await failure(join(db, b, c.id, 3, { p_idempotency_key: "order-1" }))).code).toBe("SB041");
    // Keys are per user: another buyer's identical key is a new join.
    const other = await join(db, buyer(), c.id, 2, { p_idempotency_key: "order-1" });
    expect(other.replayed).toBe(false);
  });

  test("a failed request stores no key, so its retry runs again", async () => {
    const c = await campaign(db, manager(), { slots: 2 });
    const b = buyer();
    expect((await failure(join(db, b, c.id, 3, { p_idempotency_key: "k" }))).code).toBe("SB040");
    expect((await join(db, b, c.id, 2, { p_idempotency_key: "k" })).replayed).toBe(false);
  });

  test("more than the configured joins a minute is RATE_LIMITED (SB050) with retry_after_seconds; others unaffected", async () => {
    await db.sql("update sambatan_private.settings set value = '3' where key = 'join_rate_limit_per_minute'");
    try {
      const b = buyer();
      for (let i = 0; i < 3; i++) await join(db, b, (await campaign(db)).id, 1);
      const target = await campaign(db);
      const e = await failure(join(db, b, target.id, 1));
      expect(e.code).toBe("SB050");
      const details = JSON.parse(e.detail!);
      expect(details.retry_after_seconds).toBeGreaterThanOrEqual(1);
      expect(details.retry_after_seconds).toBeLessThanOrEqual(60);
      expect((await join(db, buyer(), target.id, 1)).replayed).toBe(false);
      db.clockOffset = "61 seconds";
      expect((await join(db, b, target.id, 1)).replayed).toBe(false);
    } finally {
      await db.sql("update sambatan_private.settings set value = '10' where key = 'join_rate_limit_per_minute'");
    }
  });
});

describe("cancel_participation", () => {
  test("the buyer cancels: slots released exactly once, audit written", async () => {
    const c = await campaign(db);
    const b = buyer();
    const { participation } = await join(db, b, c.id, 4);
    const cancelled = await db.rpc(b, "cancel_participation", { p_participation_id: participation.id, p_reason: "berubah pikiran" });
    expect(cancelled).toMatchObject({ status: "cancelled", cancel_reason: "berubah pikiran" });
    expect(cancelled.cancelled_at).not.toBeNull();
    expect((await db.rpc(anon, "get_campaign", { p_campaign_id: c.id })).filled_slots).toBe(0);
    const e = await failure(db.rpc(b, "cancel_participation", { p_participation_id: participation.id }));
    expect(e.code).toBe("SB024");
    expect((await db.rpc(anon, "get_campaign", { p_campaign_id: c.id })).filled_slots).toBe(0);
    expect(await violations(db)).toEqual([]);
  });

  test("cancelling in a locked campaign before its deadline reopens it (reactivated)", async () => {
    const c = await campaign(db, manager(), { slots: 5 });
    const b = buyer();
    const { participation } = await join(db, b, c.id, 2);
    await join(db, buyer(), c.id, 3);
    await db.rpc(b, "cancel_participation", { p_participation_id: participation.id });
    const got = await db.rpc(anon, "get_campaign", { p_campaign_id: c.id });
    expect(got).toMatchObject({ status: "active", filled_slots: 3, locked_at: null });
    const events = await db.sql("select event from public.sambatan_audit_logs where campaign_id = $1 order by id", [c.id]);
    expect(events.map((e) => e.event).slice(-2)).toEqual(["cancelled", "reactivated"]);
  });

  test("a locked campaign past its deadline is CAMPAIGN_CLOSED (SB022)", async () => {
    const c = await campaign(db, manager(), { slots: 2 });
    const b = buyer();
    const { participation } = await join(db, b, c.id, 2);
    db.clockOffset = "4 days";
    expect((await failure(db.rpc(b, "cancel_participation", { p_participation_id: participation.id }))).code).toBe("SB022");
  });

  test("another buyer gets PARTICIPATION_NOT_FOUND (SB012); a manager may cancel", async () => {
    const c = await campaign(db);
    const { participation } = await join(db, buyer(), c.id, 1);
    expect((await failure(db.rpc(buyer(), "cancel_participation", { p_participation_id: participation.id }))).code)
      .toBe("SB012");
    expect((await failure(db.rpc(buyer(), "cancel_participation", { p_participation_id: crypto.randomUUID() }))).code)
      .toBe("SB012");
    const done = await db.rpc(manager(), "cancel_participation", { p_participation_id: participation.id, p_reason: "fraud" });
    expect(done.status).toBe("cancelled");
  });

  test("a confirmed participation is PARTICIPATION_FINAL (SB024)", async () => {
    const c = await campaign(db, manager(), { slots: 1 });
    const b = buyer();
    const { participation } = await join(db, b, c.id, 1);
    await db.rpc(service, "run_sambatan_lifecycle");
    expect((await failure(db.rpc(b, "cancel_participation", { p_participation_id: participation.id }))).code).toBe("SB024");
  });

  test("anon may not cancel (42501); a long reason is VALIDATION_FAILED (SB003)", async () => {
    const c = await campaign(db);
    const b = buyer();
    const { participation } = await join(db, b, c.id, 1);
    expect((await failure(db.rpc(anon, "cancel_participation", { p_participation_id: participation.id }))).code).toBe("42501");
    expect((await failure(db.rpc(b, "cancel_participation", { p_participation_id: participation.id, p_reason: "x".repeat(501) }))).code)
      .toBe("SB003");
  });
});

describe("row guards", () => {
  test("progress_percent is derived from the counters and updated_at follows every change", async () => {
    const c = await campaign(db, manager(), { slots: 8 });
    db.clockOffset = "1 hour";
    const b = buyer();
    const { participation } = await join(db, b, c.id, 3);
    const [row] = await db.sql("select progress_percent::float as p, updated_at > created_at as touched from public.sambatan_campaigns where id = $1", [c.id]);
    expect(row).toEqual({ p: 37.5, touched: true });
    db.clockOffset = "2 hours";
    const cancelled = await db.rpc(b, "cancel_participation", { p_participation_id: participation.id });
    expect(cancelled.updated_at > participation.updated_at).toBe(true);
    expect((await failure(db.sql("update public.sambatan_campaigns set progress_percent = 1 where id = $1", [c.id]))).code)
      .toBe("428C9");
  });

  test("a participation's amounts never change and final statuses stay final, even for the superuser", async () => {
    const c = await campaign(db);
    const { participation } = await join(db, buyer(), c.id, 2);
    expect((await failure(db.sql("update public.sambatan_participants set amount = 1 where id = $1", [participation.id]))).code)
      .toBe("SB003");
    await db.sql("update public.sambatan_participants set status = 'cancelled' where id = $1", [participation.id]);
    expect((await failure(db.sql("update public.sambatan_participants set status = 'pending_payment' where id = $1", [participation.id]))).code)
      .toBe("SB024");
    // The raw status change above bypassed the slot release; restore the ledger for later tests.
    await db.sql("update public.sambatan_campaigns set filled_slots = filled_slots - 2 where id = $1", [c.id]);
    expect(await violations(db)).toEqual([]);
  });
});
