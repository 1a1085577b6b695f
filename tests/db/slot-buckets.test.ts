// Slot buckets (slot_buckets > 1): joins claim from bucket rows instead of the
// campaign row, and every rule of the single-row campaign still holds exactly.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { anon, buyer, enabledProduct, failure, inDays, join, manager, service, TestDb, violations } from "../helpers/db.ts";

let db: TestDb;
beforeAll(async () => { db = await TestDb.create(); }, 60_000);
afterAll(() => db?.close());
beforeEach(() => { db.clockOffset = "0"; });

const boss = manager();

async function bucketed(slots: number, buckets: number, extra: Record<string, unknown> = {}) {
  return db.rpc(boss, "create_campaign", {
    p_product_id: await enabledProduct(db),
    p_title: "Flash sale 12.12",
    p_total_slots: slots,
    p_price_per_slot: 99000,
    p_deadline: inDays(3),
    p_slot_buckets: buckets,
    ...extra,
  });
}

/** The campaign row as stored, and its buckets (slots escrowed / taken since the last fold). */
async function stored(id: string) {
  const [row] = await db.sql(
    `select c.filled_slots, c.status::text,
            coalesce((select sum(b.slots) from sambatan_private.slot_buckets b where b.campaign_id = c.id), 0)::int as escrowed,
            coalesce((select sum(b.taken) from sambatan_private.slot_buckets b where b.campaign_id = c.id), 0)::int as held,
            (select count(*) from sambatan_private.slot_buckets b where b.campaign_id = c.id)::int as buckets
       from public.sambatan_campaigns c where c.id = $1`,
    [id],
  );
  return row;
}

const read = (id: string) => db.rpc(anon, "get_campaign", { p_campaign_id: id });
const events = async (id: string) =>
  (await db.sql("select event from public.sambatan_audit_logs where campaign_id = $1 order by id", [id])).map((e) => e.event);

describe("creating a bucketed campaign", () => {
  test("slot_buckets is in the answer, the buckets exist empty, and the default is 1 with none", async () => {
    const c = await bucketed(100, 8);
    expect(c).toMatchObject({ slot_buckets: 8, filled_slots: 0, available_slots: 100 });
    expect(await stored(c.id)).toMatchObject({ buckets: 8, escrowed: 0, held: 0 });
    const plain = await db.rpc(boss, "create_campaign", {
      p_product_id: await enabledProduct(db), p_title: "Biasa", p_total_slots: 5, p_price_per_slot: 1000, p_deadline: inDays(2),
    });
    expect(plain.slot_buckets).toBe(1);
    expect((await stored(plain.id)).buckets).toBe(0);
  });

  test.each([[0, "range_1_64"], [65, "range_1_64"]])("slot_buckets %i is VALIDATION_FAILED (%s), writing nothing", async (n, reason) => {
    const before = (await db.sql("select count(*)::int as n from public.sambatan_campaigns"))[0].n;
    const e = await failure(bucketed(10, n));
    expect(e.code).toBe("SB003");
    expect(JSON.parse(e.detail!)).toEqual({ field: "slot_buckets", reason });
    expect((await db.sql("select count(*)::int as n from public.sambatan_campaigns"))[0].n).toBe(before);
  });

  test("buckets with price tiers are refused: tiers need the exact order of claims", async () => {
    const e = await failure(bucketed(10, 4, { p_price_tiers: [{ up_to_slot: 5, price_per_slot: 90000 }, { up_to_slot: 10, price_per_slot: 99000 }] }));
    expect(e.code).toBe("SB003");
    expect(JSON.parse(e.detail!)).toEqual({ field: "slot_buckets", reason: "not_with_price_tiers" });
  });
});

