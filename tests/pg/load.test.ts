// Load on real PostgreSQL: 1,000 buyers join a 100-slot campaign at once over a
// pool of 50 real connections. Exactly 100 slots are sold, every acknowledged join
// is persisted exactly once, every rejected join wrote nothing, and the invariants hold.
import { afterAll, beforeAll, expect, test } from "vitest";
import postgres from "postgres";
import { becomeCaller, buyer, type Claims, databaseUrl, freshDatabase, type FreshDatabase, manager, rpc, service } from "../helpers/pg.ts";
import { invariantViolationsSql, ledgerSql } from "../helpers/invariants.ts";

const CONNECTIONS = 50;
const JOINS = 1000;
const SLOTS = 100;
const PRICE = 125_000;

let db: FreshDatabase;
beforeAll(async () => {
  db = await freshDatabase({ max: CONNECTIONS });
  // Each buyer joins once, so the per-user limit could not bite; switching it off
  // also drops its per-user advisory lock, leaving the campaign row as the only point of contention.
  await db.sql`update sambatan_private.settings set value = '0' where key = 'join_rate_limit_per_minute'`;
});
afterAll(() => db?.drop());

type Outcome = { ok: true; value: { participation: any; replayed: boolean } } | { ok: false; error: any };

/** join_campaign as `who`; `pid` is the backend that served it, whatever the outcome. */
async function join(who: Claims, campaignId: string): Promise<{ pid: number } & Outcome> {
  let pid = 0;
  try {
    const value = await db.sql.begin(async (tx) => {
      await becomeCaller(tx, who);
      [{ pid }] = await tx`select pg_backend_pid() as pid`;
      const [{ result }] = await tx`
        select public.join_campaign(p_campaign_id => ${campaignId}, p_quantity => 1, p_shipping_address => 'Jl. Beban 1000') as result`;
      return result;
    });
    return { pid, ok: true, value };
  } catch (error) {
    return { pid, ok: false, error };
  }
}

/** Polls pg_stat_activity from its own connection; resolves to the most backends seen at once in a transaction. */
function watchBackends(database: string) {
  const monitor = postgres(databaseUrl(), { max: 1, database, onnotice: () => {}, connection: { application_name: "load-monitor" } });
  let peak = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const [{ n }] = await monitor`
        select count(*)::int as n from pg_stat_activity
         where datname = current_database() and application_name = 'sambatan-tests' and state <> 'idle'`;
      peak = Math.max(peak, n);
      await new Promise((r) => setTimeout(r, 5));
    }
    await monitor.end();
    return peak;
  })();
  return { stop: () => { running = false; return done; } };
}

