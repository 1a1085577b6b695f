// Payments in SQL: windows, checkout, provider notifications, manual confirmation,
// the lifecycle's release / fulfil / expire with payments, refunds ledger and RLS.
// Every test ends with the invariants (money balance included) holding.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  anon, buyer, campaign, type Claims, enabledProduct, failure, inDays, join, manager, service, TestDb, violations,
} from "../helpers/db.ts";

let db: TestDb;
const boss = manager();
beforeAll(async () => { db = await TestDb.create(); }, 60_000);
afterAll(() => db?.close());
beforeEach(async () => {
  // Each test starts with nothing open from the tests before it (past every deadline
  // and window, all of it settles), so lifecycle counts are its own.
  db.clockOffset = "400 days";
  while ((await db.rpc(service, "run_sambatan_lifecycle", { p_batch_size: 10000 })).more);
  db.clockOffset = "0";
});

const PRICE = 1000;
const windowed = (slots = 4, window = 60) => campaign(db, boss, { slots, price: PRICE, window });

interface Note { participation?: string | null; txn: string; status?: string; outcome?: string; amount?: number | null; provider?: string }
function notify(n: Note) {
  return db.rpc(service, "record_payment_notification", {
    p_provider: n.provider ?? "midtrans",
    p_participation_id: n.participation ?? null,
    p_provider_transaction_id: n.txn,
    p_status: n.status ?? "settlement",
    p_outcome: n.outcome ?? "paid",
    p_amount: n.amount === undefined ? null : n.amount,
    p_payload: { transaction_status: n.status ?? "settlement", gross_amount: String(n.amount ?? "") },
  });
}

const participant = async (id: string) =>
  (await db.sql("select * from public.sambatan_participants where id = $1", [id]))[0];
const refundsOf = (id: string) =>
  db.sql("select reason, amount::int, status, provider from public.refunds where participation_id = $1 order by created_at", [id]);
const campaignRow = async (id: string) =>
  (await db.sql("select status, filled_slots, locked_at from public.sambatan_campaigns where id = $1", [id]))[0];
const events = async (id: string, event: string) =>
  (await db.sql("select count(*)::int as n from public.sambatan_audit_logs where participation_id = $1 and event = $2", [id, event]))[0].n;
const code = async (p: Promise<unknown>) => (await failure(p)).code;

describe("payment window", () => {
  test("is off by default: no due time, checkout not required, fulfilment as before", async () => {
    const c = await campaign(db, boss, { slots: 2, price: PRICE });
    expect(c.payment_window_minutes).toBeNull();
    const who = buyer();
    const j = await join(db, who, c.id, 2);
    expect(j.participation).toMatchObject({ payment_due_at: null, paid_at: null, payment_provider: null, paid_amount: null });
    expect(await code(db.rpc(who, "begin_checkout", { p_participation_id: j.participation.id, p_provider: "midtrans" }))).toBe("SB029");
    db.clockOffset = "1 day";
    expect(await db.rpc(service, "run_sambatan_lifecycle")).toMatchObject({ released: 0, fulfilled: 1, confirmed: 1 });
    expect((await participant(j.participation.id)).status).toBe("confirmed");
    expect(await violations(db)).toEqual([]);
  });

  test("is set per campaign (5 to 10080 minutes) and join sets payment_due_at = join time + window", async () => {
    const c = await windowed(4, 90);
    expect(c.payment_window_minutes).toBe(90);
    const j = await join(db, buyer(), c.id, 1);
    const p = j.participation;
    expect(Date.parse(p.payment_due_at) - Date.parse(p.created_at)).toBe(90 * 60_000);
    for (const bad of [4, 10081, 0]) {
      expect(await code(campaign(db, boss, { window: bad }))).toBe("SB003");
    }
    expect((await campaign(db, boss, { window: 5 })).payment_window_minutes).toBe(5);
    expect((await campaign(db, boss, { window: 10080 })).payment_window_minutes).toBe(10080);
  });

  test("a product's default window applies when the campaign names none", async () => {
    const productId = await enabledProduct(db);
    const product = await db.rpc(boss, "toggle_product_sambatan", {
      p_product_id: productId, p_enabled: true, p_payment_window_minutes: 30,
    });
    expect(product.sambatan_payment_window_minutes).toBe(30);
    expect(await code(db.rpc(boss, "toggle_product_sambatan", {
      p_product_id: productId, p_enabled: true, p_payment_window_minutes: 3,
    }))).toBe("SB003");
    const args = { p_product_id: productId, p_title: "Default", p_total_slots: 3, p_price_per_slot: PRICE, p_deadline: inDays(2) };
    expect((await db.rpc(boss, "create_campaign", args)).payment_window_minutes).toBe(30);
    expect((await db.rpc(boss, "create_campaign", { ...args, p_payment_window_minutes: 45 })).payment_window_minutes).toBe(45);
  });
});