describe("joining a bucketed campaign", () => {
  test("joins are claimed from the buckets, reads stay exact, and the join of the last slot locks", async () => {
    const c = await bucketed(40, 4);
    for (let i = 0; i < 39; i++) await join(db, buyer(), c.id, 1);
    const s = await stored(c.id);
    // Claims sit in the buckets: the row lags, the answers do not.
    expect(s.held).toBeGreaterThan(0);
    expect(s.filled_slots + s.held).toBe(39);
    expect(await read(c.id)).toMatchObject({
      status: "active", filled_slots: 39, available_slots: 1, progress_percent: 97.5,
      progress: { filled_slots: 39, available_slots: 1, participant_count: 39 },
    });
    // A bucket never holds the last slot: the 40th join takes it on the campaign row.
    expect(s.escrowed + s.filled_slots).toBeLessThan(40);
    await join(db, buyer(), c.id, 1);
    expect(await stored(c.id)).toMatchObject({ filled_slots: 40, status: "locked", escrowed: 0, held: 0 });
    const log = await events(c.id);
    expect(log.filter((e) => e === "joined")).toHaveLength(40);
    expect(log.at(-1)).toBe("locked");
    expect(log.filter((e) => e === "locked")).toHaveLength(1);
    expect((await failure(join(db, buyer(), c.id, 1))).code).toBe("SB021");
    expect(await violations(db)).toEqual([]);
  });

  test("a quantity no bucket can hold is claimed on the campaign row, and the shortfall is exact", async () => {
    const c = await bucketed(100, 4); // at most ceil(100 / 64) = 2 slots a bucket
    await join(db, buyer(), c.id, 1);
    expect((await join(db, buyer(), c.id, 30)).participation.quantity).toBe(30);
    expect((await read(c.id)).filled_slots).toBe(31);
    const e = await failure(join(db, buyer(), c.id, 70));
    expect(e.code).toBe("SB040");
    expect(JSON.parse(e.detail!)).toMatchObject({ available_slots: 69, requested: 70 });
    expect((await read(c.id)).filled_slots).toBe(31);
    expect(await violations(db)).toEqual([]);
  });

  test("a cancel folds the buckets, frees the slots and reopens a locked campaign", async () => {
    const c = await bucketed(10, 2);
    const people = [buyer(), buyer(), buyer()];
    const joined = [];
    for (const b of people) joined.push((await join(db, b, c.id, 1)).participation);
    expect((await stored(c.id)).held).toBeGreaterThan(0);
    await db.rpc(people[1], "cancel_participation", { p_participation_id: joined[1].id });
    expect(await stored(c.id)).toMatchObject({ filled_slots: 2, held: 0, escrowed: 0 });
    expect(await read(c.id)).toMatchObject({ status: "active", filled_slots: 2 });
    for (let i = 0; i < 8; i++) await join(db, buyer(), c.id, 1);
    expect(await read(c.id)).toMatchObject({ status: "locked", filled_slots: 10 });
    await db.rpc(people[0], "cancel_participation", { p_participation_id: joined[0].id });
    expect(await read(c.id)).toMatchObject({ status: "active", filled_slots: 9 });
    expect(await violations(db)).toEqual([]);
  });

  test("a full bucketed campaign puts waiting buyers in line and offers them freed slots", async () => {
    const c = await bucketed(4, 2);
    const first = buyer();
    const p = (await join(db, first, c.id, 2)).participation;
    await join(db, buyer(), c.id, 2);
    const waiting = await join(db, buyer(), c.id, 2, { p_waitlist: true });
    expect(waiting.waitlist_entry.status).toBe("waiting");
    await db.rpc(first, "cancel_participation", { p_participation_id: p.id });
    const [entry] = await db.sql("select status::text from public.sambatan_waitlist_entries where id = $1", [waiting.waitlist_entry.id]);
    expect(entry.status).toBe("offered");
    expect(await read(c.id)).toMatchObject({ status: "locked", filled_slots: 4 });
    expect(await violations(db)).toEqual([]);
  });
});

describe("the lifecycle on bucketed campaigns", () => {
  test("a sweep counts the buckets' claims into the campaign row (what Realtime streams)", async () => {
    const c = await bucketed(50, 4); // one slot a bucket: the first join fills them, four claim from them
    for (let i = 0; i < 5; i++) await join(db, buyer(), c.id, 1);
    expect(await stored(c.id)).toMatchObject({ filled_slots: 1, held: 4 });
    await db.rpc(service, "run_sambatan_lifecycle", { p_batch_size: 10000 });
    expect(await stored(c.id)).toMatchObject({ filled_slots: 5, held: 0, escrowed: 0, status: "active" });
    expect(await violations(db)).toEqual([]);
  });

  test("unpaid reservations past their window are released, claims in buckets included", async () => {
    const c = await bucketed(50, 4, { p_payment_window_minutes: 30 });
    for (let i = 0; i < 5; i++) await join(db, buyer(), c.id, 2);
    db.clockOffset = "31 minutes";
    const run = await db.rpc(service, "run_sambatan_lifecycle", { p_batch_size: 10000 });
    expect(run.released).toBe(5);
    expect(await read(c.id)).toMatchObject({ filled_slots: 0, status: "active" });
    expect(await violations(db)).toEqual([]);
  });

  test("at the deadline every participant, bucket claims included, is settled", async () => {
    const met = await bucketed(20, 4, { p_min_slots: 3 });
    const missed = await bucketed(20, 4);
    for (let i = 0; i < 4; i++) {
      await join(db, buyer(), met.id, 1);
      await join(db, buyer(), missed.id, 1);
    }
    db.clockOffset = "4 days";
    await db.rpc(service, "run_sambatan_lifecycle", { p_batch_size: 10000 });
    const statuses = async (id: string) =>
      (await db.sql("select status::text, count(*)::int as n from public.sambatan_participants where campaign_id = $1 group by 1", [id]));
    expect(await read(met.id)).toMatchObject({ status: "fulfilled", filled_slots: 4 });
    expect(await statuses(met.id)).toEqual([{ status: "confirmed", n: 4 }]);
    expect(await read(missed.id)).toMatchObject({ status: "expired", filled_slots: 4 });
    expect(await statuses(missed.id)).toEqual([{ status: "refunded", n: 4 }]);
    expect(await stored(missed.id)).toMatchObject({ escrowed: 0, held: 0 });
    expect(await violations(db)).toEqual([]);
  });

  test("an organiser's cancel of a bucketed campaign settles every participant, bucket claims included", async () => {
    const c = await bucketed(30, 8);
    for (let i = 0; i < 5; i++) await join(db, buyer(), c.id, 1);
    expect((await stored(c.id)).held).toBe(4);
    const got = await db.rpc(boss, "cancel_campaign", { p_campaign_id: c.id, p_reason: "Stok habis dari pemasok" });
    // Nothing was paid (no window): the reservations are cancelled and give their slots back.
    expect(got).toMatchObject({ status: "cancelled", filled_slots: 0 });
    const [n] = await db.sql("select count(*)::int as n from public.sambatan_participants where campaign_id = $1 and status = 'cancelled'", [c.id]);
    expect(n.n).toBe(5);
    expect(await stored(c.id)).toMatchObject({ escrowed: 0, held: 0 });
    expect((await failure(join(db, buyer(), c.id, 1))).code).toBe("SB022");
    expect(await violations(db)).toEqual([]);
  });
});
