// Real connections racing on a real PostgreSQL: no oversell, no deadlock, and the
// invariants hold after every run.
import { afterAll, beforeAll, expect, test } from "vitest";
import { becomeCaller, buyer, freshDatabase, type FreshDatabase, manager, rpc, service } from "../helpers/pg.ts";
import { invariantViolationsSql } from "../helpers/invariants.ts";

let db: FreshDatabase;
beforeAll(async () => { db = await freshDatabase({ max: 25 }); });
afterAll(() => db?.drop());

const EXPECTED_REJECTIONS = new Set(["SB021", "SB022", "SB024", "SB030", "SB040"]);

async function newCampaign(slots: number, deadline = new Date(Date.now() + 86_400_000), buckets = 1) {
  const [p] = await db.sql`insert into public.products (name, sambatan_enabled) values ('Race', true) returning id`;
  return rpc(db.sql, manager(), "create_campaign", {
    p_product_id: p.id, p_title: "Race", p_total_slots: slots, p_price_per_slot: 1000, p_deadline: deadline.toISOString(),
    p_slot_buckets: buckets,
  });
}

/** The campaign's fill as readers see it: its row plus the claims its slot buckets hold. */
async function exactFill(id: string) {
  const [c] = await db.sql`
    select c.status, c.filled_slots + sambatan_private.bucket_claims(c.id) as filled_slots
      from public.sambatan_campaigns c where c.id = ${id}`;
  return c;
}

const settle = <T>(p: Promise<T>) => p.then((value) => ({ ok: true as const, value }), (error) => ({ ok: false as const, error }));

// A deadlock between a bucketed join and a fold needs a commit to land between a
// locking read's snapshot and its lock, so the bucketed race runs many rounds.
test.each([
  ["one campaign row", 1, 50, 1],
  ["8 slot buckets", 8, 150, 20],
])("200 joins of random quantities racing over 25 connections sell exactly what is available (%s)", async (_, buckets, slots, rounds) => {
  for (let round = 0; round < rounds; round++) await race(buckets, slots);
}, 120_000);

async function race(buckets: number, slots: number) {
  const c = await newCampaign(slots, undefined, buckets);
  const [{ n: backends }] = await db.sql`select count(*)::int as n from pg_stat_activity where datname = current_database()`;
  const attempts = Array.from({ length: 200 }, () => ({ who: buyer(), quantity: 1 + Math.floor(Math.random() * 3) }));
  const results = await Promise.all(attempts.map((a) =>
    settle(rpc(db.sql, a.who, "join_campaign", { p_campaign_id: c.id, p_quantity: a.quantity, p_shipping_address: "Jl. Race" }))
  ));
  const [{ n: busy }] = await db.sql`select count(*)::int as n from pg_stat_activity where datname = current_database()`;
  expect(Math.max(busy, backends)).toBeGreaterThanOrEqual(20);

  const acked = results.flatMap((r, i) => (r.ok ? [{ ...attempts[i], participation: r.value.participation }] : []));
  const rejected = results.flatMap((r) => (r.ok ? [] : [r.error]));
  for (const e of rejected) expect(EXPECTED_REJECTIONS, String(e.message)).toContain(e.code);

  const campaign = await exactFill(c.id);
  const sold = acked.reduce((sum, a) => sum + a.quantity, 0);
  expect(campaign.filled_slots).toBe(sold);
  expect(sold).toBeLessThanOrEqual(slots);
  // Every rejection saw too few slots for its request, so nothing that fit was turned away.
  const [{ n: rows }] = await db.sql`select count(*)::int as n from public.sambatan_participants where campaign_id = ${c.id}`;
  expect(rows).toBe(acked.length);
  if (sold < slots) {
    for (const e of rejected) expect(e.code).toBe("SB040");
  } else {
    expect(campaign.status).toBe("locked");
  }
  const persisted = await db.sql`select id from public.sambatan_participants where campaign_id = ${c.id}`;
  expect(new Set(persisted.map((r) => r.id))).toEqual(new Set(acked.map((a) => a.participation.id)));
  expect(await db.sql.unsafe(invariantViolationsSql)).toEqual([]);
}

test.each([1, 4])("joins racing cancels and lifecycle runs finish with no deadlock and the invariants intact (slot_buckets %i)", async (buckets) => {
  const campaigns = await Promise.all([3, 5, 8, 13, 21].map((slots) => newCampaign(slots, undefined, buckets)));
  const buyers = Array.from({ length: 40 }, () => buyer());
  const errors: { code?: string; message: string }[] = [];
  const ops: Promise<unknown>[] = [];
  for (let round = 0; round < 3; round++) {
    for (const b of buyers) {
      const c = campaigns[Math.floor(Math.random() * campaigns.length)];
      ops.push(
        rpc(db.sql, b, "join_campaign", { p_campaign_id: c.id, p_quantity: 1 + (round % 2), p_shipping_address: "A" })
          .then((r) => Math.random() < 0.5
            ? rpc(db.sql, b, "cancel_participation", { p_participation_id: r.participation.id })
            : null)
          .catch((e) => errors.push(e)),
      );
    }
    ops.push(rpc(db.sql, service, "run_sambatan_lifecycle", { p_batch_size: 2 }).catch((e) => errors.push(e)));
  }
  await Promise.all(ops);
  expect(errors.filter((e) => e.code === "40P01")).toEqual([]);
  for (const e of errors) expect(["SB021", "SB022", "SB023", "SB024", "SB040"], e.message).toContain(e.code);
  await rpc(db.sql, service, "run_sambatan_lifecycle", { p_batch_size: 100 });
  expect(await db.sql.unsafe(invariantViolationsSql)).toEqual([]);
});

test("two lifecycle runners at once transition each due campaign exactly once", async () => {
  const due = await Promise.all(Array.from({ length: 40 }, () => newCampaign(2)));
  await Promise.all(due.map((c) => rpc(db.sql, buyer(), "join_campaign", { p_campaign_id: c.id, p_quantity: 2, p_shipping_address: "A" })));
  const runs = await Promise.all(Array.from({ length: 4 }, () => rpc(db.sql, service, "run_sambatan_lifecycle", { p_batch_size: 15 })));
  let fulfilled = runs.reduce((n, r) => n + r.fulfilled, 0);
  for (;;) {
    const more = await rpc(db.sql, service, "run_sambatan_lifecycle", { p_batch_size: 15 });
    fulfilled += more.fulfilled;
    if (!more.more) break;
  }
  expect(fulfilled).toBe(40);
  const ids = due.map((c) => c.id);
  const [{ n }] = await db.sql`
    select count(*)::int as n from public.sambatan_audit_logs where event = 'fulfilled' and campaign_id = any(${ids}::uuid[])`;
  expect(n).toBe(40);
  expect(await db.sql.unsafe(invariantViolationsSql)).toEqual([]);
});

test("a lock wait is bounded by lock_timeout (55P03) instead of queueing forever", async () => {
  const c = await newCampaign(10);
  const holder = db.sql.begin(async (tx) => {
    await tx`select 1 from public.sambatan_campaigns where id = ${c.id} for update`;
    await new Promise((r) => setTimeout(r, 1500));
  });
  await new Promise((r) => setTimeout(r, 200));
  const waiting = db.sql.begin(async (tx) => {
    await becomeCaller(tx, buyer(), { lock_timeout: "300ms" });
    return tx`select public.join_campaign(p_campaign_id => ${c.id}, p_quantity => 1, p_shipping_address => 'A')`;
  });
  await expect(waiting).rejects.toMatchObject({ code: "55P03" });
  await holder;
});
