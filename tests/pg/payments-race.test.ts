// The payment-timeout race on real connections: the lifecycle releasing unpaid
// reservations past their window while the provider's `paid` notifications for the
// same participations arrive (each delivered twice, as providers retry). Every
// participation must end exactly one way: paid and kept, or released with one
// late_payment refund of what it paid. Never both, never neither; invariants after.
import { afterAll, beforeAll, expect, test } from "vitest";
import { buyer, type Claims, freshDatabase, type FreshDatabase, manager, service } from "../helpers/pg.ts";
import { invariantViolationsSql } from "../helpers/invariants.ts";

const ROUNDS = Number(process.env.PAYMENT_RACE_ROUNDS ?? 60);
const MIX_ROUNDS = Number(process.env.PAYMENT_MIX_ROUNDS ?? 10);
const CAMPAIGNS = 4;
const PER_CAMPAIGN = 3;
const PRICE = 1000;
const WINDOW_MINUTES = 5;
// Past every window: the release is due for every participation of the round.
const LATER = `${WINDOW_MINUTES + 1} minutes`;

let db: FreshDatabase;
let productId: string;
beforeAll(async () => {
  db = await freshDatabase({ max: 24 });
  [{ id: productId }] = await db.sql`insert into public.products (name, sambatan_enabled) values ('Race', true) returning id`;
});
afterAll(() => db?.drop());

/** One RPC as `claims` with the SQL clock moved by `offset`, in its own transaction. */
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

test(`${ROUNDS} rounds of release racing paid notifications: each participation ends exactly one way`, async () => {
  const boss = manager();
  const tally = { kept: 0, refunded: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const participations: { id: string; amount: number }[] = [];
    for (let c = 0; c < CAMPAIGNS; c++) {
      const campaign = await call(boss, "create_campaign", {
        p_product_id: productId, p_title: `Race ${round}.${c}`, p_total_slots: PER_CAMPAIGN * 2, p_price_per_slot: PRICE,
        p_deadline: new Date(Date.now() + 86_400_000).toISOString(), p_payment_window_minutes: WINDOW_MINUTES,
      });
      for (let b = 0; b < PER_CAMPAIGN; b++) {
        const j = await call(buyer(), "join_campaign", { p_campaign_id: campaign.id, p_quantity: 2, p_shipping_address: "Jl. Race" });
        participations.push({ id: j.participation.id, amount: j.participation.amount });
      }
    }

    // Two lifecycle runners with small batches interleaved at random with two
    // deliveries of every notification, all on their own connections at once.
    const ops: (() => Promise<unknown>)[] = [
      ...participations.flatMap((p) => {
        const deliver = () => call(service, "record_payment_notification", {
          p_provider: "midtrans", p_participation_id: p.id, p_provider_transaction_id: `mt-${p.id}`,
          p_status: "settlement", p_outcome: "paid", p_amount: p.amount, p_payload: { transaction_status: "settlement" },
        }, LATER);
        return [deliver, deliver];
      }),
      () => call(service, "run_sambatan_lifecycle", { p_batch_size: 1 }, LATER),
      () => call(service, "run_sambatan_lifecycle", { p_batch_size: 2 }, LATER),
    ];
    const results = await Promise.allSettled(shuffle(ops).map((op) => op()));
    const failures = results.flatMap((r) => (r.status === "rejected" ? [String(r.reason?.code ?? r.reason)] : []));
    expect(failures, `round ${round}`).toEqual([]);
    // What the racing runners skipped (rows held by a notification) the next run releases.
    while ((await call(service, "run_sambatan_lifecycle", { p_batch_size: 100 }, LATER)).more);

    const ids = participations.map((p) => p.id);
    const rows = await db.sql`
      select p.id, p.status::text, p.cancel_reason, p.paid_amount::int as paid_amount, p.amount::int as amount,
             (select count(*)::int from public.refunds r where r.participation_id = p.id) as refunds,
             (select coalesce(sum(r.amount), 0)::int from public.refunds r
               where r.participation_id = p.id and r.reason = 'late_payment') as late_refund,
             (select count(*)::int from public.payment_events e where e.participation_id = p.id) as events
        from public.sambatan_participants p where p.id = any(${ids}::uuid[])`;
    expect(rows.length).toBe(ids.length);
    for (const r of rows) {
      // Each notification is stored once, however many times it was delivered.
      expect(r.events, `round ${round} ${r.id}`).toBe(1);
      const kept = ["paid", "confirmed"].includes(r.status) && r.paid_amount === r.amount && r.refunds === 0;
      const released = r.status === "cancelled" && r.cancel_reason === "payment_timeout" && r.paid_amount === null
        && r.refunds === 1 && r.late_refund === r.amount;
      expect({ kept, released, row: r }, `round ${round}: exactly one ending`).toMatchObject({ kept: !released, released: !kept });
      if (kept) tally.kept++;
      else tally.refunded++;
    }
    expect(await db.sql.unsafe(invariantViolationsSql), `round ${round}`).toEqual([]);
  }
  console.log(`payment race: ${tally.kept} paid and kept, ${tally.refunded} released with a refund owed`);
  // Both endings must occur, or the race was never run.
  expect(tally.kept).toBeGreaterThan(0);
  expect(tally.refunded).toBeGreaterThan(0);
}, 240_000);

