// The per-user join rate limit (SB050 RATE_LIMITED), kept in PostgreSQL so every
// function instance shares it: at most N successful joins per user per minute,
// N from sambatan_private.settings ('join_rate_limit_per_minute', default 10, 0 = off),
// exact even when one user's joins arrive over many connections at once.
import { afterAll, beforeAll, expect, test } from "vitest";
import { becomeCaller, buyer, type Claims, freshDatabase, type FreshDatabase, rpc } from "../helpers/pg.ts";
import { invariantViolationsSql } from "../helpers/invariants.ts";

let db: FreshDatabase;
let productId: string;
beforeAll(async () => {
  db = await freshDatabase({ max: 40 });
  [{ id: productId }] = await db.sql`insert into public.products (name, sambatan_enabled) values ('Limit', true) returning id`;
});
afterAll(() => db?.drop());

async function setLimit(n: number) {
  await db.sql`update sambatan_private.settings set value = ${String(n)}::jsonb where key = 'join_rate_limit_per_minute'`;
}

/** `n` open campaigns (fixtures written directly: the limit is about joins, not creation). */
async function campaigns(n: number, slots = 10): Promise<string[]> {
  const rows = await db.sql`
    insert into public.sambatan_campaigns (product_id, title, total_slots, price_per_slot, deadline)
    select ${productId}, 'Limit ' || g, ${slots}, 1000, now() + interval '1 day' from generate_series(1, ${n}) g
    returning id`;
  return rows.map((r) => r.id);
}

/** Backends that served joins (to show a flood really used many connections). */
const servedBy = new Set<number>();

/** join_campaign as `who` with the SQL clock moved by `offset` inside its transaction. */
function join(who: Claims, campaignId: string, extra: Record<string, unknown> = {}, offset = "0") {
  return db.sql.begin(async (tx) => {
    await becomeCaller(tx, who, { "sambatan.clock_offset": offset });
    const [{ pid }] = await tx`select pg_backend_pid() as pid`;
    servedBy.add(pid);
    const key = (extra.p_idempotency_key as string | undefined) ?? null;
    const [{ result }] = await tx`
      select public.join_campaign(p_campaign_id => ${campaignId}, p_quantity => 1,
                                  p_shipping_address => 'Jl. Limit', p_idempotency_key => ${key}) as result`;
    return result;
  });
}

const settle = <T>(p: Promise<T>) => p.then((value) => ({ ok: true as const, value }), (error) => ({ ok: false as const, error }));

const written = async (who: { sub: string }) => {
  const [r] = await db.sql`
    select (select count(*)::int from public.sambatan_participants where user_id = ${who.sub}) as participants,
           (select count(*)::int from public.sambatan_audit_logs where actor = ${who.sub}) as audits`;
  return r;
};

test("the default is 10 joins a minute: the 11th is RATE_LIMITED (SB050) with retry_after_seconds and writes nothing", async () => {
  const [{ value }] = await db.sql`select value from sambatan_private.settings where key = 'join_rate_limit_per_minute'`;
  expect(value).toBe(10);
  const ids = await campaigns(11);
  const b = buyer();
  for (const id of ids.slice(0, 10)) expect((await join(b, id)).replayed).toBe(false);
  expect(await written(b)).toEqual({ participants: 10, audits: 10 });

  const e = await settle(join(b, ids[10]));
  expect(e.ok).toBe(false);
  if (e.ok) return;
  expect(e.error.code).toBe("SB050");
  expect(e.error.message).toBe("RATE_LIMITED");
  const details = JSON.parse(e.error.detail);
  expect(details.limit).toBe(10);
  expect(details.retry_after_seconds).toBeGreaterThanOrEqual(1);
  expect(details.retry_after_seconds).toBeLessThanOrEqual(60);
  expect(await written(b)).toEqual({ participants: 10, audits: 10 });
  const [{ filled }] = await db.sql`select filled_slots as filled from public.sambatan_campaigns where id = ${ids[10]}`;
  expect(filled).toBe(0);

  // Other buyers are unaffected, on the very campaign refused above.
  expect((await join(buyer(), ids[10])).replayed).toBe(false);
});

test("the window slides: retry_after_seconds counts down to the oldest join leaving the minute, then joins pass again", async () => {
  const ids = await campaigns(12);
  const b = buyer();
  for (const id of ids.slice(0, 10)) await join(b, id);
  const later = await settle(join(b, ids[10], {}, "30 seconds"));
  expect(later.ok ? null : later.error.code).toBe("SB050");
  if (!later.ok) {
    const { retry_after_seconds } = JSON.parse(later.error.detail);
    expect(retry_after_seconds).toBeGreaterThanOrEqual(20);
    expect(retry_after_seconds).toBeLessThanOrEqual(30);
  }
  expect((await join(b, ids[10], {}, "61 seconds")).replayed).toBe(false);
  expect((await join(b, ids[11], {}, "61 seconds")).replayed).toBe(false);
});