describe("checkout", () => {
  test("begin_checkout answers no transaction until one is recorded; record_checkout is idempotent", async () => {
    const c = await windowed();
    const who = buyer();
    const pid = (await join(db, who, c.id, 2)).participation.id;
    const first = await db.rpc(who, "begin_checkout", { p_participation_id: pid, p_provider: "midtrans" });
    expect(first.transaction).toBeNull();
    expect(first.participation).toMatchObject({ id: pid, status: "pending_payment", amount: 2 * PRICE });
    const due = first.participation.payment_due_at;
    const recorded = await db.rpc(who, "record_checkout", {
      p_participation_id: pid, p_provider: "midtrans", p_provider_transaction_id: "snap-token-1",
      p_redirect_url: "https://app.sandbox.midtrans.com/snap/v4/redirection/snap-token-1", p_token: "snap-token-1",
      p_expires_at: due,
    });
    expect(recorded).toEqual({
      provider: "midtrans", provider_transaction_id: "snap-token-1",
      redirect_url: "https://app.sandbox.midtrans.com/snap/v4/redirection/snap-token-1", token: "snap-token-1", expires_at: due,
    });
    // A retry after the provider answered again keeps the first transaction.
    const again = await db.rpc(who, "record_checkout", {
      p_participation_id: pid, p_provider: "midtrans", p_provider_transaction_id: "snap-token-2",
      p_redirect_url: null, p_token: null, p_expires_at: null,
    });
    expect(again).toEqual(recorded);
    expect((await db.rpc(who, "begin_checkout", { p_participation_id: pid, p_provider: "midtrans" })).transaction).toEqual(recorded);
    // Another provider is its own transaction.
    expect((await db.rpc(who, "begin_checkout", { p_participation_id: pid, p_provider: "xendit" })).transaction).toBeNull();
    expect((await db.sql("select count(*)::int as n from public.payment_transactions where participation_id = $1", [pid]))[0].n).toBe(1);
  });

  test("errors: not found (also another buyer's), final, expired, not required, bad provider, not a buyer", async () => {
    const c = await windowed(4, 30);
    const who = buyer();
    const pid = (await join(db, who, c.id, 1)).participation.id;
    const begin = (claims: Claims, id: string, provider = "xendit") =>
      db.rpc(claims, "begin_checkout", { p_participation_id: id, p_provider: provider });
    expect(await code(begin(buyer(), pid))).toBe("SB012");
    expect(await code(begin(who, crypto.randomUUID()))).toBe("SB012");
    expect(await code(begin(who, pid, "paypal"))).toBe("SB003");
    // Checkout is the buyer's: the service role has no grant on it.
    expect(await code(begin(service, pid))).toBe("42501");
    expect(await code(begin(anon, pid))).toBe("42501");
    db.clockOffset = "31 minutes";
    expect(await code(begin(who, pid))).toBe("SB028");
    expect(await code(db.rpc(who, "record_checkout", {
      p_participation_id: pid, p_provider: "xendit", p_provider_transaction_id: "inv-1",
      p_redirect_url: null, p_token: null, p_expires_at: null,
    }))).toBe("SB028");
    db.clockOffset = "0";
    await db.rpc(who, "cancel_participation", { p_participation_id: pid });
    expect(await code(begin(who, pid))).toBe("SB024");
    expect(await violations(db)).toEqual([]);
  });
});

