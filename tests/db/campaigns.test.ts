import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { anon, buyer, campaign, type Claims, enabledProduct, failure, inDays, manager, service, TestDb } from "../helpers/db.ts";

let db: TestDb;
beforeAll(async () => { db = await TestDb.create(); }, 60_000);
afterAll(() => db?.close());

const create = (who: Claims = manager(), args: Record<string, unknown> = {}) =>
  enabledProduct(db).then((product) =>
    db.rpc(who, "create_campaign", {
      p_product_id: product, p_title: "Batch", p_total_slots: 10, p_price_per_slot: 210000, p_deadline: inDays(3), ...args,
    })
  );

describe("create_campaign", () => {
  test("creates an active campaign with the API's fields and an audit event", async () => {
    const m = manager();
    const c = await create(m);
    expect(c).toMatchObject({
      status: "active", total_slots: 10, filled_slots: 0, available_slots: 10, progress_percent: 0,
      price_per_slot: 210000, created_by: m.sub, locked_at: null, fulfilled_at: null,
    });
    expect(c.deadline).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const events = await db.sql("select event, actor from public.sambatan_audit_logs where campaign_id = $1", [c.id]);
    expect(events).toEqual([{ event: "created", actor: m.sub }]);
  });

  test("service role and admins may create; plain buyers are FORBIDDEN (SB002)", async () => {
    expect((await create(service)).status).toBe("active");
    const admin = { ...buyer(), app_metadata: { role: "admin" } };
    expect((await create(admin)).status).toBe("active");
    expect((await failure(create(buyer()))).code).toBe("SB002");
    expect((await failure(create(manager(undefined, ["scheduled_job.read"])))).code).toBe("SB002");
  });

  test("anon cannot execute it at all (42501)", async () => {
    expect((await failure(create(anon))).code).toBe("42501");
  });

  test("unknown product is PRODUCT_NOT_FOUND (SB010), disabled product PRODUCT_NOT_ENABLED (SB020)", async () => {
    expect((await failure(create(manager(), { p_product_id: crypto.randomUUID() }))).code).toBe("SB010");
    const [p] = await db.sql("insert into public.products (name) values ('Off') returning id");
    expect((await failure(create(manager(), { p_product_id: p.id }))).code).toBe("SB020");
  });

  test.each([
    ["past deadline", { p_deadline: inDays(-1) }, "deadline"],
    ["deadline beyond a year", { p_deadline: inDays(400) }, "deadline"],
    ["empty title", { p_title: "   " }, "title"],
    ["long title", { p_title: "x".repeat(201) }, "title"],
    ["zero slots", { p_total_slots: 0 }, "total_slots"],
    ["too many slots", { p_total_slots: 100001 }, "total_slots"],
    ["zero price", { p_price_per_slot: 0 }, "price_per_slot"],
    ["price above 10^12", { p_price_per_slot: 1_000_000_000_001 }, "price_per_slot"],
  ])("rejects %s with VALIDATION_FAILED (SB003) and writes nothing", async (_name, args, field) => {
    const [before] = await db.sql("select count(*)::int as n from public.sambatan_campaigns");
    const e = await failure(create(manager(), args));
    expect(e.code).toBe("SB003");
    expect(JSON.parse(e.detail!)).toMatchObject({ field });
    const [after] = await db.sql("select count(*)::int as n from public.sambatan_campaigns");
    expect(after.n).toBe(before.n);
  });
});

describe("list_campaigns", () => {
  test("pages newest first with an opaque cursor until next_cursor is null", async () => {
    const product = await enabledProduct(db, "Listed");
    const m = manager();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await db.rpc(m, "create_campaign", {
        p_product_id: product, p_title: `L${i}`, p_total_slots: 5, p_price_per_slot: 1000, p_deadline: inDays(2),
      })).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: any = await db.rpc(anon, "list_campaigns", { p_product_id: product, p_limit: 3, p_cursor: cursor });
      seen.push(...page.items.map((c: any) => c.id));
      cursor = page.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());
  });

  test("filters by status", async () => {
    const c = await campaign(db);
    await db.rpc(buyer(), "join_campaign", { p_campaign_id: c.id, p_quantity: 10, p_shipping_address: "A" });
    const locked = await db.rpc(anon, "list_campaigns", { p_status: "locked", p_limit: 100 });
    expect(locked.items.map((x: any) => x.id)).toContain(c.id);
    expect(locked.items.every((x: any) => x.status === "locked")).toBe(true);
    const active = await db.rpc(anon, "list_campaigns", { p_status: "active", p_limit: 100 });
    expect(active.items.map((x: any) => x.id)).not.toContain(c.id);
  });

  test.each([[0], [101], [-1]])("limit %s is VALIDATION_FAILED (SB003)", async (limit) => {
    expect((await failure(db.rpc(anon, "list_campaigns", { p_limit: limit }))).code).toBe("SB003");
  });

  test.each([["not a cursor!"], ["eyJ4IjoxfQ"], ["WyJub3QgYSBkYXRlIiwgMV0"], ["W10"]])(
    "malformed cursor %s is VALIDATION_FAILED (SB003)",
    async (cursor) => {
      const e = await failure(db.rpc(anon, "list_campaigns", { p_cursor: cursor }));
      expect(e.code).toBe("SB003");
      expect(JSON.parse(e.detail!)).toMatchObject({ field: "cursor" });
    },
  );
});