test("40 simultaneous joins by one buyer over 40 connections: exactly 10 succeed, 30 are RATE_LIMITED", async () => {
  const ids = await campaigns(40);
  const b = buyer();
  servedBy.clear();
  const results = await Promise.all(ids.map((id) => settle(join(b, id))));
  expect(servedBy.size).toBeGreaterThanOrEqual(30);
  const ok = results.filter((r) => r.ok);
  expect(ok).toHaveLength(10);
  for (const r of results) if (!r.ok) expect(r.error.code, r.error.message).toBe("SB050");
  expect(await written(b)).toEqual({ participants: 10, audits: 10 });
  expect(await db.sql.unsafe(invariantViolationsSql)).toEqual([]);
});

test("a configured limit holds under concurrency too, and one buyer's flood leaves the others alone", async () => {
  await setLimit(3);
  try {
    const ids = await campaigns(30);
    const flooder = buyer();
    const others = Array.from({ length: 10 }, () => buyer());
    const flood = ids.map((id) => settle(join(flooder, id)));
    const calm = others.map((o, i) => settle(join(o, ids[i])));
    const [floodResults, calmResults] = await Promise.all([Promise.all(flood), Promise.all(calm)]);
    expect(floodResults.filter((r) => r.ok)).toHaveLength(3);
    for (const r of floodResults) if (!r.ok) expect(r.error.code, r.error.message).toBe("SB050");
    for (const r of calmResults) expect(r.ok ? "ok" : r.error.code).toBe("ok");
    expect(await written(flooder)).toEqual({ participants: 3, audits: 3 });
  } finally {
    await setLimit(10);
  }
});

test("a join that is later cancelled still counts; failed joins do not", async () => {
  const [c, full] = await campaigns(2, 1);
  const b = buyer();
  await join(buyer(), full);
  // Failures (the campaign is full) are not joins: they use none of the allowance.
  for (let i = 0; i < 12; i++) expect((await settle(join(b, full))).ok).toBe(false);
  // Join-and-cancel churn is capped like any other join.
  for (let i = 0; i < 10; i++) {
    const { participation } = await join(b, c);
    await rpc(db.sql, b, "cancel_participation", { p_participation_id: participation.id });
  }
  const e = await settle(join(b, c));
  expect(e.ok ? "ok" : e.error.code).toBe("SB050");
});

test("a replay of a stored key is answered at the limit and does not count against it", async () => {
  await setLimit(2);
  try {
    const ids = await campaigns(3);
    const b = buyer();
    const first = await join(b, ids[0], { p_idempotency_key: "k-1" });
    await join(b, ids[1]);
    const limited = await settle(join(b, ids[2]));
    expect(limited.ok ? "ok" : limited.error.code).toBe("SB050");
    for (let i = 0; i < 3; i++) {
      expect(await join(b, ids[0], { p_idempotency_key: "k-1" })).toEqual({ participation: first.participation, replayed: true });
    }
    expect(await written(b)).toEqual({ participants: 2, audits: 2 });
  } finally {
    await setLimit(10);
  }
});

test("a limit of 0 switches the limit off: 25 quick joins by one buyer all pass", async () => {
  await setLimit(0);
  try {
    const ids = await campaigns(25);
    const b = buyer();
    const results = await Promise.all(ids.map((id) => settle(join(b, id))));
    expect(results.map((r) => (r.ok ? "ok" : r.error.code))).toEqual(ids.map(() => "ok"));
    expect(await written(b)).toEqual({ participants: 25, audits: 25 });
  } finally {
    await setLimit(10);
  }
});

test("with the limit off, one buyer's 10 simultaneous joins of one campaign make one participation; the rest claim nothing", async () => {
  await setLimit(0);
  try {
    // Without the limit there is no per-buyer lock: the one-active-per-buyer index
    // is what stops the race (23505 on sambatan_participants_one_active, which the
    // functions map to ALREADY_JOINED like SB023).
    const [id] = await campaigns(1, 50);
    const b = buyer();
    const results = await Promise.all(Array.from({ length: 10 }, () => settle(join(b, id))));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    for (const r of results) {
      if (r.ok) continue;
      expect(["SB023", "23505"], r.error.message).toContain(r.error.code);
      if (r.error.code === "23505") expect(r.error.constraint_name).toBe("sambatan_participants_one_active");
    }
    const [{ filled }] = await db.sql`select filled_slots as filled from public.sambatan_campaigns where id = ${id}`;
    expect(filled).toBe(1);
    expect(await written(b)).toEqual({ participants: 1, audits: 1 });
    expect(await db.sql.unsafe(invariantViolationsSql)).toEqual([]);
  } finally {
    await setLimit(10);
  }
});