describe("payment notifications", () => {
  test("a paid notification with the right amount marks the participation paid, once", async () => {
    const c = await windowed();
    const who = buyer();
    const pid = (await join(db, who, c.id, 3)).participation.id;
    const got = await notify({ participation: pid, txn: "mt-1", amount: 3 * PRICE });
    expect(got).toMatchObject({ duplicate: false, result: "paid" });
    const p = await participant(pid);
    expect(p).toMatchObject({ status: "paid", payment_provider: "midtrans", payment_reference: "mt-1" });
    expect(Number(p.paid_amount)).toBe(3 * PRICE);
    expect(p.paid_at).not.toBeNull();
    const mine = await db.rpc(who, "my_participations", { p_status: "paid" });
    expect(mine.items.map((i: any) => i.id)).toEqual([pid]);
    expect(mine.items[0]).toMatchObject({ payment_provider: "midtrans", payment_reference: "mt-1", paid_amount: 3 * PRICE });

    // Redelivered: answered as a duplicate and nothing changes.
    const before = await db.sql("select count(*)::int as n from public.payment_events");
    const dup = await notify({ participation: pid, txn: "mt-1", amount: 3 * PRICE });
    expect(dup).toEqual({ event_id: got.event_id, duplicate: true, result: "duplicate" });
    expect(await db.sql("select count(*)::int as n from public.payment_events")).toEqual(before);
    expect(await events(pid, "paid")).toBe(1);
    // Out of order: an expire (or a pending) after the settlement is recorded and changes nothing.
    expect((await notify({ participation: pid, txn: "mt-1", status: "expire", outcome: "expired", amount: 3 * PRICE })).result).toBe("recorded");
    expect((await notify({ participation: pid, txn: "mt-1", status: "pending", outcome: "pending", amount: 3 * PRICE })).result).toBe("recorded");
    // The same payment under another status word (capture, then settlement) is already paid.
    expect((await notify({ participation: pid, txn: "mt-1", status: "capture", amount: 3 * PRICE })).result).toBe("already_paid");
    expect((await participant(pid)).status).toBe("paid");
    expect(await refundsOf(pid)).toEqual([]);
    expect(await violations(db)).toEqual([]);
  });

  test("a paid participation still holds its slots: the buyer cannot join the campaign again", async () => {
    const c = await windowed(4);
    const who = buyer();
    const pid = (await join(db, who, c.id, 1)).participation.id;
    await notify({ participation: pid, txn: "mt-hold", amount: PRICE });
    expect(await code(join(db, who, c.id, 1))).toBe("SB023");
    expect((await campaignRow(c.id)).filled_slots).toBe(1);
  });

  test("an amount that differs is recorded and flagged, and nothing is paid", async () => {
    const c = await windowed();
    const pid = (await join(db, buyer(), c.id, 2)).participation.id;
    expect((await notify({ participation: pid, txn: "mt-short", amount: 2 * PRICE - 1 })).result).toBe("amount_mismatch");
    expect((await notify({ participation: pid, txn: "xn-none", provider: "xendit", status: "PAID", amount: null })).result).toBe("amount_mismatch");
    expect((await participant(pid)).status).toBe("pending_payment");
    const flagged = await db.sql("select provider_transaction_id as t, flagged, result from public.payment_events where participation_id = $1 order by id", [pid]);
    expect(flagged).toEqual([
      { t: "mt-short", flagged: true, result: "amount_mismatch" },
      { t: "xn-none", flagged: true, result: "amount_mismatch" },
    ]);
    expect(await events(pid, "payment_flagged")).toBe(2);
    expect(await violations(db)).toEqual([]);
  });

  test("an unknown order id is stored too, with no participation", async () => {
    const got = await notify({ participation: crypto.randomUUID(), txn: "mt-stranger", amount: 5 });
    expect(got.result).toBe("unknown_participation");
    expect((await notify({ participation: null, txn: "mt-null", amount: 5 })).result).toBe("unknown_participation");
    const [row] = await db.sql("select participation_id, result from public.payment_events where id = $1", [got.event_id]);
    expect(row).toEqual({ participation_id: null, result: "unknown_participation" });
  });

  test("a payment after the release keeps the participation cancelled and owes a late_payment refund", async () => {
    const c = await windowed(4, 30);
    const pid = (await join(db, buyer(), c.id, 1)).participation.id;
    db.clockOffset = "31 minutes";
    expect((await db.rpc(service, "run_sambatan_lifecycle")).released).toBe(1);
    const got = await notify({ participation: pid, txn: "xn-late", provider: "xendit", status: "PAID", amount: PRICE });
    expect(got.result).toBe("late_payment");
    expect(await participant(pid)).toMatchObject({ status: "cancelled", cancel_reason: "payment_timeout", paid_at: null });
    expect(await refundsOf(pid)).toEqual([{ reason: "late_payment", amount: PRICE, status: "pending", provider: "xendit" }]);
    expect(await events(pid, "late_payment")).toBe(1);
    expect(await events(pid, "refund_owed")).toBe(1);
    // The same late payment again (another status word) owes nothing more.
    expect((await notify({ participation: pid, txn: "xn-late", provider: "xendit", status: "SETTLED", amount: PRICE })).result).toBe("already_paid");
    expect((await refundsOf(pid)).length).toBe(1);
    expect(await violations(db)).toEqual([]);
  });

  test("a second, different payment of a paid participation is owed back and flagged", async () => {
    const c = await windowed();
    const pid = (await join(db, buyer(), c.id, 1)).participation.id;
    await notify({ participation: pid, txn: "mt-a", amount: PRICE });
    expect((await notify({ participation: pid, txn: "xn-b", provider: "xendit", status: "PAID", amount: PRICE })).result).toBe("late_payment");
    expect((await participant(pid)).payment_reference).toBe("mt-a");
    expect(await refundsOf(pid)).toEqual([{ reason: "late_payment", amount: PRICE, status: "pending", provider: "xendit" }]);
    expect((await db.sql("select flagged from public.payment_events where provider_transaction_id = 'xn-b'"))[0].flagged).toBe(true);
    expect(await violations(db)).toEqual([]);
  });

  test("only the service role records notifications; bad arguments are VALIDATION_FAILED", async () => {
    const args = {
      p_provider: "midtrans", p_participation_id: null, p_provider_transaction_id: "x", p_status: "settlement",
      p_outcome: "paid", p_amount: 1, p_payload: {},
    };
    for (const who of [anon, buyer(), boss]) {
      expect(await code(db.rpc(who, "record_payment_notification", args))).toBe("42501");
    }
    expect(await code(db.rpc(service, "record_payment_notification", { ...args, p_provider: "manual" }))).toBe("SB003");
    expect(await code(db.rpc(service, "record_payment_notification", { ...args, p_outcome: "settled" }))).toBe("SB003");
    expect(await code(db.rpc(service, "record_payment_notification", { ...args, p_provider_transaction_id: "" }))).toBe("SB003");
    expect(await code(db.rpc(service, "record_payment_notification", { ...args, p_status: null }))).toBe("SB003");
  });
});