test(`${JOINS.toLocaleString("en")} concurrent joins over ${CONNECTIONS} connections sell exactly ${SLOTS} slots, each acknowledged join persisted once`, async () => {
  const [p] = await db.sql`insert into public.products (name, sambatan_enabled) values ('Load', true) returning id`;
  const c = await rpc(db.sql, manager(), "create_campaign", {
    p_product_id: p.id, p_title: "Flash sale", p_total_slots: SLOTS, p_price_per_slot: PRICE,
    p_deadline: new Date(Date.now() + 86_400_000).toISOString(),
  });
  const buyers = Array.from({ length: JOINS }, () => buyer());

  const watch = watchBackends(db.name);
  const started = Date.now();
  const results = await Promise.all(buyers.map((b) => join(b, c.id)));
  const elapsed = Date.now() - started;
  const peak = await watch.stop();

  // Served by 50 distinct backends, most of them busy at the same moment: real
  // parallel sessions, not one queue.
  const pids = new Set(results.map((r) => r.pid));
  expect(pids.size).toBeGreaterThanOrEqual(CONNECTIONS);
  expect(peak).toBeGreaterThanOrEqual(CONNECTIONS * 0.8);

  const acked = results.flatMap((r, i) => (r.ok ? [{ buyer: buyers[i], participation: r.value.participation }] : []));
  const rejected = results.flatMap((r, i) => (r.ok ? [] : [{ buyer: buyers[i], error: r.error }]));
  expect(acked).toHaveLength(SLOTS);
  expect(rejected).toHaveLength(JOINS - SLOTS);
  // Once the 100th slot goes the campaign is locked: every later join is CAMPAIGN_FULL.
  expect(new Set(rejected.map((r) => r.error.code))).toEqual(new Set(["SB021"]));
  for (const a of acked) {
    expect(a.participation).toMatchObject({ campaign_id: c.id, user_id: a.buyer.sub, quantity: 1, amount: PRICE, status: "pending_payment" });
  }

  const [campaign] = await db.sql`select status, filled_slots, locked_at from public.sambatan_campaigns where id = ${c.id}`;
  expect(campaign).toMatchObject({ status: "locked", filled_slots: SLOTS });
  expect(campaign.locked_at).not.toBeNull();

  // Every acknowledged join is there exactly once, with its own buyer; nothing else is.
  const persisted = await db.sql`select id, user_id from public.sambatan_participants where campaign_id = ${c.id}`;
  expect(persisted).toHaveLength(SLOTS);
  expect(new Map(persisted.map((r) => [r.id, r.user_id]))).toEqual(new Map(acked.map((a) => [a.participation.id, a.buyer.sub])));

  const joined = await db.sql`
    select participation_id, actor from public.sambatan_audit_logs where campaign_id = ${c.id} and event = 'joined'`;
  expect(new Map(joined.map((r) => [r.participation_id, r.actor]))).toEqual(new Map(acked.map((a) => [a.participation.id, a.buyer.sub])));
  const [{ locks }] = await db.sql`
    select count(*)::int as locks from public.sambatan_audit_logs where campaign_id = ${c.id} and event = 'locked'`;
  expect(locks).toBe(1);

  // Rejected joins left nothing behind: no participant, no audit row, no idempotency key.
  const losers = rejected.map((r) => r.buyer.sub);
  const [trace] = await db.sql`
    select (select count(*)::int from public.sambatan_participants where user_id = any(${losers}::uuid[])) as participants,
           (select count(*)::int from public.sambatan_audit_logs where actor = any(${losers}::uuid[])) as audits,
           (select count(*)::int from sambatan_private.idempotency_keys where user_id = any(${losers}::uuid[])) as keys`;
  expect(trace).toEqual({ participants: 0, audits: 0, keys: 0 });

  const [ledger] = await db.sql.unsafe(ledgerSql);
  expect(ledger).toMatchObject({ joined: String(SLOTS * PRICE), pending: String(SLOTS * PRICE) });
  expect(await db.sql.unsafe(invariantViolationsSql)).toEqual([]);

  // The lifecycle then fulfils exactly those 100 and charges each once.
  const run = await rpc(db.sql, service, "run_sambatan_lifecycle", { p_batch_size: 10 });
  expect(run).toEqual({ released: 0, fulfilled: 1, expired: 0, confirmed: SLOTS, refunded: 0, more: false });
  const [after] = await db.sql.unsafe(ledgerSql);
  expect(after).toMatchObject({ confirmed: String(SLOTS * PRICE), pending: "0", refunded: "0" });
  expect(await db.sql.unsafe(invariantViolationsSql)).toEqual([]);
  console.log(`load: ${JOINS} joins over ${pids.size} backends (at most ${peak} busy at once) in ${elapsed} ms`);
});

test("1,000 joins of 1–3 slots spread over 10 campaigns with cancels in flight never oversell", async () => {
  const [p] = await db.sql`insert into public.products (name, sambatan_enabled) values ('Load mix', true) returning id`;
  const campaigns = await Promise.all(Array.from({ length: 10 }, (_, i) => rpc(db.sql, manager(), "create_campaign", {
    p_product_id: p.id, p_title: `Mix ${i}`, p_total_slots: 20 + i * 10, p_price_per_slot: 1000,
    p_deadline: new Date(Date.now() + 86_400_000).toISOString(),
  })));
  const errors: string[] = [];
  const acked: { id: string; quantity: number; cancelled: boolean }[] = [];
  await Promise.all(Array.from({ length: JOINS }, async (_, i) => {
    const b = buyer();
    const c = campaigns[i % campaigns.length];
    const quantity = 1 + (i % 3);
    try {
      const r = await rpc(db.sql, b, "join_campaign", { p_campaign_id: c.id, p_quantity: quantity, p_shipping_address: "Jl. Campur" });
      const entry = { id: r.participation.id, quantity, cancelled: false };
      acked.push(entry);
      // One in five changes its mind at once, releasing slots for the joins still queued.
      if (i % 5 === 0) {
        try {
          await rpc(db.sql, b, "cancel_participation", { p_participation_id: entry.id });
          entry.cancelled = true;
        } catch (e: any) {
          errors.push(`cancel ${e.code}`);
        }
      }
    } catch (e: any) {
      errors.push(e.code);
    }
  }));
  // Only the two "no room" answers: no deadlock, no lock timeout, nothing unexpected.
  expect(errors.filter((e) => e !== "SB021" && e !== "SB040")).toEqual([]);
  const rows = await db.sql`
    select id, status, quantity from public.sambatan_participants where campaign_id = any(${campaigns.map((c) => c.id)}::uuid[])`;
  expect(rows).toHaveLength(acked.length);
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const a of acked) expect(byId.get(a.id)?.status).toBe(a.cancelled ? "cancelled" : "pending_payment");
  const sold = await db.sql`select id, total_slots, filled_slots from public.sambatan_campaigns where id = any(${campaigns.map((c) => c.id)}::uuid[])`;
  for (const s of sold) expect(s.filled_slots).toBeLessThanOrEqual(s.total_slots);
  expect(await db.sql.unsafe(invariantViolationsSql)).toEqual([]);
});