test("checkouts, payments by hand, cancels, notifications, joins and lifecycle runs racing finish with no deadlock", async () => {
  const boss = manager();
  // Codes a racing call may rightly end with: the participation moved on, or the
  // campaign filled or closed, before it got its turn.
  const expected = new Set(["SB021", "SB022", "SB023", "SB024", "SB028", "SB040"]);
  for (let round = 0; round < MIX_ROUNDS; round++) {
    const campaign = await call(boss, "create_campaign", {
      p_product_id: productId, p_title: `Mix ${round}`, p_total_slots: 8, p_price_per_slot: PRICE,
      p_deadline: new Date(Date.now() + 86_400_000).toISOString(), p_payment_window_minutes: WINDOW_MINUTES,
    });
    const buyers = Array.from({ length: 8 }, () => buyer());
    const joined = await Promise.all(buyers.slice(0, 6).map((b) =>
      call(b, "join_campaign", { p_campaign_id: campaign.id, p_quantity: 1, p_shipping_address: "Jl. Mix" })
    ));
    const ids = joined.map((j) => j.participation.id as string);
    // Checkouts run at t0 (inside the window); the rest at LATER, when the release is due.
    const ops: (() => Promise<unknown>)[] = [
      ...ids.map((id, i) => () => call(buyers[i], "record_checkout", {
        p_participation_id: id, p_provider: "xendit", p_provider_transaction_id: `inv-${id}`,
        p_redirect_url: null, p_token: null, p_expires_at: null,
      })),
      ...ids.map((id, i) => () => call(buyers[i], "cancel_participation", { p_participation_id: id }, LATER)),
      ...ids.map((id) => () => call(boss, "confirm_payment", { p_participation_id: id, p_reference: "kas" }, LATER)),
      ...ids.map((id) => () => call(service, "record_payment_notification", {
        p_provider: "xendit", p_participation_id: id, p_provider_transaction_id: `inv-${id}`,
        p_status: "PAID", p_outcome: "paid", p_amount: PRICE, p_payload: {},
      }, LATER)),
      ...buyers.slice(6).map((b) => () =>
        call(b, "join_campaign", { p_campaign_id: campaign.id, p_quantity: 2, p_shipping_address: "Jl. Mix" }, LATER)),
      () => call(service, "run_sambatan_lifecycle", { p_batch_size: 5 }, LATER),
      () => call(service, "run_sambatan_lifecycle", { p_batch_size: 5 }, LATER),
    ];
    const results = await Promise.allSettled(shuffle(ops).map((op) => op()));
    const unexpected = results.flatMap((r) =>
      r.status === "rejected" && !expected.has(r.reason?.code) ? [`${r.reason?.code} ${r.reason?.message}`] : []
    );
    expect(unexpected, `round ${round}`).toEqual([]);
    while ((await call(service, "run_sambatan_lifecycle", { p_batch_size: 100 }, LATER)).more);
    expect(await db.sql.unsafe(invariantViolationsSql), `round ${round}`).toEqual([]);
  }
}, 120_000);