describe("confirm_payment", () => {
  test("a manager marks a pending participation paid by hand, audited", async () => {
    const c = await windowed();
    const pid = (await join(db, buyer(), c.id, 2)).participation.id;
    const got = await db.rpc(boss, "confirm_payment", { p_participation_id: pid, p_reference: " BCA-123 " });
    expect(got).toMatchObject({ id: pid, status: "paid", payment_provider: "manual", payment_reference: "BCA-123", paid_amount: 2 * PRICE });
    expect(await events(pid, "paid")).toBe(1);
    expect(await code(db.rpc(boss, "confirm_payment", { p_participation_id: pid, p_reference: "again" }))).toBe("SB024");
    expect(await violations(db)).toEqual([]);
  });

  test("errors: forbidden, not found, final, validation", async () => {
    const c = await windowed();
    const who = buyer();
    const pid = (await join(db, who, c.id, 1)).participation.id;
    expect(await code(db.rpc(who, "confirm_payment", { p_participation_id: pid, p_reference: "x" }))).toBe("SB002");
    expect(await code(db.rpc(anon, "confirm_payment", { p_participation_id: pid, p_reference: "x" }))).toBe("42501");
    expect(await code(db.rpc(boss, "confirm_payment", { p_participation_id: crypto.randomUUID(), p_reference: "x" }))).toBe("SB012");
    expect(await code(db.rpc(boss, "confirm_payment", { p_participation_id: pid, p_reference: "  " }))).toBe("SB003");
    await db.rpc(who, "cancel_participation", { p_participation_id: pid });
    expect(await code(db.rpc(boss, "confirm_payment", { p_participation_id: pid, p_reference: "x" }))).toBe("SB024");
    expect((await participant(pid)).status).toBe("cancelled");
  });
});

describe("row guards", () => {
  test("payment facts and due times never change once set, even for the table owner", async () => {
    const c = await windowed();
    const pid = (await join(db, buyer(), c.id, 1)).participation.id;
    expect((await failure(db.sql("update public.sambatan_participants set payment_due_at = now() + interval '9 days' where id = $1", [pid]))).code).toBe("SB003");
    await notify({ participation: pid, txn: "mt-guard", amount: PRICE });
    expect((await failure(db.sql("update public.sambatan_participants set paid_amount = 1 where id = $1", [pid]))).code).toBe("SB003");
    expect((await failure(db.sql("update public.sambatan_participants set payment_reference = 'x' where id = $1", [pid]))).code).toBe("SB003");
    // paid moves on only to confirmed or refunded.
    expect((await failure(db.sql("update public.sambatan_participants set status = 'pending_payment' where id = $1", [pid]))).code).toBe("SB024");
    expect((await failure(db.sql("update public.sambatan_participants set status = 'cancelled' where id = $1", [pid]))).code).toBe("SB024");
    expect((await participant(pid)).status).toBe("paid");
  });
});

