// Load through HTTP: many buyers hitting one campaign at once through the local
// stack on real PostgreSQL (the path an app takes: supabase-js headers, the
// function, the pooled adapter, the RPC). Slots are never oversold, every 201 is
// one row, every refusal wrote nothing, and a retry storm with the same
// Idempotency-Keys changes nothing.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { invariantViolationsSql, ledgerSql } from "../helpers/invariants.ts";
import { appHeaders, call, MANAGE, outcome, type PgStack, pool, type RawAnswer, serverFailures, stackOnFreshDatabase, tableState } from "./harness.ts";
import { inDays, SEED_PRODUCTS, type Stack } from "./stack.ts";

const PRICE = 25_000;
const address = "Jl. Kenari No. 3\nBandung";

/** {"201": 50, "409 CAMPAIGN_FULL": 150}: how many answers of each kind. */
function tally(answers: RawAnswer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) out[outcome(a)] = (out[outcome(a)] ?? 0) + 1;
  return out;
}

describe("HTTP load on PostgreSQL", () => {
  let env: PgStack;
  let stack: Stack;
  let manager: Record<string, string>;

  beforeAll(async () => {
    env = await stackOnFreshDatabase();
    stack = env.stack;
    // The per-user rate limit would only add noise: every buyer here joins once or twice.
    await env.db.sql`update sambatan_private.settings set value = '0' where key = 'join_rate_limit_per_minute'`;
    manager = appHeaders(stack.publishableKey, await stack.token(randomUUID(), MANAGE));
  }, 120_000);
  afterAll(async () => {
    const failures = stack ? serverFailures(stack) : [];
    await env?.stop();
    expect(failures).toEqual([]);
  });

  async function createCampaign(totalSlots: number): Promise<string> {
    const r = await call(stack, "campaigns-create", {
      method: "POST",
      headers: manager,
      body: { product_id: SEED_PRODUCTS.kopiGayo, title: "Serbu", total_slots: totalSlots, price_per_slot: PRICE, deadline: inDays(1) },
    });
    expect(r.status, r.text).toBe(201);
    return r.json.id;
  }

  interface Buyer {
    sub: string;
    headers: Record<string, string>;
    key: string;
  }
  const buyers = async (n: number): Promise<Buyer[]> =>
    Promise.all(Array.from({ length: n }, async () => {
      const sub = randomUUID();
      return { sub, headers: appHeaders(stack.publishableKey, await stack.token(sub)), key: `muat-${randomUUID()}` };
    }));
  const join = (b: Buyer, campaignId: string, quantity = 1) =>
    call(stack, "campaign-join", {
      method: "POST",
      headers: { ...b.headers, "idempotency-key": b.key },
      body: { campaign_id: campaignId, quantity, shipping_address: address },
    });

  async function expectInvariants() {
    expect(await env.db.sql.unsafe(invariantViolationsSql)).toEqual([]);
    const [ledger] = await env.db.sql.unsafe(ledgerSql);
    expect(Number(ledger.pending) + Number(ledger.confirmed) + Number(ledger.refunded) + Number(ledger.cancelled)).toBe(Number(ledger.joined));
  }

  test("200 buyers join a 50-slot campaign at once: exactly 50 slots sold, each 201 is one row, each refusal wrote nothing", async () => {
    const campaign = await createCampaign(50);
    const crowd = await buyers(200);
    const answers = await Promise.all(crowd.map((b) => join(b, campaign)));

    expect(tally(answers)).toEqual({ "201": 50, "409 CAMPAIGN_FULL": 150 });
    const won = crowd.filter((_, i) => answers[i].status === 201);
    const lost = crowd.filter((_, i) => answers[i].status !== 201);

    const [c] = await env.db.sql`select status, filled_slots from public.sambatan_campaigns where id = ${campaign}`;
    expect(c).toEqual({ status: "locked", filled_slots: 50 });
    const rows = await env.db.sql`
      select id, user_id, quantity, amount::int as amount, status from public.sambatan_participants where campaign_id = ${campaign}`;
    // Every acknowledged join is exactly one row, for the buyer who was told so, as answered.
    expect(rows.map((r) => r.id).sort()).toEqual(answers.filter((a) => a.status === 201).map((a) => a.json.id).sort());
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const [i, b] of crowd.entries()) {
      if (answers[i].status !== 201) continue;
      expect(byId.get(answers[i].json.id)).toEqual({ id: answers[i].json.id, user_id: b.sub, quantity: 1, amount: PRICE, status: "pending_payment" });
    }
    // Refused buyers left nothing anywhere: no participant, no audit event, no idempotency record.
    const losers = lost.map((b) => b.sub);
    const [traces] = await env.db.sql`
      select (select count(*) from public.sambatan_participants where user_id = any(${losers}::uuid[]))::int as participants,
             (select count(*) from public.sambatan_audit_logs where actor = any(${losers}::uuid[]))::int as events,
             (select count(*) from sambatan_private.idempotency_keys where user_id = any(${losers}::uuid[]))::int as keys`;
    expect(traces).toEqual({ participants: 0, events: 0, keys: 0 });
    const events = await env.db.sql`
      select event, count(*)::int as n from public.sambatan_audit_logs where campaign_id = ${campaign} group by event order by event`;
    expect(events).toEqual([{ event: "created", n: 1 }, { event: "joined", n: 50 }, { event: "locked", n: 1 }]);
    const [keys] = await env.db.sql`select count(*)::int as n from sambatan_private.idempotency_keys where user_id = any(${won.map((b) => b.sub)}::uuid[]) and response is not null`;
    expect(keys.n).toBe(50);
    await expectInvariants();

    // A flaky network makes every client send the same request again, all at once.
    const before = await tableState(env.db.sql);
    const retries = await Promise.all(crowd.map((b) => join(b, campaign)));
    for (const [i, retry] of retries.entries()) {
      if (answers[i].status === 201) {
        expect(retry.status).toBe(201);
        expect(retry.headers.get("idempotent-replayed")).toBe("true");
        expect(retry.json).toEqual(answers[i].json);
      } else {
        expect(outcome(retry)).toBe("409 CAMPAIGN_FULL");
      }
    }
    expect(await tableState(env.db.sql)).toEqual(before);
  });

  test("1,000 joins spread over 10 campaigns of 40 slots, 250 in flight: each campaign sells exactly 40, no request fails", async () => {
    const campaigns = await Promise.all(Array.from({ length: 10 }, () => createCampaign(40)));
    const crowd = await buyers(1000);
    const target = (i: number) => campaigns[i % campaigns.length];
    const answers = await pool(crowd, 250, (b, i) => join(b, target(i)));

    expect(tally(answers)).toEqual({ "201": 400, "409 CAMPAIGN_FULL": 600 });
    const rows = await env.db.sql`
      select campaign_id, count(*)::int as n, array_agg(id::text order by id) as ids
        from public.sambatan_participants where campaign_id = any(${campaigns}::uuid[]) group by campaign_id`;
    for (const [k, id] of campaigns.entries()) {
      const acked = answers.filter((a, i) => i % campaigns.length === k && a.status === 201).map((a) => a.json.id).sort();
      expect(rows.find((r) => r.campaign_id === id)?.ids, `campaign ${k}`).toEqual(acked);
    }
    const filled = await env.db.sql`select filled_slots, status from public.sambatan_campaigns where id = any(${campaigns}::uuid[])`;
    expect(filled.every((c) => c.filled_slots === 40 && c.status === "locked")).toBe(true);
    await expectInvariants();
  });

  test("cancels racing joins on a full campaign: never oversold at any moment, every answer matches the rows", async () => {
    const campaign = await createCampaign(50);
    const holders = await buyers(50);
    const first = await pool(holders, 10, (b) => join(b, campaign));
    expect(tally(first)).toEqual({ "201": 50 });
    const newcomers = await buyers(120);
    // Quantities 1–3, so refusals include SLOTS_INSUFFICIENT as well as CAMPAIGN_FULL.
    const quantity = (i: number) => (i % 3) + 1;

    let watching = true;
    const seen: number[] = [];
    const watcher = (async () => {
      while (watching) {
        const r = await call(stack, "campaign-get", { headers: appHeaders(stack.publishableKey), query: { id: campaign } });
        expect(r.status).toBe(200);
        seen.push(r.json.filled_slots);
        expect(r.json.filled_slots).toBeLessThanOrEqual(50);
        expect(r.json.progress.filled_slots).toBe(r.json.filled_slots);
      }
    })();
    const [cancels, joins] = await Promise.all([
      Promise.all(holders.map((b, i) =>
        call(stack, "participation-cancel", { method: "POST", headers: b.headers, body: { participation_id: first[i].json.id } })
      )),
      Promise.all(newcomers.map((b, i) => join(b, campaign, quantity(i)))),
    ]);
    watching = false;
    await watcher;
    expect(seen.length).toBeGreaterThan(0);

    expect(tally(cancels)).toEqual({ "200": 50 });
    const joinOutcomes = Object.keys(tally(joins));
    expect(joinOutcomes.filter((o) => !["201", "409 CAMPAIGN_FULL", "422 SLOTS_INSUFFICIENT"].includes(o))).toEqual([]);
    expect(joinOutcomes).toContain("201");

    const rows = await env.db.sql`
      select id, user_id, quantity, status from public.sambatan_participants where campaign_id = ${campaign}`;
    const active = rows.filter((r) => r.status === "pending_payment");
    expect(rows.filter((r) => r.status === "cancelled").map((r) => r.id).sort()).toEqual(first.map((a) => a.json.id).sort());
    const acknowledged = joins.flatMap((a, i) => (a.status === 201 ? [{ id: a.json.id, user_id: newcomers[i].sub, quantity: quantity(i), status: "pending_payment" }] : []));
    expect(active.map((r) => ({ ...r })).sort((x, y) => x.id.localeCompare(y.id))).toEqual(acknowledged.sort((x, y) => x.id.localeCompare(y.id)));
    const refused = newcomers.filter((_, i) => joins[i].status !== 201).map((b) => b.sub);
    const [left] = await env.db.sql`select count(*)::int as n from public.sambatan_participants where user_id = any(${refused}::uuid[])`;
    expect(left.n).toBe(0);
    for (const [i, a] of joins.entries()) {
      if (a.status === 422) expect(a.json.error.details.available_slots).toBeLessThan(quantity(i));
    }

    const [c] = await env.db.sql`select status, filled_slots from public.sambatan_campaigns where id = ${campaign}`;
    const held = acknowledged.reduce((s, p) => s + p.quantity, 0);
    expect(c.filled_slots).toBe(held);
    expect(c.status).toBe(held === 50 ? "locked" : "active");
    const [events] = await env.db.sql`
      select count(*) filter (where event = 'joined')::int as joined, count(*) filter (where event = 'cancelled')::int as cancelled
        from public.sambatan_audit_logs where campaign_id = ${campaign}`;
    expect(events).toEqual({ joined: 50 + acknowledged.length, cancelled: 50 });
    await expectInvariants();
  });
});
