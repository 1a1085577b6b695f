// Campaign rules in SQL: create_campaign's new arguments, price tiers, the buyer cap,
// the waiting list (entries, offers in order with pass-over, leave, my list, closing),
// the minimum to succeed at the deadline, the organiser's cancel and extend, and the
// waiting list's RLS. Every test ends with the invariants holding.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  anon, buyer, type Claims, enabledProduct, failure, inDays, join, manager, service, TestDb, violations,
} from "../helpers/db.ts";

let db: TestDb;
const boss = manager();
beforeAll(async () => { db = await TestDb.create(); }, 60_000);
afterAll(() => db?.close());
beforeEach(async () => {
  // Nothing open from the tests before: past every deadline all of it settles.
  db.clockOffset = "400 days";
  while ((await db.rpc(service, "run_sambatan_lifecycle", { p_batch_size: 10000 })).more);
  db.clockOffset = "0";
});

const PRICE = 1000;
interface Rules { slots?: number; window?: number; min?: number; tiers?: unknown; cap?: number; price?: number | null; deadline?: string }
async function create(r: Rules = {}, who: Claims = boss): Promise<any> {
  return db.rpc(who, "create_campaign", {
    p_product_id: await enabledProduct(db),
    p_title: "Batch Rules",
    p_total_slots: r.slots ?? 5,
    p_price_per_slot: r.price === undefined ? PRICE : r.price,
    p_deadline: r.deadline ?? inDays(3),
    ...(r.window === undefined ? {} : { p_payment_window_minutes: r.window }),
    ...(r.min === undefined ? {} : { p_min_slots: r.min }),
    ...(r.tiers === undefined ? {} : { p_price_tiers: r.tiers }),
    ...(r.cap === undefined ? {} : { p_max_slots_per_buyer: r.cap }),
  });
}
const wait = (who: Claims, id: string, q: number, extra: Record<string, unknown> = {}) =>
  join(db, who, id, q, { p_waitlist: true, ...extra });
const err = async (p: Promise<unknown>) => {
  const e = await failure(p);
  return { code: e.code, details: e.detail ? JSON.parse(e.detail) : {} };
};
const code = async (p: Promise<unknown>) => (await failure(p)).code;
const entry = async (id: string) => (await db.sql("select * from public.sambatan_waitlist_entries where id = $1", [id]))[0];
const participant = async (id: string) => (await db.sql("select * from public.sambatan_participants where id = $1", [id]))[0];
const campaignRow = async (id: string) => (await db.sql("select * from public.sambatan_campaigns where id = $1", [id]))[0];
const eventsOf = async (campaignId: string) =>
  (await db.sql("select event from public.sambatan_audit_logs where campaign_id = $1 order by id", [campaignId])).map((e) => e.event);
const lifecycle = () => db.rpc(service, "run_sambatan_lifecycle");
const cancel = (who: Claims, pid: string) => db.rpc(who, "cancel_participation", { p_participation_id: pid });
const pay = (pid: string) => db.rpc(boss, "confirm_payment", { p_participation_id: pid, p_reference: "BCA-1" });