describe("cancel a paid participation", () => {
  test("refunds it with a participation_cancelled refund, releases its slots once and reopens a locked campaign", async () => {
    const c = await windowed(2);
    const who = buyer();
    const pid = (await join(db, who, c.id, 2)).participation.id;
    await notify({ participation: pid, txn: "mt-cancel", amount: 2 * PRICE });
    expect((await campaignRow(c.id)).status).toBe("locked");
    const got = await db.rpc(who, "cancel_participation", { p_participation_id: pid, p_reason: "changed my mind" });
    expect(got).toMatchObject({ status: "refunded", paid_amount: 2 * PRICE });
    expect(await campaignRow(c.id)).toMatchObject({ status: "active", filled_slots: 0, locked_at: null });
    expect(await refundsOf(pid)).toEqual([{ reason: "participation_cancelled", amount: 2 * PRICE, status: "pending", provider: "midtrans" }]);
    expect(await code(db.rpc(who, "cancel_participation", { p_participation_id: pid }))).toBe("SB024");
    expect((await campaignRow(c.id)).filled_slots).toBe(0);
    expect(await violations(db)).toEqual([]);
  });
});

describe("lifecycle with payments", () => {
  test("releases an unpaid reservation past its window exactly once, and the slot sells again", async () => {
    const c = await windowed(3, 30);
    const late = (await join(db, buyer(), c.id, 2)).participation.id;
    db.clockOffset = "29 minutes";
    expect((await db.rpc(service, "run_sambatan_lifecycle")).released).toBe(0);
    db.clockOffset = "31 minutes";
    expect(await db.rpc(service, "run_sambatan_lifecycle")).toEqual({
      released: 1, fulfilled: 0, expired: 0, confirmed: 0, refunded: 0, more: false,
    });
    expect(await db.rpc(service, "run_sambatan_lifecycle")).toMatchObject({ released: 0, more: false });
    expect(await participant(late)).toMatchObject({ status: "cancelled", cancel_reason: "payment_timeout" });
    expect(await events(late, "released")).toBe(1);
    expect((await campaignRow(c.id)).filled_slots).toBe(0);
    await join(db, buyer(), c.id, 3);
    expect((await campaignRow(c.id)).status).toBe("locked");
    expect(await violations(db)).toEqual([]);
  });

  test("a locked campaign waits for every payment, reopens on a release, and fulfils only when all are paid", async () => {
    const c = await windowed(3, 30);
    const a = (await join(db, buyer(), c.id, 1)).participation.id;
    db.clockOffset = "10 minutes";
    const b = (await join(db, buyer(), c.id, 2)).participation.id;
    expect((await campaignRow(c.id)).status).toBe("locked");
    await notify({ participation: b, txn: "mt-b", amount: 2 * PRICE });
    // a is unpaid and not yet due: the campaign stays locked, and nothing is left to do.
    expect(await db.rpc(service, "run_sambatan_lifecycle")).toMatchObject({ fulfilled: 0, released: 0, more: false });
    expect((await campaignRow(c.id)).status).toBe("locked");
    db.clockOffset = "31 minutes";
    expect(await db.rpc(service, "run_sambatan_lifecycle")).toMatchObject({ released: 1, fulfilled: 0 });
    expect(await campaignRow(c.id)).toMatchObject({ status: "active", filled_slots: 2, locked_at: null });
    const audit = await db.sql("select count(*)::int as n from public.sambatan_audit_logs where campaign_id = $1 and event = 'reactivated'", [c.id]);
    expect(audit[0].n).toBe(1);
    const d = (await join(db, buyer(), c.id, 1)).participation.id;
    expect((await campaignRow(c.id)).status).toBe("locked");
    await db.rpc(boss, "confirm_payment", { p_participation_id: d, p_reference: "cash" });
    expect(await db.rpc(service, "run_sambatan_lifecycle")).toMatchObject({ fulfilled: 1, confirmed: 2 });
    expect((await participant(b)).status).toBe("confirmed");
    expect((await participant(d)).status).toBe("confirmed");
    expect((await participant(a)).status).toBe("cancelled");
    const progress = (await db.rpc(anon, "get_campaign", { p_campaign_id: c.id })).progress;
    expect(progress).toMatchObject({ paid_slots: 3, unpaid_slots: 0, amount_paid: 3 * PRICE, refunds_pending: 0 });
    expect(await violations(db)).toEqual([]);
  });

  test("expiry refunds the paid (campaign_expired refund) and cancels the unpaid", async () => {
    const c = await windowed(5, 10080);
    const paid = (await join(db, buyer(), c.id, 2)).participation.id;
    const unpaid = (await join(db, buyer(), c.id, 1)).participation.id;
    await notify({ participation: paid, txn: "xn-exp", provider: "xendit", status: "PAID", amount: 2 * PRICE });
    db.clockOffset = "4 days";
    expect(await db.rpc(service, "run_sambatan_lifecycle")).toMatchObject({ expired: 1, refunded: 1, released: 0 });
    expect(await participant(paid)).toMatchObject({ status: "refunded" });
    expect(await participant(unpaid)).toMatchObject({ status: "cancelled", cancel_reason: "campaign_expired" });
    expect(await refundsOf(paid)).toEqual([{ reason: "campaign_expired", amount: 2 * PRICE, status: "pending", provider: "xendit" }]);
    expect(await refundsOf(unpaid)).toEqual([]);
    expect(await campaignRow(c.id)).toMatchObject({ status: "expired", filled_slots: 2 });
    // Money for the unpaid one arriving now is owed back.
    expect((await notify({ participation: unpaid, txn: "mt-after", amount: PRICE })).result).toBe("late_payment");
    expect((await db.rpc(anon, "get_campaign", { p_campaign_id: c.id })).progress.refunds_pending).toBe(3 * PRICE);
    expect(await violations(db)).toEqual([]);
  });

  test("a reservation released past the deadline lets the campaign expire in the same run", async () => {
    const c = await campaign(db, boss, { slots: 1, price: PRICE, window: 60, deadline: new Date(Date.now() + 30 * 60_000).toISOString() });
    const pid = (await join(db, buyer(), c.id, 1)).participation.id;
    db.clockOffset = "61 minutes";
    expect(await db.rpc(service, "run_sambatan_lifecycle")).toMatchObject({ released: 1, expired: 1, refunded: 0, more: false });
    expect(await participant(pid)).toMatchObject({ status: "cancelled", cancel_reason: "payment_timeout" });
    expect(await campaignRow(c.id)).toMatchObject({ status: "expired", filled_slots: 0 });
    expect(await violations(db)).toEqual([]);
  });

  test("the legacy check_sambatan_deadlines lists a release as a move back to active", async () => {
    const c = await windowed(1, 30);
    await join(db, buyer(), c.id, 1);
    db.clockOffset = "31 minutes";
    expect(await db.rpc(service, "check_sambatan_deadlines")).toEqual([
      { campaign_id: c.id, from: "locked", to: "active", participants: 1, amount: PRICE },
    ]);
  });

  test("the operator's complete on a windowed campaign confirms the paid and cancels the unpaid", async () => {
    const c = await windowed(5);
    const paid = (await join(db, buyer(), c.id, 2)).participation.id;
    const unpaid = (await join(db, buyer(), c.id, 1)).participation.id;
    await db.rpc(boss, "confirm_payment", { p_participation_id: paid, p_reference: "cash" });
    expect(await db.rpc(service, "complete_sambatan_campaign", { p_campaign_id: c.id })).toMatchObject({ status: "fulfilled", filled_slots: 2 });
    expect((await participant(paid)).status).toBe("confirmed");
    expect(await participant(unpaid)).toMatchObject({ status: "cancelled", cancel_reason: "unpaid_at_fulfilment" });
    expect(await violations(db)).toEqual([]);
  });
});