describe("get_campaign and get_sambatan_campaign_progress", () => {
  test("returns progress: totals, participant count and contribution", async () => {
    const c = await campaign(db, manager(), { slots: 10, price: 1000 });
    await db.rpc(buyer(), "join_campaign", { p_campaign_id: c.id, p_quantity: 3, p_shipping_address: "A" });
    await db.rpc(buyer(), "join_campaign", { p_campaign_id: c.id, p_quantity: 2, p_shipping_address: "B" });
    const got = await db.rpc(anon, "get_campaign", { p_campaign_id: c.id });
    expect(got.progress).toEqual({
      total_slots: 10, filled_slots: 5, available_slots: 5, percent: 50, participant_count: 2, total_contribution: 5000,
      paid_slots: 0, unpaid_slots: 5, amount_paid: 0, refunds_pending: 0,
    });
    expect(got.progress_percent).toBe(50);
    const legacy = await db.rpc(anon, "get_sambatan_campaign_progress", { p_campaign_id: c.id });
    expect(legacy).toMatchObject({ campaign_id: c.id, status: "active", participant_count: 2, total_contribution: 5000 });
  });

  test("unknown id is CAMPAIGN_NOT_FOUND (SB011)", async () => {
    expect((await failure(db.rpc(anon, "get_campaign", { p_campaign_id: crypto.randomUUID() }))).code).toBe("SB011");
    expect((await failure(db.rpc(anon, "get_sambatan_campaign_progress", { p_campaign_id: crypto.randomUUID() }))).code)
      .toBe("SB011");
  });
});

describe("toggle_product_sambatan", () => {
  test("enables a product with defaults, then disables keeping them", async () => {
    const [p] = await db.sql("insert into public.products (name, base_price) values ('Kopi', 50000) returning id");
    const on = await db.rpc(manager(), "toggle_product_sambatan", {
      p_product_id: p.id, p_enabled: true, p_total_slots: 20, p_price_per_slot: 25000, p_deadline: inDays(5),
    });
    expect(on).toMatchObject({ id: p.id, sambatan_enabled: true, sambatan_total_slots: 20, sambatan_price_per_slot: 25000 });
    const off = await db.rpc(manager(), "toggle_product_sambatan", { p_product_id: p.id, p_enabled: false });
    expect(off).toMatchObject({ sambatan_enabled: false, sambatan_total_slots: 20 });
  });

  test("errors: PRODUCT_NOT_FOUND (SB010), FORBIDDEN (SB002), VALIDATION_FAILED (SB003)", async () => {
    const missing = { p_product_id: crypto.randomUUID(), p_enabled: true };
    expect((await failure(db.rpc(manager(), "toggle_product_sambatan", missing))).code).toBe("SB010");
    expect((await failure(db.rpc(buyer(), "toggle_product_sambatan", missing))).code).toBe("SB002");
    const product = await enabledProduct(db);
    expect((await failure(db.rpc(manager(), "toggle_product_sambatan", {
      p_product_id: product, p_enabled: true, p_total_slots: 0,
    }))).code).toBe("SB003");
    expect((await failure(db.rpc(manager(), "toggle_product_sambatan", {
      p_product_id: product, p_enabled: true, p_deadline: inDays(-1),
    }))).code).toBe("SB003");
  });
});

test("health answers ok to anyone", async () => {
  expect(await db.rpc(anon, "sambatan_health")).toMatchObject({ status: "ok" });
});