describe("create_campaign with rules", () => {
  test("defaults: min_slots = total_slots, no tiers, no cap, never extended or cancelled", async () => {
    const c = await create({ slots: 7 });
    expect(c).toMatchObject({ min_slots: 7, price_tiers: null, max_slots_per_buyer: null, extended_at: null, cancel_reason: null });
    const got = await db.rpc(anon, "get_campaign", { p_campaign_id: c.id });
    expect(got.current_tier).toBeNull();
    expect(await violations(db)).toEqual([]);
  });

  test("stores min_slots, normalised tiers and the cap; with tiers the price may be left to the first tier", async () => {
    const c = await create({ slots: 6, min: 2, cap: 3, price: null,
      tiers: [{ up_to_slot: 2, price_per_slot: 100, extra: 1 }, { up_to_slot: 6, price_per_slot: 150 }] });
    expect(c).toMatchObject({ min_slots: 2, max_slots_per_buyer: 3, price_per_slot: 100,
      price_tiers: [{ up_to_slot: 2, price_per_slot: 100 }, { up_to_slot: 6, price_per_slot: 150 }] });
    const [created] = await db.sql("select metadata from public.sambatan_audit_logs where campaign_id = $1 and event = 'created'", [c.id]);
    expect(created.metadata).toMatchObject({ min_slots: 2, max_slots_per_buyer: 3 });
  });

  const bad: [string, Rules, string, string][] = [
    ["min 0", { min: 0 }, "min_slots", "range_1_total_slots"],
    ["min above total", { slots: 5, min: 6 }, "min_slots", "range_1_total_slots"],
    ["cap 0", { cap: 0 }, "max_slots_per_buyer", "range_1_100000"],
    ["cap huge", { cap: 100001 }, "max_slots_per_buyer", "range_1_100000"],
    ["tiers not an array", { tiers: { up_to_slot: 5 } }, "price_tiers", "array_1_20"],
    ["tiers empty", { tiers: [] }, "price_tiers", "array_1_20"],
    ["21 tiers", { slots: 21, tiers: Array.from({ length: 21 }, (_, i) => ({ up_to_slot: i + 1, price_per_slot: 5 })) }, "price_tiers", "array_1_20"],
    ["tier as text", { tiers: ["5"] }, "price_tiers", "tier_up_to_slot_and_price_per_slot"],
    ["fractional slot", { tiers: [{ up_to_slot: 2.5, price_per_slot: 1 }, { up_to_slot: 5, price_per_slot: 1 }] }, "price_tiers", "tier_up_to_slot_and_price_per_slot"],
    ["price as string", { tiers: [{ up_to_slot: 5, price_per_slot: "9" }] }, "price_tiers", "tier_up_to_slot_and_price_per_slot"],
    ["negative price", { tiers: [{ up_to_slot: 5, price_per_slot: -1 }] }, "price_tiers", "tier_up_to_slot_and_price_per_slot"],
    ["missing price", { tiers: [{ up_to_slot: 5 }] }, "price_tiers", "tier_up_to_slot_and_price_per_slot"],
    ["not ascending", { tiers: [{ up_to_slot: 3, price_per_slot: 1 }, { up_to_slot: 3, price_per_slot: 2 }, { up_to_slot: 5, price_per_slot: 2 }] }, "price_tiers", "up_to_slot_ascending"],
    ["slot 0", { tiers: [{ up_to_slot: 0, price_per_slot: 1 }, { up_to_slot: 5, price_per_slot: 2 }] }, "price_tiers", "up_to_slot_ascending"],
    ["price 0", { tiers: [{ up_to_slot: 5, price_per_slot: 0 }] }, "price_tiers", "price_range_1_1e12"],
    ["price above 1e12", { tiers: [{ up_to_slot: 5, price_per_slot: 1000000000001 }] }, "price_tiers", "price_range_1_1e12"],
    ["last below total", { slots: 5, tiers: [{ up_to_slot: 4, price_per_slot: 1 }] }, "price_tiers", "last_up_to_slot_is_total_slots"],
    ["last above total", { slots: 5, tiers: [{ up_to_slot: 6, price_per_slot: 1 }] }, "price_tiers", "last_up_to_slot_is_total_slots"],
    ["no price, no tiers", { price: null }, "price_per_slot", "range_1_1e12"],
  ];
  test.each(bad)("%s is VALIDATION_FAILED naming the field and reason, writing nothing", async (_n, rules, field, reason) => {
    const before = (await db.sql("select count(*)::int as n from public.sambatan_campaigns"))[0].n;
    expect(await err(create(rules))).toEqual({ code: "SB003", details: { field, reason } });
    expect((await db.sql("select count(*)::int as n from public.sambatan_campaigns"))[0].n).toBe(before);
  });
});

describe("price tiers", () => {
  const tiers = [{ up_to_slot: 3, price_per_slot: 100 }, { up_to_slot: 6, price_per_slot: 200 }, { up_to_slot: 10, price_per_slot: 300 }];

  test("each slot costs its tier's price when claimed; a join spanning tiers pays each at its tier, audited", async () => {
    const c = await create({ slots: 10, tiers });
    expect((await db.rpc(anon, "get_campaign", { p_campaign_id: c.id })).current_tier)
      .toEqual({ up_to_slot: 3, price_per_slot: 100, slots_left: 3 });
    const a = await join(db, buyer(), c.id, 2);
    expect(a.participation.amount).toBe(200);
    const b = await join(db, buyer(), c.id, 3); // slots 3, 4, 5
    expect(b.participation.amount).toBe(100 + 2 * 200);
    const [joined] = await db.sql("select metadata from public.sambatan_audit_logs where participation_id = $1 and event = 'joined'", [b.participation.id]);
    expect(joined.metadata.tiers).toEqual([
      { up_to_slot: 3, price_per_slot: 100, slots: 1 }, { up_to_slot: 6, price_per_slot: 200, slots: 2 },
    ]);
    expect((await db.rpc(anon, "get_campaign", { p_campaign_id: c.id })).current_tier)
      .toEqual({ up_to_slot: 6, price_per_slot: 200, slots_left: 1 });
    const d = await join(db, buyer(), c.id, 5); // slot 6, then 7..10
    expect(d.participation.amount).toBe(200 + 4 * 300);
    expect((await participant(d.participation.id)).amount).toBe(1400);
    const got = await db.rpc(anon, "get_campaign", { p_campaign_id: c.id });
    expect(got).toMatchObject({ status: "locked", current_tier: null });
    expect(await violations(db)).toEqual([]);
  });

  test("a freed slot is priced again from filled_slots; a replayed join repeats its tier price", async () => {
    const c = await create({ slots: 10, tiers });
    const who = buyer();
    const first = await join(db, who, c.id, 4, { p_idempotency_key: "tier-k" });
    expect(first.participation.amount).toBe(3 * 100 + 200);
    const again = await join(db, who, c.id, 4, { p_idempotency_key: "tier-k" });
    expect(again).toEqual({ participation: first.participation, replayed: true });
    const other = await join(db, buyer(), c.id, 1); // slot 5
    expect(other.participation.amount).toBe(200);
    await cancel(who, first.participation.id);
    expect((await join(db, buyer(), c.id, 2)).participation.amount).toBe(200); // slots 2, 3 → 100 each
    expect(await violations(db)).toEqual([]);
  });
});