describe("refunds ledger", () => {
  let refundIds: string[] = [];
  let campaignId: string;
  beforeAll(async () => {
    db.clockOffset = "0";
    const c = await windowed(10);
    campaignId = c.id;
    const owners = [buyer(), buyer(), buyer()];
    for (const [i, who] of owners.entries()) {
      const pid = (await join(db, who, c.id, 1)).participation.id;
      await notify({ participation: pid, txn: `mt-r${i}`, amount: PRICE });
      await db.rpc(who, "cancel_participation", { p_participation_id: pid });
    }
    refundIds = (await db.sql("select id from public.refunds where campaign_id = $1 order by created_at desc, id desc", [c.id])).map((r) => r.id);
  });

  test("list_refunds pages newest first and filters by status and campaign", async () => {
    const page1 = await db.rpc(boss, "list_refunds", { p_campaign_id: campaignId, p_limit: 2 });
    expect(page1.items.map((r: any) => r.id)).toEqual(refundIds.slice(0, 2));
    expect(page1.items[0]).toMatchObject({ campaign_id: campaignId, amount: PRICE, reason: "participation_cancelled", status: "pending", completed_at: null });
    const page2 = await db.rpc(boss, "list_refunds", { p_campaign_id: campaignId, p_limit: 2, p_cursor: page1.next_cursor });
    expect(page2).toEqual({ items: [expect.objectContaining({ id: refundIds[2] })], next_cursor: null });
    expect((await db.rpc(boss, "list_refunds", { p_campaign_id: crypto.randomUUID() })).items).toEqual([]);
    expect(await code(db.rpc(boss, "list_refunds", { p_status: "done" }))).toBe("SB003");
    expect(await code(db.rpc(boss, "list_refunds", { p_limit: 0 }))).toBe("SB003");
    expect(await code(db.rpc(buyer(), "list_refunds", {}))).toBe("SB002");
    expect(await code(db.rpc(anon, "list_refunds", {}))).toBe("42501");
  });

  test("complete_refund records succeeded or failed once, audited; the ledger and the money balance follow", async () => {
    const ok = await db.rpc(boss, "complete_refund", { p_refund_id: refundIds[0], p_status: "succeeded", p_reference: "RF-1" });
    expect(ok).toMatchObject({ id: refundIds[0], status: "succeeded", provider_reference: "RF-1" });
    expect(ok.completed_at).not.toBeNull();
    expect((await db.rpc(boss, "complete_refund", { p_refund_id: refundIds[1], p_status: "failed" })).status).toBe("failed");
    expect(await code(db.rpc(boss, "complete_refund", { p_refund_id: refundIds[0], p_status: "failed" }))).toBe("SB060");
    expect(await code(db.rpc(boss, "complete_refund", { p_refund_id: crypto.randomUUID(), p_status: "failed" }))).toBe("SB014");
    expect(await code(db.rpc(boss, "complete_refund", { p_refund_id: refundIds[2], p_status: "pending" }))).toBe("SB003");
    expect(await code(db.rpc(buyer(), "complete_refund", { p_refund_id: refundIds[2], p_status: "succeeded" }))).toBe("SB002");
    const audit = await db.sql("select event from public.sambatan_audit_logs where campaign_id = $1 and event like 'refund_%' order by id", [campaignId]);
    expect(audit.map((a) => a.event)).toEqual(["refund_owed", "refund_owed", "refund_owed", "refund_succeeded", "refund_failed"]);
    expect((await db.rpc(boss, "list_refunds", { p_status: "pending", p_campaign_id: campaignId })).items.map((r: any) => r.id)).toEqual([refundIds[2]]);
    const dash = await db.rpc(boss, "sambatan_dashboard_summary");
    expect(dash.amounts.refunds_pending).toBeGreaterThanOrEqual(PRICE);
    // A completed refund's money cannot be rewritten even by the owner of the database role.
    expect((await failure(db.sql("update public.refunds set amount = 1 where id = $1", [refundIds[0]]))).code).toBe("SB060");
    expect(await violations(db)).toEqual([]);
  });

  test("metrics count refunds by status and payment events by outcome", async () => {
    const metrics: any[] = await db.rpc(manager(undefined, ["scheduled_job.read"]), "sambatan_metrics");
    const byName = Object.fromEntries(metrics.map((m) => [m.name, m.samples]));
    const refunds = Object.fromEntries(byName.sambatan_refunds.map((s: any) => [s.labels.status, s.value]));
    expect(refunds.succeeded).toBeGreaterThanOrEqual(1);
    expect(refunds.failed).toBeGreaterThanOrEqual(1);
    const outcomes = Object.fromEntries(byName.sambatan_payment_events_total.map((s: any) => [s.labels.outcome, s.value]));
    expect(outcomes.paid).toBeGreaterThanOrEqual(3);
    expect(Object.keys(outcomes).sort()).toEqual(["cancelled", "denied", "expired", "other", "paid", "pending"]);
  });
});

