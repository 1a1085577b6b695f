// Idempotent joins at the RPC level (p_idempotency_key), on real PostgreSQL with
// real connections: a retry of the same request replays the first answer, a key
// reused for another body is refused, simultaneous retries make one participant,
// a failed request stores nothing, and keys are purged after their retention.
import { afterAll, beforeAll, expect, test } from "vitest";
import { asUser, buyer, type Claims, freshDatabase, type FreshDatabase, manager, rpc } from "../helpers/pg.ts";
import { invariantViolationsSql } from "../helpers/invariants.ts";

let db: FreshDatabase;
beforeAll(async () => { db = await freshDatabase({ max: 12 }); });
afterAll(() => db?.drop());

const ADDRESS = "Jl. Kenanga No. 7, Bandung";

async function newCampaign(slots = 10) {
  const [p] = await db.sql`insert into public.products (name, sambatan_enabled) values ('Idem', true) returning id`;
  return rpc(db.sql, manager(), "create_campaign", {
    p_product_id: p.id, p_title: "Idem", p_total_slots: slots, p_price_per_slot: 5000,
    p_deadline: new Date(Date.now() + 86_400_000).toISOString(),
  });
}

function join(who: Claims, campaignId: string, quantity: number, key?: string, extra: Record<string, unknown> = {}) {
  return rpc(db.sql, who, "join_campaign", {
    p_campaign_id: campaignId, p_quantity: quantity, p_shipping_address: ADDRESS,
    ...(key === undefined ? {} : { p_idempotency_key: key }), ...extra,
  });
}

const settle = <T>(p: Promise<T>) => p.then((value) => ({ ok: true as const, value }), (error) => ({ ok: false as const, error }));

async function rows(campaignId: string) {
  const [r] = await db.sql`
    select (select filled_slots from public.sambatan_campaigns where id = ${campaignId}) as filled,
           (select count(*)::int from public.sambatan_participants where campaign_id = ${campaignId}) as participants,
           (select count(*)::int from public.sambatan_audit_logs where campaign_id = ${campaignId} and event = 'joined') as joined`;
  return r;
}

const keyRow = async (who: { sub: string }, key: string) =>
  (await db.sql`select request_hash, response from sambatan_private.idempotency_keys where user_id = ${who.sub} and key = ${key}`)[0];

/** A transaction held open by the test: `holding` once it has its locks, `release()` to let it commit. */
function latch() {
  let held!: () => void;
  let release!: () => void;
  const holding = new Promise<void>((r) => { held = r; });
  const released = new Promise<void>((r) => { release = r; });
  return { held, holding, release, released };
}

/** Waits until `n` backends of this database are blocked on a lock. */
async function waitForLockWaiters(n: number) {
  for (let i = 0; i < 200; i++) {
    const [{ waiting }] = await db.sql`
      select count(*)::int as waiting from pg_stat_activity
       where datname = current_database() and wait_event_type = 'Lock'`;
    if (waiting >= n) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`fewer than ${n} backends ever waited on a lock`);
}

test("the same key and body replays the first participation with replayed=true and claims nothing more", async () => {
  const c = await newCampaign();
  const b = buyer();
  const first = await join(b, c.id, 3, "order-1", { p_note: "warna hitam" });
  expect(first.replayed).toBe(false);
  expect((await keyRow(b, "order-1")).response).toEqual(first.participation);
  for (let i = 0; i < 3; i++) {
    const again = await join(b, c.id, 3, "order-1", { p_note: "warna hitam" });
    expect(again).toEqual({ participation: first.participation, replayed: true });
  }
  expect(await rows(c.id)).toEqual({ filled: 3, participants: 1, joined: 1 });
});

test("a replay repeats the first answer even after the participation changed (the key records a response, not a state)", async () => {
  const c = await newCampaign();
  const b = buyer();
  const first = await join(b, c.id, 2, "order-2");
  await rpc(db.sql, b, "cancel_participation", { p_participation_id: first.participation.id });
  const again = await join(b, c.id, 2, "order-2");
  expect(again).toEqual({ participation: first.participation, replayed: true });
  expect(again.participation.status).toBe("pending_payment");
  expect(await rows(c.id)).toEqual({ filled: 0, participants: 1, joined: 1 });
});