describe("buyer cap", () => {
  test("a join over max_slots_per_buyer is BUYER_LIMIT_EXCEEDED with the cap; at the cap it succeeds", async () => {
    const c = await create({ slots: 10, cap: 3 });
    expect(await err(join(db, buyer(), c.id, 4))).toEqual({
      code: "SB042", details: { max_slots_per_buyer: 3, requested: 4 },
    });
    expect((await join(db, buyer(), c.id, 3)).participation.quantity).toBe(3);
    expect((await campaignRow(c.id)).filled_slots).toBe(3);
  });

  test("applies to waiting-list entries too", async () => {
    const c = await create({ slots: 2, cap: 2 });
    await join(db, buyer(), c.id, 2);
    expect((await err(wait(buyer(), c.id, 3))).details).toMatchObject({ max_slots_per_buyer: 2 });
    expect((await wait(buyer(), c.id, 2)).waitlist_entry.status).toBe("waiting");
    expect(await violations(db)).toEqual([]);
  });
});

describe("waiting list", () => {
  test("a full campaign is CAMPAIGN_FULL without the flag; with it the buyer waits, in order", async () => {
    const c = await create({ slots: 3 });
    await join(db, buyer(), c.id, 3);
    expect(await code(join(db, buyer(), c.id, 1))).toBe("SB021");
    const w1 = buyer();
    const first = await wait(w1, c.id, 2, { p_note: "merah" });
    expect(first).toEqual({
      waitlist_entry: { id: expect.any(String), campaign_id: c.id, quantity: 2, position: 1, status: "waiting", created_at: expect.any(String) },
      replayed: false,
    });
    expect((await wait(buyer(), c.id, 1)).waitlist_entry.position).toBe(2);
    const again = await err(wait(w1, c.id, 1));
    expect(again).toEqual({ code: "SB023", details: { campaign_id: c.id, waitlist_entry_id: first.waitlist_entry.id } });
    // Waiting holds the buyer's place: a direct join is ALREADY_JOINED too.
    expect(await code(join(db, w1, c.id, 1))).toBe("SB023");
    const [audit] = await db.sql("select metadata from public.sambatan_audit_logs where event = 'waitlisted' and metadata->>'entry_id' = $1", [first.waitlist_entry.id]);
    expect(audit.metadata).toMatchObject({ quantity: 2, position: 1 });
    expect(await violations(db)).toEqual([]);
  });

  test("not enough room: SLOTS_INSUFFICIENT without the flag, an entry with it; a buyer holding slots may not wait", async () => {
    const c = await create({ slots: 5 });
    const holder = buyer();
    await join(db, holder, c.id, 3);
    expect(await code(join(db, buyer(), c.id, 3))).toBe("SB040");
    expect((await wait(buyer(), c.id, 3)).waitlist_entry.position).toBe(1);
    expect(await code(wait(holder, c.id, 3))).toBe("SB023");
    // More than the campaign could ever hold never waits.
    expect(await code(wait(buyer(), c.id, 6))).toBe("SB040");
    // With room the flag changes nothing: the join claims slots.
    expect((await wait(buyer(), c.id, 2)).participation.quantity).toBe(2);
  });

  test("a closed or past-deadline campaign is refused with its usual code, flag or not", async () => {
    const c = await create({ slots: 2 });
    await db.rpc(boss, "cancel_campaign", { p_campaign_id: c.id, p_reason: "supplier gone" });
    expect(await code(wait(buyer(), c.id, 1))).toBe("SB022");
    const d = await create({ slots: 2, deadline: inDays(1) });
    db.clockOffset = "2 days";
    expect(await code(wait(buyer(), d.id, 1))).toBe("SB030");
    expect(await code(wait(buyer(), "00000000-0000-0000-0000-000000000000", 1))).toBe("SB011");
  });

  test("a cancel offers the earliest entries that fit, in order; one that does not fit keeps its place", async () => {
    const c = await create({ slots: 5 });
    const holder = buyer();
    const held = await join(db, holder, c.id, 5);
    const [w1, w2, w3] = [buyer(), buyer(), buyer()];
    const e1 = (await wait(w1, c.id, 3, { p_note: "biru", p_shipping_address: "  Jl. Kenanga 2  " })).waitlist_entry;
    const e2 = (await wait(w2, c.id, 4)).waitlist_entry;
    const e3 = (await wait(w3, c.id, 2)).waitlist_entry;
    await cancel(holder, held.participation.id);
    const [o1, o2, o3] = [await entry(e1.id), await entry(e2.id), await entry(e3.id)];
    expect([o1.status, o2.status, o3.status]).toEqual(["offered", "waiting", "offered"]);
    const p1 = await participant(o1.participation_id);
    expect(p1).toMatchObject({ user_id: w1.sub, quantity: 3, amount: 3000, status: "pending_payment",
      note: "biru", shipping_address: "Jl. Kenanga 2", payment_due_at: null });
    expect((await participant(o3.participation_id)).user_id).toBe(w3.sub);
    expect(await campaignRow(c.id)).toMatchObject({ status: "locked", filled_slots: 5 });
    expect((await eventsOf(c.id)).slice(-5)).toEqual(["cancelled", "reactivated", "waitlist_offered", "waitlist_offered", "locked"]);
    // The passed-over entry is now first, and my-waitlist shows the offer.
    const mine = await db.rpc(w2, "my_waitlist", {});
    expect(mine.items.map((i: any) => [i.id, i.position])).toEqual([[e2.id, 1]]);
    const offered = await db.rpc(w1, "my_waitlist", { p_status: "offered" });
    expect(offered.items[0]).toMatchObject({ id: e1.id, status: "offered", position: null, participation_id: o1.participation_id });
    expect(await violations(db)).toEqual([]);
  });

  test("a payment timeout's release offers the slots in the same run, with the campaign's window", async () => {
    const c = await create({ slots: 2, window: 30 });
    const late = await join(db, buyer(), c.id, 2);
    const w = buyer();
    const e = (await wait(w, c.id, 2)).waitlist_entry;
    db.clockOffset = "31 minutes";
    expect(await lifecycle()).toMatchObject({ released: 1 });
    expect((await participant(late.participation.id)).cancel_reason).toBe("payment_timeout");
    const offered = await entry(e.id);
    expect(offered.status).toBe("offered");
    const p = await participant(offered.participation_id);
    expect(p.status).toBe("pending_payment");
    const [now] = await db.sql("select (now() + interval '31 minutes' + interval '30 minutes') as due");
    expect(Math.abs(new Date(p.payment_due_at).getTime() - new Date(now.due).getTime())).toBeLessThan(60_000);
    expect(await campaignRow(c.id)).toMatchObject({ status: "locked", filled_slots: 2 });
    expect(await violations(db)).toEqual([]);
  });

  test("an offer on a tiered campaign pays its tiers, audited on the offer", async () => {
    const c = await create({ slots: 4, tiers: [{ up_to_slot: 2, price_per_slot: 10 }, { up_to_slot: 4, price_per_slot: 20 }] });
    const first = await join(db, buyer(), c.id, 2);
    await join(db, buyer(), c.id, 2);
    const e = (await wait(buyer(), c.id, 2)).waitlist_entry;
    await cancel(boss, first.participation.id); // an organiser's change frees slots 3-4 → filled 2
    const p = await participant((await entry(e.id)).participation_id);
    expect(p.amount).toBe(40);
    const [ev] = await db.sql("select metadata from public.sambatan_audit_logs where participation_id = $1 and event = 'waitlist_offered'", [p.id]);
    expect(ev.metadata).toMatchObject({ entry_id: e.id, amount: 40, tiers: [{ up_to_slot: 4, price_per_slot: 20, slots: 2 }] });
    expect(await violations(db)).toEqual([]);
  });

  test("no offer past the deadline: the slots stay free until the campaign settles and entries close", async () => {
    const c = await create({ slots: 2, deadline: inDays(1) });
    const held = await join(db, buyer(), c.id, 2);
    const e = (await wait(buyer(), c.id, 1)).waitlist_entry;
    db.clockOffset = "25 hours";
    await expect(cancel(boss, held.participation.id)).rejects.toMatchObject({ code: "SB022" }); // locked, past its deadline
    expect((await entry(e.id)).status).toBe("waiting");
    await lifecycle(); // locked without a window: fulfils at once
    expect((await entry(e.id)).status).toBe("closed");
    expect(await eventsOf(c.id)).toContain("waitlist_closed");
    expect(await violations(db)).toEqual([]);
  });

  test("leave_waitlist: the owner leaves once; others and unknown ids are NOT_FOUND; offered or left is FINAL", async () => {
    const c = await create({ slots: 1 });
    const held = await join(db, buyer(), c.id, 1);
    const [a, b] = [buyer(), buyer()];
    const ea = (await wait(a, c.id, 1)).waitlist_entry;
    const eb = (await wait(b, c.id, 1)).waitlist_entry;
    expect(await err(db.rpc(b, "leave_waitlist", { p_entry_id: ea.id }))).toEqual({ code: "SB015", details: { entry_id: ea.id } });
    expect(await code(db.rpc(a, "leave_waitlist", { p_entry_id: "00000000-0000-0000-0000-000000000000" }))).toBe("SB015");
    expect(await code(db.rpc(a, "leave_waitlist", { p_entry_id: null }))).toBe("SB003");
    expect(await code(db.rpc(anon, "leave_waitlist", { p_entry_id: ea.id }))).toBe("42501");
    const left = await db.rpc(a, "leave_waitlist", { p_entry_id: ea.id });
    expect(left).toMatchObject({ id: ea.id, status: "left", position: null, participation_id: null });
    expect(await err(db.rpc(a, "leave_waitlist", { p_entry_id: ea.id }))).toEqual({ code: "SB061", details: { entry_id: ea.id, status: "left" } });
    expect((await db.rpc(b, "my_waitlist", {})).items[0].position).toBe(1);
    await cancel(boss, held.participation.id);
    expect((await entry(eb.id)).status).toBe("offered");
    expect(await code(db.rpc(b, "leave_waitlist", { p_entry_id: eb.id }))).toBe("SB061");
    // Having left, the buyer may wait again.
    expect((await wait(a, c.id, 1)).waitlist_entry.position).toBe(1);
    expect(await violations(db)).toEqual([]);
  });

  test("my_waitlist pages newest first with a cursor and filters by status; bad input is VALIDATION_FAILED", async () => {
    const w = buyer();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await create({ slots: 1 });
      await join(db, buyer(), c.id, 1);
      ids.push((await wait(w, c.id, 1)).waitlist_entry.id);
    }
    const page1 = await db.rpc(w, "my_waitlist", { p_limit: 2 });
    expect(page1.items.map((i: any) => i.id)).toEqual([ids[2], ids[1]]);
    expect(page1.items[0]).toMatchObject({ user_id: w.sub, quantity: 1, status: "waiting", position: 1, note: null });
    const page2 = await db.rpc(w, "my_waitlist", { p_limit: 2, p_cursor: page1.next_cursor });
    expect(page2).toEqual({ items: [expect.objectContaining({ id: ids[0] })], next_cursor: null });
    await db.rpc(w, "leave_waitlist", { p_entry_id: ids[1] });
    expect((await db.rpc(w, "my_waitlist", { p_status: "left" })).items.map((i: any) => i.id)).toEqual([ids[1]]);
    expect((await db.rpc(buyer(), "my_waitlist", {})).items).toEqual([]);
    expect((await err(db.rpc(w, "my_waitlist", { p_status: "gone" }))).details).toEqual({ field: "status", reason: "waiting_offered_left_or_closed" });
    expect(await code(db.rpc(w, "my_waitlist", { p_limit: 0 }))).toBe("SB003");
    expect(await code(db.rpc(w, "my_waitlist", { p_cursor: "!!" }))).toBe("SB003");
    expect(await code(db.rpc(service, "my_waitlist", {}))).toBe("SB002"); // no buyer behind the secret key
  });

  test("campaign_waitlist pages one campaign's queue oldest first with positions, by status; managers only", async () => {
    const c = await create({ slots: 1 });
    await join(db, buyer(), c.id, 1);
    const waiters = [buyer(), buyer(), buyer()];
    const ids: string[] = [];
    for (const w of waiters) ids.push((await wait(w, c.id, 1)).waitlist_entry.id);
    const other = await create({ slots: 1 });
    await join(db, buyer(), other.id, 1);
    await wait(buyer(), other.id, 1);
    const page1 = await db.rpc(boss, "campaign_waitlist", { p_campaign_id: c.id, p_limit: 2 });
    expect(page1.items.map((i: any) => [i.id, i.position])).toEqual([[ids[0], 1], [ids[1], 2]]);
    expect(page1.items[0]).toMatchObject({ user_id: waiters[0].sub, campaign_id: c.id, status: "waiting" });
    const page2 = await db.rpc(boss, "campaign_waitlist", { p_campaign_id: c.id, p_limit: 2, p_cursor: page1.next_cursor });
    expect(page2).toEqual({ items: [expect.objectContaining({ id: ids[2], position: 3 })], next_cursor: null });
    // A leave drops the entry out of the queue: the ones behind it move up.
    await db.rpc(waiters[0], "leave_waitlist", { p_entry_id: ids[0] });
    expect((await db.rpc(boss, "campaign_waitlist", { p_campaign_id: c.id, p_status: "waiting" })).items.map((i: any) => [i.id, i.position]))
      .toEqual([[ids[1], 1], [ids[2], 2]]);
    expect((await db.rpc(boss, "campaign_waitlist", { p_campaign_id: c.id, p_status: "left" })).items).toEqual([expect.objectContaining({ id: ids[0], position: null })]);
    expect((await err(db.rpc(boss, "campaign_waitlist", { p_campaign_id: c.id, p_status: "paid" }))).details).toEqual({ field: "status", reason: "waiting_offered_left_or_closed" });
    expect(await code(db.rpc(boss, "campaign_waitlist", { p_campaign_id: crypto.randomUUID() }))).toBe("SB011");
    expect(await code(db.rpc(boss, "campaign_waitlist", { p_campaign_id: c.id, p_limit: 101 }))).toBe("SB003");
    expect(await code(db.rpc(waiters[1], "campaign_waitlist", { p_campaign_id: c.id }))).toBe("SB002");
    expect(await code(db.rpc(anon, "campaign_waitlist", { p_campaign_id: c.id }))).toBe("42501");
    expect(await violations(db)).toEqual([]);
  });

  test("an idempotent waitlist join replays its entry", async () => {
    const c = await create({ slots: 1 });
    await join(db, buyer(), c.id, 1);
    const w = buyer();
    const first = await wait(w, c.id, 1, { p_idempotency_key: "wl-1" });
    expect(await wait(w, c.id, 1, { p_idempotency_key: "wl-1" })).toEqual({ ...first, replayed: true });
    // The flag is part of the request: the same key without it is another request.
    expect(await code(join(db, w, c.id, 1, { p_idempotency_key: "wl-1" }))).toBe("SB041");
  });

  test("entries close when the campaign ends: expired at the deadline, or fulfilled", async () => {
    const c = await create({ slots: 3, deadline: inDays(1) });
    await join(db, buyer(), c.id, 2);
    const e = (await wait(buyer(), c.id, 2)).waitlist_entry;
    db.clockOffset = "2 days";
    expect(await lifecycle()).toMatchObject({ expired: 1 });
    expect((await entry(e.id)).status).toBe("closed");
    const [ev] = await db.sql("select metadata from public.sambatan_audit_logs where event = 'waitlist_closed' and metadata->>'entry_id' = $1", [e.id]);
    expect(ev.metadata).toEqual({ entry_id: e.id, quantity: 2, reason: "expired" });
    expect(await violations(db)).toEqual([]);
  });
});