describe("row level security of the payment tables", () => {
  const owner = buyer();
  const other = buyer();
  let pid: string;
  beforeAll(async () => {
    db.clockOffset = "0";
    const c = await windowed(5);
    pid = (await join(db, owner, c.id, 1)).participation.id;
    await db.rpc(owner, "record_checkout", {
      p_participation_id: pid, p_provider: "xendit", p_provider_transaction_id: "inv-rls",
      p_redirect_url: "https://checkout.xendit.co/web/inv-rls", p_token: null, p_expires_at: null,
    });
    await notify({ participation: pid, txn: "inv-rls", provider: "xendit", status: "PAID", amount: PRICE });
    await db.rpc(owner, "cancel_participation", { p_participation_id: pid });
  });
  const rows = async (who: Claims, table: string) =>
    (await db.asRole(who, `select participation_id from public.${table}`)).map((r: any) => r.participation_id);

  test.each(["payment_transactions", "refunds"])("%s: the owner sees their own, another buyer nothing, managers and service all", async (table) => {
    expect(await rows(owner, table)).toEqual([pid]);
    expect(await rows(other, table)).toEqual([]);
    expect(await rows(boss, table)).toContain(pid);
    expect(await rows(service, table)).toContain(pid);
    expect((await failure(rows(anon, table))).code).toBe("42501");
  });

  test("payment_events: managers and service only", async () => {
    expect(await rows(owner, "payment_events")).toEqual([]);
    expect(await rows(boss, "payment_events")).toContain(pid);
    expect(await rows(service, "payment_events")).toContain(pid);
    expect((await failure(rows(anon, "payment_events"))).code).toBe("42501");
  });

  test.each([
    ["payment_transactions", "insert into public.payment_transactions (participation_id, provider, provider_transaction_id) values ($1, 'manual', 'x')"],
    ["payment_events", "insert into public.payment_events (provider, provider_transaction_id, status, outcome, result) values ('xendit', 'y', 'PAID', 'paid', 'paid')"],
    ["refunds", "update public.refunds set status = 'succeeded' where participation_id = $1"],
  ])("no client role writes %s directly", async (_table, sql) => {
    for (const who of [owner, boss, service]) {
      const params = sql.includes("$1") ? [pid] : [];
      expect((await failure(db.asRole(who, sql, params))).code).toBe("42501");
    }
  });
});

