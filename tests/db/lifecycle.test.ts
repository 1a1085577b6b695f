import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { anon, buyer, campaign, enabledProduct, failure, inDays, join, manager, service, TestDb, violations } from "../helpers/db.ts";
import { ledgerSql } from "../helpers/invariants.ts";

let db: TestDb;
beforeAll(async () => { db = await TestDb.create(); }, 60_000);
afterAll(() => db?.close());
beforeEach(async () => {
  db.clockOffset = "0";
  // Each test starts from no due campaigns so counts are its own.
  await db.rpc(service, "run_sambatan_lifecycle", { p_batch_size: 10000 });
});

test("the quick-start scenario: 3 + 7 locks a 10-slot campaign; the lifecycle fulfils it and confirms both", async () => {
  const m = manager();
  const [p] = await db.sql("insert into public.products (name, base_price) values ('Rimba Embun', 420000) returning id");
  await db.rpc(m, "toggle_product_sambatan", { p_product_id: p.id, p_enabled: true, p_total_slots: 10, p_deadline: inDays(3) });
  const c = await db.rpc(m, "create_campaign", {
    p_product_id: p.id, p_title: "Batch Oktober", p_total_slots: 10, p_price_per_slot: 210000, p_deadline: inDays(3),
  });
  const u1 = await join(db, buyer(), c.id, 3);
  const u2 = await join(db, buyer(), c.id, 7);
  expect(await db.rpc(anon, "get_campaign", { p_campaign_id: c.id })).toMatchObject({ status: "locked", filled_slots: 10 });

  const run = await db.rpc(service, "run_sambatan_lifecycle");
  expect(run).toEqual({ released: 0, fulfilled: 1, expired: 0, confirmed: 2, refunded: 0, more: false });
  const done = await db.rpc(anon, "get_campaign", { p_campaign_id: c.id });
  expect(done.status).toBe("fulfilled");
  expect(done.fulfilled_at).not.toBeNull();
  const statuses = await db.sql("select status from public.sambatan_participants where id in ($1, $2)", [
    u1.participation.id, u2.participation.id,
  ]);
  expect(statuses.map((s) => s.status)).toEqual(["confirmed", "confirmed"]);
  expect(await violations(db)).toEqual([]);
});

test("a campaign past its deadline and not full expires and refunds every participant", async () => {
  const c = await campaign(db, manager(), { slots: 10, price: 1000 });
  await join(db, buyer(), c.id, 2);
  await join(db, buyer(), c.id, 3);
  db.clockOffset = "4 days";
  const run = await db.rpc(service, "run_sambatan_lifecycle");
  expect(run).toEqual({ released: 0, fulfilled: 0, expired: 1, confirmed: 0, refunded: 2, more: false });
  expect((await db.rpc(anon, "get_campaign", { p_campaign_id: c.id })).status).toBe("expired");
  const events = await db.sql(
    "select event, count(*)::int as n from public.sambatan_audit_logs where campaign_id = $1 group by event order by event",
    [c.id],
  );
  expect(events).toEqual([
    { event: "created", n: 1 }, { event: "expired", n: 1 }, { event: "joined", n: 2 }, { event: "refunded", n: 2 },
  ]);
  const [ledger] = await db.sql(ledgerSql);
  expect(BigInt(ledger.pending) + BigInt(ledger.confirmed) + BigInt(ledger.refunded) + BigInt(ledger.cancelled))
    .toBe(BigInt(ledger.joined));
  expect(await violations(db)).toEqual([]);
});

test("running it twice changes nothing the second time", async () => {
  const c = await campaign(db, manager(), { slots: 1 });
  await join(db, buyer(), c.id, 1);
  expect((await db.rpc(service, "run_sambatan_lifecycle")).fulfilled).toBe(1);
  const [before] = await db.sql("select count(*)::int as n from public.sambatan_audit_logs");
  expect(await db.rpc(service, "run_sambatan_lifecycle")).toEqual({ released: 0, fulfilled: 0, expired: 0, confirmed: 0, refunded: 0, more: false });
  const [after] = await db.sql("select count(*)::int as n from public.sambatan_audit_logs");
  expect(after.n).toBe(before.n);
});