describe("minimum to succeed", () => {
  test("without a window: at the deadline, kept slots reaching min_slots fulfil with what the campaign has", async () => {
    const c = await create({ slots: 10, min: 4, deadline: inDays(1) });
    const a = await join(db, buyer(), c.id, 3);
    await join(db, buyer(), c.id, 1);
    db.clockOffset = "2 days";
    expect(await lifecycle()).toMatchObject({ fulfilled: 1, expired: 0, confirmed: 2 });
    expect(await campaignRow(c.id)).toMatchObject({ status: "fulfilled", filled_slots: 4 });
    expect((await participant(a.participation.id)).status).toBe("confirmed");
    const [ev] = await db.sql("select metadata from public.sambatan_audit_logs where campaign_id = $1 and event = 'fulfilled'", [c.id]);
    expect(ev.metadata).toMatchObject({ reason: "min_slots_reached", participants_confirmed: 2 });
    expect(await violations(db)).toEqual([]);
  });

  test("below min_slots it expires and refunds as before", async () => {
    const c = await create({ slots: 10, min: 4, deadline: inDays(1) });
    const a = await join(db, buyer(), c.id, 3);
    db.clockOffset = "2 days";
    expect(await lifecycle()).toMatchObject({ fulfilled: 0, expired: 1 });
    expect((await participant(a.participation.id)).status).toBe("refunded");
    expect(await violations(db)).toEqual([]);
  });

  test("with a window only paid slots count; the unpaid are cancelled on fulfilment", async () => {
    const c = await create({ slots: 10, min: 3, window: 10080, deadline: inDays(1) });
    const paid = await join(db, buyer(), c.id, 3);
    const unpaid = await join(db, buyer(), c.id, 2);
    await pay(paid.participation.id);
    db.clockOffset = "2 days";
    expect(await lifecycle()).toMatchObject({ fulfilled: 1, confirmed: 1 });
    expect(await participant(unpaid.participation.id)).toMatchObject({ status: "cancelled", cancel_reason: "campaign_fulfilled_unpaid" });
    expect(await campaignRow(c.id)).toMatchObject({ status: "fulfilled", filled_slots: 3 });
    expect(await violations(db)).toEqual([]);
  });

  test("with a window, unpaid slots do not reach the minimum: it expires, the paid refunded", async () => {
    const c = await create({ slots: 10, min: 3, window: 10080, deadline: inDays(1) });
    const paid = await join(db, buyer(), c.id, 2);
    await join(db, buyer(), c.id, 2);
    await pay(paid.participation.id);
    db.clockOffset = "2 days";
    expect(await lifecycle()).toMatchObject({ expired: 1 });
    expect((await db.sql("select reason from public.refunds where participation_id = $1", [paid.participation.id]))[0].reason).toBe("campaign_expired");
    expect(await violations(db)).toEqual([]);
  });

  test("a campaign reaching total_slots still locks and fulfils at once", async () => {
    const c = await create({ slots: 2, min: 1 });
    await join(db, buyer(), c.id, 2);
    expect((await campaignRow(c.id)).status).toBe("locked");
    expect(await lifecycle()).toMatchObject({ fulfilled: 1 });
  });
});