describe("participants for managers (list_participants)", () => {
  test("pages a campaign's participations newest first with payment state and due time, by status; managers only", async () => {
    db.clockOffset = "0";
    const c = await windowed(10, 45);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.unshift((await join(db, buyer(), c.id, 1)).participation.id);
    await db.rpc(boss, "confirm_payment", { p_participation_id: ids[0], p_reference: "cash" });
    const page1 = await db.rpc(boss, "list_participants", { p_campaign_id: c.id, p_limit: 2 });
    expect(page1.items.map((p: any) => p.id)).toEqual(ids.slice(0, 2));
    expect(page1.items[0]).toMatchObject({ status: "paid", payment_provider: "manual", paid_amount: PRICE });
    expect(page1.items[1]).toMatchObject({ status: "pending_payment", payment_due_at: expect.any(String), paid_at: null });
    const page2 = await db.rpc(boss, "list_participants", { p_campaign_id: c.id, p_limit: 2, p_cursor: page1.next_cursor });
    expect(page2).toEqual({ items: [expect.objectContaining({ id: ids[2] })], next_cursor: null });
    const pending = await db.rpc(boss, "list_participants", { p_campaign_id: c.id, p_status: "pending_payment" });
    expect(pending.items.map((p: any) => p.id)).toEqual(ids.slice(1));
    // Without a campaign it spans every campaign (the console's payments page).
    expect((await db.rpc(boss, "list_participants", { p_status: "paid", p_limit: 100 })).items.map((p: any) => p.id)).toContain(ids[0]);
    expect(await code(db.rpc(boss, "list_participants", { p_campaign_id: crypto.randomUUID() }))).toBe("SB011");
    expect(await code(db.rpc(boss, "list_participants", { p_limit: 101 }))).toBe("SB003");
    expect(await code(db.rpc(buyer(), "list_participants", { p_campaign_id: c.id }))).toBe("SB002");
    expect(await code(db.rpc(anon, "list_participants", {}))).toBe("42501");
  });
});