test("batches are bounded: `more` stays true until everything due is done", async () => {
  const product = await enabledProduct(db);
  for (let i = 0; i < 5; i++) {
    await db.rpc(manager(), "create_campaign", {
      p_product_id: product, p_title: `B${i}`, p_total_slots: 5, p_price_per_slot: 1, p_deadline: inDays(1),
    });
  }
  db.clockOffset = "2 days";
  expect(await db.rpc(service, "run_sambatan_lifecycle", { p_batch_size: 2 })).toMatchObject({ expired: 2, more: true });
  expect(await db.rpc(service, "run_sambatan_lifecycle", { p_batch_size: 2 })).toMatchObject({ expired: 2, more: true });
  expect(await db.rpc(service, "run_sambatan_lifecycle", { p_batch_size: 2 })).toMatchObject({ expired: 1, more: false });
  expect((await failure(db.rpc(service, "run_sambatan_lifecycle", { p_batch_size: 0 }))).code).toBe("SB003");
});

test("check_sambatan_deadlines lists each transition", async () => {
  const full = await campaign(db, manager(), { slots: 1, price: 500 });
  await join(db, buyer(), full.id, 1);
  const late = await campaign(db);
  db.clockOffset = "4 days";
  const transitions = await db.rpc(service, "check_sambatan_deadlines");
  expect(transitions).toEqual(expect.arrayContaining([
    { campaign_id: full.id, from: "locked", to: "fulfilled", participants: 1, amount: 500 },
    { campaign_id: late.id, from: "active", to: "expired", participants: 0, amount: 0 },
  ]));
  expect(await db.rpc(service, "check_sambatan_deadlines")).toEqual([]);
});

describe("operator overrides", () => {
  test("complete_sambatan_campaign fulfils now; fail_sambatan_campaign expires and refunds", async () => {
    const a = await campaign(db);
    await join(db, buyer(), a.id, 2);
    expect((await db.rpc(service, "complete_sambatan_campaign", { p_campaign_id: a.id })).status).toBe("fulfilled");
    const b = await campaign(db);
    await join(db, buyer(), b.id, 2);
    const failed = await db.rpc(service, "fail_sambatan_campaign", { p_campaign_id: b.id, p_reason: "supplier_out_of_stock" });
    expect(failed.status).toBe("expired");
    const [refund] = await db.sql("select status from public.sambatan_participants where campaign_id = $1", [b.id]);
    expect(refund.status).toBe("refunded");
    expect(await violations(db)).toEqual([]);
  });

  test("terminal campaigns never change: CAMPAIGN_CLOSED (SB022); unknown is SB011", async () => {
    const a = await campaign(db);
    await db.rpc(service, "fail_sambatan_campaign", { p_campaign_id: a.id });
    expect((await failure(db.rpc(service, "complete_sambatan_campaign", { p_campaign_id: a.id }))).code).toBe("SB022");
    expect((await failure(db.rpc(service, "fail_sambatan_campaign", { p_campaign_id: a.id }))).code).toBe("SB022");
    expect((await failure(db.sql("update public.sambatan_campaigns set status = 'active' where id = $1", [a.id]))).code)
      .toBe("SB022");
    expect((await failure(db.rpc(service, "complete_sambatan_campaign", { p_campaign_id: crypto.randomUUID() }))).code)
      .toBe("SB011");
  });

  test("operator functions are service-role only (42501 for users, even managers)", async () => {
    for (const who of [anon, buyer(), manager()]) {
      expect((await failure(db.rpc(who, "run_sambatan_lifecycle"))).code).toBe("42501");
      expect((await failure(db.rpc(who, "check_sambatan_deadlines"))).code).toBe("42501");
      expect((await failure(db.rpc(who, "complete_sambatan_campaign", { p_campaign_id: crypto.randomUUID() }))).code).toBe("42501");
      expect((await failure(db.rpc(who, "fail_sambatan_campaign", { p_campaign_id: crypto.randomUUID() }))).code).toBe("42501");
    }
  });
});
