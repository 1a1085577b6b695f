// The campaign rules on real connections. (1) 300 buyers race for a full campaign
// with a waiting list while holders cancel and the lifecycle releases unpaid
// reservations past their window: every answer is a participation or an entry, no
// slot is offered twice, the queue's order is kept (no earlier entry that fitted
// was skipped), the ledger adds up and the invariants hold. (2) Price tiers under
// 200 concurrent joins: the amounts add up to exactly the price of slots 1…n.
import { afterAll, beforeAll, expect, test } from "vitest";
import { buyer, type Claims, freshDatabase, type FreshDatabase, manager, service } from "../helpers/pg.ts";
import { invariantViolationsSql, ledgerSql } from "../helpers/invariants.ts";

const BUYERS = Number(process.env.RULES_RACE_BUYERS ?? 300);
const TIER_JOINS = Number(process.env.RULES_TIER_JOINS ?? 200);
const SLOTS = 24;
const WINDOW = 5;
const LATER = `${WINDOW + 1} minutes`;

let db: FreshDatabase;
let productId: string;
const boss = manager();
beforeAll(async () => {
  db = await freshDatabase({ max: 24 });
  [{ id: productId }] = await db.sql`insert into public.products (name, sambatan_enabled) values ('Rules race', true) returning id`;
});
afterAll(() => db?.drop());

function call<T = any>(claims: Claims, name: string, args: Record<string, unknown>, offset = "0"): Promise<T> {
  const keys = Object.keys(args);
  const text = `select public.${name}(${keys.map((k, i) => `${k} => $${i + 1}`).join(", ")}) as result`;
  return db.sql.begin(async (tx) => {
    await tx`select set_config('role', ${claims.role}, true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true),
                    set_config('sambatan.clock_offset', ${offset}, true)`;
    return (await tx.unsafe(text, keys.map((k) => args[k]) as never[]))[0].result;
  }) as Promise<T>;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

const create = (slots: number, extra: Record<string, unknown> = {}) =>
  call(boss, "create_campaign", {
    p_product_id: productId, p_title: "Race", p_total_slots: slots, p_price_per_slot: 1000,
    p_deadline: new Date(Date.now() + 86_400_000).toISOString(), ...extra,
  });

test(`${BUYERS} buyers race a full campaign's waiting list while cancels and timeouts free slots`, async () => {
  const c = await create(SLOTS, { p_payment_window_minutes: WINDOW });
  // Full: half the holders pay (kept unless they cancel), half never do (released).
  const holders = Array.from({ length: SLOTS }, () => buyer());
  const held: { who: Claims; id: string; paid: boolean }[] = [];
  for (const [i, who] of holders.entries()) {
    const j = await call(who, "join_campaign", { p_campaign_id: c.id, p_quantity: 1, p_shipping_address: "Jl. Awal" });
    const paid = i % 2 === 0;
    if (paid) await call(boss, "confirm_payment", { p_participation_id: j.participation.id, p_reference: `BCA-${i}` });
    held.push({ who, id: j.participation.id, paid });
  }

  const joins = Array.from({ length: BUYERS }, (_, i) => ({ who: buyer(), quantity: 1 + (i % 3) }));
  const answers: any[] = [];
  const ops: (() => Promise<unknown>)[] = [
    ...joins.map((j) => async () => {
      answers.push(await call(j.who, "join_campaign", {
        p_campaign_id: c.id, p_quantity: j.quantity, p_shipping_address: "Jl. Antre", p_waitlist: true,
      }, LATER));
    }),
    // A third of the paid holders and a third of the unpaid ones cancel.
    ...held.filter((_, i) => i % 3 === 0).map((h) => () =>
      call(h.who, "cancel_participation", { p_participation_id: h.id, p_reason: "batal" }, LATER)),
    ...Array.from({ length: 4 }, () => () => call(service, "run_sambatan_lifecycle", { p_batch_size: 5 }, LATER)),
  ];
  const results = await Promise.allSettled(shuffle(ops).map((op) => op()));
  const failures = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason?.code ?? r.reason)] : []));
  // A cancel that lost to the release of the same unpaid reservation finds it final: the only refusal allowed.
  expect(failures.filter((f) => f !== "SB024")).toEqual([]);
  while ((await call(service, "run_sambatan_lifecycle", { p_batch_size: 100 }, LATER)).more);

  // Every answer is a participation or an entry, and exists exactly once.
  expect(answers).toHaveLength(BUYERS);
  const direct = answers.filter((a) => a.participation).map((a) => a.participation.id);
  const waited = answers.filter((a) => a.waitlist_entry).map((a) => a.waitlist_entry.id);
  expect(direct.length + waited.length).toBe(BUYERS);
  const [{ n: foundDirect }] = await db.sql`select count(*)::int as n from public.sambatan_participants where id = any(${direct})`;
  const [{ n: foundEntries }] = await db.sql`select count(*)::int as n from public.sambatan_waitlist_entries where id = any(${waited})`;
  expect([foundDirect, foundEntries]).toEqual([direct.length, waited.length]);

  // Slots came free and were offered: to distinct entries, each with its own participation.
  const offered = await db.sql`
    select w.id, w.quantity, w.created_at, a.id as offer_event
      from public.sambatan_waitlist_entries w
      join public.sambatan_audit_logs a on a.participation_id = w.participation_id and a.event = 'waitlist_offered'
     where w.campaign_id = ${c.id} and w.status = 'offered'`;
  expect(offered.length).toBeGreaterThan(0);
  const [{ n: offerEvents }] = await db.sql`
    select count(*)::int as n from public.sambatan_audit_logs where campaign_id = ${c.id} and event = 'waitlist_offered'`;
  expect(offerEvents).toBe(offered.length);

  // Order: an entry made before an offered one, no larger than it, was offered before it.
  const skipped = await db.sql`
    with offered as (
      select w.id, w.quantity, w.created_at, a.id as offer_event from public.sambatan_waitlist_entries w
        join public.sambatan_audit_logs a on a.participation_id = w.participation_id and a.event = 'waitlist_offered'
       where w.campaign_id = ${c.id})
    select e.id as skipped, o.id as offered_after
      from offered o join public.sambatan_waitlist_entries e
        on e.campaign_id = ${c.id} and (e.created_at, e.id) < (o.created_at, o.id) and e.quantity <= o.quantity
      left join offered eo on eo.id = e.id
     where eo.id is null or eo.offer_event > o.offer_event`;
  expect(skipped).toEqual([]);

  // Nothing past room: the campaign holds exactly its active slots, and what waits did not fit.
  const [camp] = await db.sql`select status, filled_slots, total_slots from public.sambatan_campaigns where id = ${c.id}`;
  const [{ smallest }] = await db.sql`
    select min(quantity)::int as smallest from public.sambatan_waitlist_entries where campaign_id = ${c.id} and status = 'waiting'`;
  if (smallest !== null) expect(smallest).toBeGreaterThan(camp.total_slots - camp.filled_slots);

  const [ledger] = await db.sql.unsafe(ledgerSql);
  expect(Number(ledger.pending) + Number(ledger.confirmed) + Number(ledger.refunded) + Number(ledger.cancelled)).toBe(Number(ledger.joined));
  expect(await db.sql.unsafe(invariantViolationsSql)).toEqual([]);

  // At the end the list closes with the campaign.
  while ((await call(service, "run_sambatan_lifecycle", { p_batch_size: 100 }, "2 days")).more);
  const [{ n: stillWaiting }] = await db.sql`
    select count(*)::int as n from public.sambatan_waitlist_entries where campaign_id = ${c.id} and status = 'waiting'`;
  expect(stillWaiting).toBe(0);
  expect(await db.sql.unsafe(invariantViolationsSql)).toEqual([]);
}, 240_000);

