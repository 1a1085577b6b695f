import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { anon, buyer, campaign, failure, join, manager, service, TestDb, violations } from "../helpers/db.ts";

let db: TestDb;
beforeAll(async () => { db = await TestDb.create(); }, 60_000);
afterAll(() => db?.close());

describe("my_participations", () => {
  test("pages only the caller's own participations, filterable by status", async () => {
    const a = buyer();
    const b = buyer();
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await campaign(db);
      mine.push((await join(db, a, c.id, 1)).participation.id);
      await join(db, b, c.id, 1);
    }
    await db.rpc(a, "cancel_participation", { p_participation_id: mine[0] });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await db.rpc(a, "my_participations", { p_limit: 2, p_cursor: cursor });
      expect(page.items.every((p: any) => p.user_id === a.sub)).toBe(true);
      seen.push(...page.items.map((p: any) => p.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...mine].reverse());
    const cancelled = await db.rpc(a, "my_participations", { p_status: "cancelled" });
    expect(cancelled.items.map((p: any) => p.id)).toEqual([mine[0]]);
    expect(cancelled.next_cursor).toBeNull();
  });

  test("another buyer's cursor reveals nothing of them: it only positions the caller's own list", async () => {
    const a = buyer();
    const b = buyer();
    for (let i = 0; i < 3; i++) await join(db, a, (await campaign(db)).id, 1);
    const page = await db.rpc(a, "my_participations", { p_limit: 1 });
    const fromB = await db.rpc(b, "my_participations", { p_cursor: page.next_cursor });
    expect(fromB.items).toEqual([]);
  });

  test("anon is refused (42501), a service key is not a buyer (SB002), bad limit/cursor are SB003", async () => {
    expect((await failure(db.rpc(anon, "my_participations"))).code).toBe("42501");
    expect((await failure(db.rpc(service, "my_participations"))).code).toBe("SB002");
    expect((await failure(db.rpc(buyer(), "my_participations", { p_limit: 0 }))).code).toBe("SB003");
    expect((await failure(db.rpc(buyer(), "my_participations", { p_cursor: "%%%" }))).code).toBe("SB003");
  });
});

describe("campaign_audit", () => {
  test("pages a campaign's events newest first for managers", async () => {
    const c = await campaign(db);
    for (let i = 0; i < 3; i++) await join(db, buyer(), c.id, 1);
    const first = await db.rpc(manager(), "campaign_audit", { p_campaign_id: c.id, p_limit: 3 });
    expect(first.items.map((e: any) => e.event)).toEqual(["joined", "joined", "joined"]);
    expect(first.items[0]).toHaveProperty("metadata.quantity", 1);
    const rest = await db.rpc(manager(), "campaign_audit", { p_campaign_id: c.id, p_cursor: first.next_cursor });
    expect(rest.items.map((e: any) => e.event)).toEqual(["created"]);
    expect(rest.next_cursor).toBeNull();
  });

  test("buyers are FORBIDDEN (SB002); unknown campaign is CAMPAIGN_NOT_FOUND (SB011)", async () => {
    const c = await campaign(db);
    expect((await failure(db.rpc(buyer(), "campaign_audit", { p_campaign_id: c.id }))).code).toBe("SB002");
    expect((await failure(db.rpc(manager(), "campaign_audit", { p_campaign_id: crypto.randomUUID() }))).code).toBe("SB011");
  });
});

test("dashboard_summary counts statuses, fill rate, closing deadlines and amounts", async () => {
  const fresh = await TestDb.create();
  try {
    const m = manager();
    const a = await campaign(fresh, m, { slots: 4, price: 100, deadline: new Date(Date.now() + 3_600_000).toISOString() });
    await join(fresh, buyer(), a.id, 1);
    const b = await campaign(fresh, m, { slots: 2, price: 50 });
    await join(fresh, buyer(), b.id, 2);
    await fresh.rpc(service, "run_sambatan_lifecycle");
    const s = await fresh.rpc(m, "sambatan_dashboard_summary");
    expect(s.campaigns).toEqual({ active: 1, locked: 0, fulfilled: 1, expired: 0, cancelled: 0, total: 2 });
    expect(s.fill_rate).toBe(0.25);
    expect(s.closing_within_24h).toBe(1);
    expect(s.amounts).toEqual({ pending: 100, paid: 0, confirmed: 100, refunded: 0, refunds_pending: 0 });
    expect((await failure(fresh.rpc(buyer(), "sambatan_dashboard_summary"))).code).toBe("SB002");

    // With payments: one paid (300), one paid then cancelled (refunded 200, refund owed).
    const w = await campaign(fresh, m, { slots: 10, price: 100, window: 60 });
    const kept = (await join(fresh, buyer(), w.id, 3)).participation.id;
    const leaver = buyer();
    const left = (await join(fresh, leaver, w.id, 2)).participation.id;
    await fresh.rpc(m, "confirm_payment", { p_participation_id: kept, p_reference: "kas-1" });
    await fresh.rpc(m, "confirm_payment", { p_participation_id: left, p_reference: "kas-2" });
    await fresh.rpc(leaver, "cancel_participation", { p_participation_id: left });
    const p = await fresh.rpc(m, "sambatan_dashboard_summary");
    expect(p.amounts).toEqual({ pending: 100, paid: 300, confirmed: 100, refunded: 200, refunds_pending: 200 });
    expect(await violations(fresh)).toEqual([]);
  } finally {
    await fresh.close();
  }
}, 60_000);