describe("cancel_campaign", () => {
  test("cancels: unpaid cancelled, paid refunded (campaign_cancelled owed), waiting list closed, audited", async () => {
    const c = await create({ slots: 3, window: 60 });
    const paid = await join(db, buyer(), c.id, 2);
    const unpaid = await join(db, buyer(), c.id, 1);
    await pay(paid.participation.id);
    const e = (await wait(buyer(), c.id, 1)).waitlist_entry;
    const got = await db.rpc(boss, "cancel_campaign", { p_campaign_id: c.id, p_reason: "  pemasok batal  " });
    expect(got).toMatchObject({ status: "cancelled", cancel_reason: "pemasok batal", cancelled_at: expect.any(String) });
    expect(await participant(unpaid.participation.id)).toMatchObject({ status: "cancelled", cancel_reason: "campaign_cancelled" });
    expect((await participant(paid.participation.id)).status).toBe("refunded");
    expect(await db.sql("select reason, amount::int, status from public.refunds where participation_id = $1", [paid.participation.id]))
      .toEqual([{ reason: "campaign_cancelled", amount: 2000, status: "pending" }]);
    expect((await entry(e.id)).status).toBe("closed");
    const [ev] = await db.sql("select metadata, actor from public.sambatan_audit_logs where campaign_id = $1 and event = 'cancelled' and participation_id is null", [c.id]);
    expect(ev).toMatchObject({ actor: boss.sub, metadata: { reason: "pemasok batal", participants_refunded: 1, amount_refunded: 2000 } });
    expect(await violations(db)).toEqual([]);
  });

  test("is refused on a finished campaign, without the permission, and for bad input", async () => {
    const c = await create({ slots: 2 });
    expect(await code(db.rpc(buyer(), "cancel_campaign", { p_campaign_id: c.id, p_reason: "x" }))).toBe("SB002");
    expect(await code(db.rpc(anon, "cancel_campaign", { p_campaign_id: c.id, p_reason: "x" }))).toBe("42501");
    expect((await err(db.rpc(boss, "cancel_campaign", { p_campaign_id: c.id, p_reason: "  " }))).details).toEqual({ field: "reason", reason: "length_1_500" });
    expect(await code(db.rpc(boss, "cancel_campaign", { p_campaign_id: c.id, p_reason: "x".repeat(501) }))).toBe("SB003");
    expect(await code(db.rpc(boss, "cancel_campaign", { p_campaign_id: null, p_reason: "x" }))).toBe("SB003");
    expect(await code(db.rpc(boss, "cancel_campaign", { p_campaign_id: "00000000-0000-0000-0000-000000000000", p_reason: "x" }))).toBe("SB011");
    await db.rpc(boss, "cancel_campaign", { p_campaign_id: c.id, p_reason: "once" });
    expect(await code(db.rpc(boss, "cancel_campaign", { p_campaign_id: c.id, p_reason: "twice" }))).toBe("SB022");
    expect((await campaignRow(c.id)).cancel_reason).toBe("once");
  });
});