test("the same key with another body is IDEMPOTENCY_KEY_REUSED (SB041) and writes nothing", async () => {
  const c = await newCampaign();
  const other = await newCampaign();
  const b = buyer();
  await join(b, c.id, 2, "order-3");
  const variants: [string, () => Promise<unknown>][] = [
    ["quantity", () => join(b, c.id, 3, "order-3")],
    ["address", () => join(b, c.id, 2, "order-3", { p_shipping_address: "Jl. Lain 1" })],
    ["note", () => join(b, c.id, 2, "order-3", { p_note: "tambahan" })],
    ["campaign", () => join(b, other.id, 2, "order-3")],
  ];
  for (const [what, call] of variants) {
    await expect(call(), what).rejects.toMatchObject({ code: "SB041", message: "IDEMPOTENCY_KEY_REUSED" });
  }
  expect(await rows(c.id)).toEqual({ filled: 2, participants: 1, joined: 1 });
  expect(await rows(other.id)).toEqual({ filled: 0, participants: 0, joined: 0 });
  // Keys belong to their user: another buyer's identical key is a join of its own.
  const stranger = await join(buyer(), c.id, 2, "order-3");
  expect(stranger.replayed).toBe(false);
  expect(await rows(c.id)).toEqual({ filled: 4, participants: 2, joined: 2 });
});

test("the same key from 10 connections while the first holds it makes exactly one participant; every other call replays it", async () => {
  const c = await newCampaign();
  const b = buyer();
  // A third session holds the campaign row, so the first join stops at its slot
  // claim while still holding the key: the other nine queue behind that key.
  const gate = latch();
  const holder = db.sql.begin(async (tx) => {
    await tx`select 1 from public.sambatan_campaigns where id = ${c.id} for update`;
    gate.held();
    await gate.released;
  });
  await gate.holding;
  const calls = Array.from({ length: 10 }, () => settle(join(b, c.id, 1, "tap-tap-tap")));
  await waitForLockWaiters(10);
  gate.release();
  await holder;
  const results = await Promise.all(calls);

  const fresh = results.filter((r) => r.ok && !r.value.replayed);
  expect(fresh).toHaveLength(1);
  const id = (fresh[0] as any).value.participation.id;
  for (const r of results) {
    if (r.ok) expect(r.value.participation.id).toBe(id);
    else expect(r.error.code, r.error.message).toBe("SB025");
  }
  expect(await rows(c.id)).toEqual({ filled: 1, participants: 1, joined: 1 });
  expect(await db.sql.unsafe(invariantViolationsSql)).toEqual([]);
});

test("20 rounds of one key raced from 10 connections each leave one participant per key", async () => {
  const c = await newCampaign(100);
  const b = buyer();
  await db.sql`update sambatan_private.settings set value = '0' where key = 'join_rate_limit_per_minute'`;
  try {
    const outcomes = new Map<string, number>();
    for (let round = 0; round < 20; round++) {
      // Each round joins and then cancels, so the next round's fresh join is allowed.
      const results = await Promise.all(Array.from({ length: 10 }, () => settle(join(b, c.id, 1, `race-${round}`))));
      const ids = new Set<string>();
      for (const r of results) {
        const k = r.ok ? (r.value.replayed ? "replayed" : "fresh") : r.error.code;
        outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
        if (r.ok) ids.add(r.value.participation.id);
        else expect(r.error.code, r.error.message).toBe("SB025");
      }
      expect(results.filter((r) => r.ok && !r.value.replayed), `round ${round}`).toHaveLength(1);
      expect(ids.size).toBe(1);
      await rpc(db.sql, b, "cancel_participation", { p_participation_id: [...ids][0] });
    }
    expect(outcomes.get("fresh")).toBe(20);
    expect(await rows(c.id)).toEqual({ filled: 0, participants: 20, joined: 20 });
    expect(await db.sql.unsafe(invariantViolationsSql)).toEqual([]);
  } finally {
    await db.sql`update sambatan_private.settings set value = '10' where key = 'join_rate_limit_per_minute'`;
  }
});

test("a failed request stores no key, so its retry runs again", async () => {
  const c = await newCampaign(2);
  const b = buyer();
  const filler = await join(buyer(), c.id, 2);
  await expect(join(b, c.id, 1, "retry-me")).rejects.toMatchObject({ code: "SB021" });
  expect(await keyRow(b, "retry-me")).toBeUndefined();
  await expect(join(b, c.id, 5, "retry-me-2")).rejects.toMatchObject({ code: "SB021" });
  expect(await keyRow(b, "retry-me-2")).toBeUndefined();
  expect(await rows(c.id)).toEqual({ filled: 2, participants: 1, joined: 1 });

  await rpc(db.sql, manager(), "cancel_participation", { p_participation_id: filler.participation.id });
  // The retry is a new attempt: it runs, succeeds, and only now is its answer kept.
  const retried = await join(b, c.id, 1, "retry-me");
  expect(retried.replayed).toBe(false);
  expect((await keyRow(b, "retry-me")).response).toEqual(retried.participation);
  // A body that failed before under another key is a new request too.
  expect((await join(buyer(), c.id, 1, "retry-me-2")).replayed).toBe(false);
});