test(`price tiers under ${TIER_JOINS} concurrent joins: the amounts are exactly the price of slots 1…n`, async () => {
  const tiers = [
    { up_to_slot: 40, price_per_slot: 500 }, { up_to_slot: 100, price_per_slot: 700 },
    { up_to_slot: 250, price_per_slot: 900 }, { up_to_slot: 500, price_per_slot: 1100 },
  ];
  const c = await create(500, { p_price_tiers: tiers });
  const results = await Promise.allSettled(Array.from({ length: TIER_JOINS }, (_, i) =>
    call(buyer(), "join_campaign", { p_campaign_id: c.id, p_quantity: 1 + (i % 3), p_shipping_address: "Jl. Tier" })));
  expect(results.filter((r) => r.status === "rejected")).toEqual([]);
  const answered = results.map((r) => (r as PromiseFulfilledResult<any>).value.participation);

  const [camp] = await db.sql`select filled_slots from public.sambatan_campaigns where id = ${c.id}`;
  const priceOf = (slot: number) => tiers.find((t) => slot <= t.up_to_slot)!.price_per_slot;
  let expected = 0;
  for (let slot = 1; slot <= camp.filled_slots; slot++) expected += priceOf(slot);
  const [{ total, n }] = await db.sql`
    select sum(amount)::bigint as total, count(*)::int as n from public.sambatan_participants where campaign_id = ${c.id}`;
  expect(n).toBe(TIER_JOINS);
  expect(Number(total)).toBe(expected);
  expect(answered.reduce((s, p) => s + p.amount, 0)).toBe(expected);
  // Each join paid the slots its claim took: the audited filled_slots is where its claim ended.
  const claims = await db.sql`
    select p.quantity, p.amount, (a.metadata->>'filled_slots')::int as upto
      from public.sambatan_participants p join public.sambatan_audit_logs a on a.participation_id = p.id and a.event = 'joined'
     where p.campaign_id = ${c.id}`;
  for (const k of claims) {
    let own = 0;
    for (let slot = k.upto - k.quantity + 1; slot <= k.upto; slot++) own += priceOf(slot);
    expect(Number(k.amount)).toBe(own);
  }
  expect(new Set(claims.map((k) => k.upto)).size).toBe(TIER_JOINS);
  expect(await db.sql.unsafe(invariantViolationsSql)).toEqual([]);
}, 120_000);