describe("extend_campaign", () => {
  test("moves the deadline later once, audited {from, to}; a locked campaign may be extended", async () => {
    const c = await create({ slots: 1 });
    await join(db, buyer(), c.id, 1);
    const to = new Date(new Date(c.deadline).getTime() + 10 * 86_400_000).toISOString();
    const got = await db.rpc(boss, "extend_campaign", { p_campaign_id: c.id, p_deadline: to });
    expect(got).toMatchObject({ status: "locked", deadline: to, extended_at: expect.any(String) });
    const [ev] = await db.sql("select metadata from public.sambatan_audit_logs where campaign_id = $1 and event = 'extended'", [c.id]);
    expect(ev.metadata).toEqual({ from: c.deadline, to });
    const later = new Date(new Date(to).getTime() + 86_400_000).toISOString();
    expect(await err(db.rpc(boss, "extend_campaign", { p_campaign_id: c.id, p_deadline: later })))
      .toEqual({ code: "SB062", details: { campaign_id: c.id, extended_at: got.extended_at } });
  });

  test("the new deadline is after the current one and at most 30 days past it", async () => {
    const c = await create({ slots: 2 });
    const at = (days: number) => new Date(new Date(c.deadline).getTime() + days * 86_400_000).toISOString();
    const reason = async (d: string | null) => (await err(db.rpc(boss, "extend_campaign", { p_campaign_id: c.id, p_deadline: d }))).details.reason;
    expect(await reason(at(0))).toBe("after_current_deadline");
    expect(await reason(at(-1))).toBe("after_current_deadline");
    expect(await reason(at(30.001))).toBe("at_most_30_days_later");
    expect(await reason(null)).toBe("required");
    expect((await db.rpc(boss, "extend_campaign", { p_campaign_id: c.id, p_deadline: at(30) })).deadline).toBe(at(30));
  });

  test("is refused on a finished or past-deadline campaign, without the permission, for unknown ids", async () => {
    const c = await create({ slots: 2, deadline: inDays(1) });
    const to = inDays(5);
    expect(await code(db.rpc(buyer(), "extend_campaign", { p_campaign_id: c.id, p_deadline: to }))).toBe("SB002");
    expect(await code(db.rpc(boss, "extend_campaign", { p_campaign_id: "00000000-0000-0000-0000-000000000000", p_deadline: to }))).toBe("SB011");
    db.clockOffset = "2 days";
    expect(await code(db.rpc(boss, "extend_campaign", { p_campaign_id: c.id, p_deadline: to }))).toBe("SB022");
    await lifecycle();
    expect((await err(db.rpc(boss, "extend_campaign", { p_campaign_id: c.id, p_deadline: to }))).details).toMatchObject({ status: "expired" });
    expect((await campaignRow(c.id)).extended_at).toBeNull();
  });
});