test("when the first holder of a key fails, each waiter runs itself and fails the same way; no key is stored", async () => {
  const c = await newCampaign(3);
  const b = buyer();
  // The holder takes the last slots inside an open transaction: the first keyed
  // join waits on the campaign row, the others wait on the key.
  const gate = latch();
  const holder = asUser(db.sql, buyer(), async (tx) => {
    await tx`select public.join_campaign(p_campaign_id => ${c.id}, p_quantity => 3, p_shipping_address => 'Jl. Holder')`;
    gate.held();
    await gate.released;
  });
  await gate.holding;
  const calls = Array.from({ length: 6 }, () => settle(join(b, c.id, 1, "doomed")));
  await waitForLockWaiters(6);
  gate.release();
  await holder;
  const results = await Promise.all(calls);
  for (const r of results) {
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code, r.error.message).toBe("SB021");
  }
  expect(await keyRow(b, "doomed")).toBeUndefined();
  expect(await rows(c.id)).toEqual({ filled: 3, participants: 1, joined: 1 });
  expect(await db.sql.unsafe(invariantViolationsSql)).toEqual([]);
});

test("keys past the 24-hour retention are purged, younger ones stay; the daily cleanup job purges them too", async () => {
  const c = await newCampaign();
  const b = buyer();
  const kept = await join(b, c.id, 1, "young");
  const fixture = [
    { key: "25h", age: "25 hours" },
    { key: "24h1m", age: "24 hours 1 minute" },
    { key: "23h59m", age: "23 hours 59 minutes" },
    { key: "1h", age: "1 hour" },
  ];
  for (const f of fixture) {
    await db.sql`insert into sambatan_private.idempotency_keys (user_id, key, request_hash, response, created_at)
                 values (${b.sub}, ${f.key}, 'h', '{}', now() - ${f.age}::interval)`;
  }
  const [{ purged }] = await db.sql`select sambatan_private.purge_idempotency_keys() as purged`;
  expect(purged).toBe(2);
  const left = await db.sql`select key from sambatan_private.idempotency_keys where user_id = ${b.sub} order by key`;
  expect(left.map((r) => r.key)).toEqual(["1h", "23h59m", "young"]);
  // The young key still replays.
  expect((await join(b, c.id, 1, "young")).replayed).toBe(true);

  // A retention set below 24 hours is not honoured: keys live at least a day.
  await db.sql`update sambatan_private.settings set value = '1' where key = 'idempotency_retention_hours'`;
  try {
    const [{ purged: none }] = await db.sql`select sambatan_private.purge_idempotency_keys() as purged`;
    expect(none).toBe(0);
  } finally {
    await db.sql`update sambatan_private.settings set value = '24' where key = 'idempotency_retention_hours'`;
  }

  // Moving the SQL clock a day ahead (in the purging transaction) ages every key
  // here past retention, this test's real one included.
  const [{ total }] = await db.sql`select count(*)::int as total from sambatan_private.idempotency_keys`;
  const [{ later }] = await db.sql.begin(async (tx) => {
    await tx`set local sambatan.clock_offset = '24 hours 1 minute'`;
    return tx`select sambatan_private.purge_idempotency_keys() as later`;
  });
  expect(later).toBe(total);
  expect(await keyRow(b, "young")).toBeUndefined();
  // With the key gone, a retry is a new request: this buyer already holds a place.
  await expect(join(b, c.id, 1, "young")).rejects.toMatchObject({ code: "SB023" });
  expect((await db.sql`select id from public.sambatan_participants where user_id = ${b.sub}`).map((r) => r.id))
    .toEqual([kept.participation.id]);

  // jobs.cleanup, the scheduled handler, calls the same purge.
  await db.sql`insert into sambatan_private.idempotency_keys (user_id, key, request_hash, response, created_at)
               values (${b.sub}, 'old', 'h', '{}', now() - interval '2 days'), (${b.sub}, 'new', 'h', '{}', now())`;
  const [{ result }] = await db.sql`select sambatan_private.job_cleanup(0, 100) as result`;
  expect(result.idempotency_keys_deleted).toBe(1);
  expect((await db.sql`select key from sambatan_private.idempotency_keys where user_id = ${b.sub}`).map((r) => r.key)).toEqual(["new"]);
});
