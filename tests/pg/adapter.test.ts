// The postgres.js adapter the local stack runs on, against a real PostgreSQL: a
// request is one simple Query message with its values quoted in (dev/db/sql.ts),
// so these check what that must never change: every value arrives exactly as sent,
// a failure leaves nothing behind, and no caller's settings outlive its request.
import { afterAll, beforeAll, expect, test } from "vitest";
import { postgresDb } from "../../dev/db/postgres.ts";
import type { Caller } from "../../shared/db/port.ts";
import { DomainError } from "../../shared/errors.ts";
import { buyer, freshDatabase, type FreshDatabase, manager, rpc } from "../helpers/pg.ts";

let db: FreshDatabase;
let adapter: ReturnType<typeof postgresDb>;
let campaignId: string;

const asCaller = (claims: { role: string }): Caller => ({ role: claims.role as Caller["role"], claims });

beforeAll(async () => {
  db = await freshDatabase({ max: 4 });
  adapter = postgresDb(db.url, { lockTimeoutMs: 5000, statementTimeoutMs: 30_000, max: 2 });
  const [p] = await db.sql`insert into public.products (name, sambatan_enabled) values ('Adapter', true) returning id`;
  const c = await rpc(db.sql, manager(), "create_campaign", {
    p_product_id: p.id, p_title: "Adapter", p_total_slots: 50, p_price_per_slot: 1000,
    p_deadline: new Date(Date.now() + 86_400_000).toISOString(),
  });
  campaignId = c.id;
}, 60_000);
afterAll(async () => {
  await adapter?.close?.();
  await db?.drop();
});

test("text that looks like SQL, quotes, backslashes and placeholders is stored exactly as sent", async () => {
  const hostile = [
    `Jl. O'Brien 1'); delete from public.sambatan_participants; --`,
    `C:\\path\\'; select pg_sleep(10); --`,
    `$1 $2 $$ dollar $tag$ quoted $tag$ ;`,
    `Jl. Ç 1 — ‘kutip’ “ganda” 🙂\nbaris kedua`,
  ];
  for (const address of hostile) {
    const me = buyer();
    const result = await adapter.rpc("join_campaign", { p_campaign_id: campaignId, p_quantity: 1, p_shipping_address: address, p_note: address }, asCaller(me));
    if (!("participation" in result)) throw new Error("expected a participation");
    const [row] = await db.sql`select shipping_address, note, user_id from public.sambatan_participants where id = ${result.participation.id}`;
    expect(row).toEqual({ shipping_address: address, note: address, user_id: me.sub });
  }
  const [{ n }] = await db.sql`select count(*)::int as n from public.sambatan_participants where campaign_id = ${campaignId}`;
  expect(n).toBe(hostile.length);
});

test("numbers, nulls and JSON reach the function typed by its signature", async () => {
  const me = buyer();
  const result = await adapter.rpc("join_campaign", { p_campaign_id: campaignId, p_quantity: 3, p_shipping_address: "Jl. Angka 3", p_note: null }, asCaller(me));
  expect("participation" in result && result.participation).toMatchObject({ quantity: 3, amount: 3000, note: null });
});

test("a NUL in a value is refused as bad input before anything is sent", async () => {
  const err = await adapter.rpc("join_campaign", { p_campaign_id: campaignId, p_quantity: 1, p_shipping_address: "a\u0000b" }, asCaller(buyer()))
    .catch((e) => e);
  expect(err).toBeInstanceOf(DomainError);
  expect(err.code).toBe("VALIDATION_FAILED");
});

test("a failed call writes nothing, and the next request on the connection runs as its own caller", async () => {
  const me = buyer();
  const [{ n: before }] = await db.sql`select count(*)::int as n from public.sambatan_audit_logs`;
  const err = await adapter.rpc("join_campaign", { p_campaign_id: campaignId, p_quantity: 51, p_shipping_address: "Jl. Terlalu Banyak" }, asCaller(me))
    .catch((e) => e);
  expect(err).toMatchObject({ code: "SLOTS_INSUFFICIENT" });
  const [{ n: after }] = await db.sql`select count(*)::int as n from public.sambatan_audit_logs`;
  expect(after).toBe(before);
  // Every pooled connection again: anon is refused, not served as the buyer.
  for (let i = 0; i < 4; i++) {
    const mine = await adapter.rpc("my_participations", {}, asCaller(me)) as { items: unknown[] };
    expect(mine.items).toEqual([]);
    await expect(adapter.rpc("my_participations", {}, asCaller({ role: "anon" }))).rejects.toMatchObject({ code: "FORBIDDEN" });
  }
});

test("the caller's role and timeouts last for the request only", async () => {
  await adapter.rpc("join_campaign", { p_campaign_id: campaignId, p_quantity: 1, p_shipping_address: "Jl. Sekali 1" }, asCaller(buyer()), { statementTimeoutMs: 4321 });
  const [{ role, timeout, claims }] = await adapter.sql.unsafe(
    `select current_user as role, current_setting('statement_timeout') as timeout, coalesce(current_setting('request.jwt.claims', true), '') as claims`,
  ).simple();
  expect({ role, timeout, claims }).toEqual({ role: expect.not.stringMatching(/^(anon|authenticated|service_role)$/), timeout: "0", claims: "" });
});