describe("waiting list RLS", () => {
  test("a buyer reads only their own entries, managers and service role all, anon nothing; nobody writes directly", async () => {
    const c = await create({ slots: 1 });
    await join(db, buyer(), c.id, 1);
    const [owner, other] = [buyer(), buyer()];
    const mine = (await wait(owner, c.id, 1)).waitlist_entry.id;
    const theirs = (await wait(other, c.id, 1)).waitlist_entry.id;
    const ids = async (who: Claims) => (await db.asRole(who, "select id from public.sambatan_waitlist_entries")).map((r: any) => r.id);
    expect(await ids(owner)).toEqual([mine]);
    expect(await ids(other)).toEqual([theirs]);
    expect(await ids(boss)).toEqual(expect.arrayContaining([mine, theirs]));
    expect(await ids(service)).toEqual(expect.arrayContaining([mine, theirs]));
    expect((await failure(db.asRole(anon, "select id from public.sambatan_waitlist_entries"))).code).toBe("42501");
    for (const who of [owner, boss, service] as Claims[]) {
      expect((await failure(db.asRole(who, "update public.sambatan_waitlist_entries set status = 'left'"))).code).toBe("42501");
      expect((await failure(db.asRole(who,
        `insert into public.sambatan_waitlist_entries (campaign_id, user_id, quantity, shipping_address) values ('${c.id}', '${owner.sub}', 1, 'x')`))).code).toBe("42501");
      expect((await failure(db.asRole(who, "delete from public.sambatan_waitlist_entries"))).code).toBe("42501");
    }
  });

  test("the guard keeps a final entry final even for the table owner", async () => {
    const c = await create({ slots: 1 });
    await join(db, buyer(), c.id, 1);
    const w = buyer();
    const id = (await wait(w, c.id, 1)).waitlist_entry.id;
    await db.rpc(w, "leave_waitlist", { p_entry_id: id });
    expect((await failure(db.sql("update public.sambatan_waitlist_entries set status = 'waiting' where id = $1", [id]))).code).toBe("SB061");
    expect((await failure(db.sql("update public.sambatan_waitlist_entries set quantity = 9 where id = $1", [id]))).code).toBe("SB061");
  });
});

test("a campaign inserted without a minimum gets total_slots, as every campaign before minimums", async () => {
  const [p] = await db.sql("select id from public.products where sambatan_enabled limit 1");
  const [row] = await db.sql(
    "insert into public.sambatan_campaigns (product_id, title, total_slots, price_per_slot, deadline) values ($1, 'Impor', 7, 1000, now() + interval '2 days') returning min_slots",
    [p.id]);
  expect(row.min_slots).toBe(7);
});
