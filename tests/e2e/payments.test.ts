// Payments over HTTP, end to end: buyers and managers through supabase-js on the
// local stack, the providers as local stand-in servers that hold every request to
// their documented shape and auth, and their notifications posted to
// payment-webhook exactly as Midtrans and Xendit post them. Rows are read behind the
// API after each step, and the money invariant is checked throughout.

import { randomUUID } from "node:crypto";
import type { SupabaseClient } from "@supabase/supabase-js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as schema from "../../shared/schemas.ts";
import { invariantViolationsSql } from "../helpers/invariants.ts";
import type { Sql } from "../helpers/pg.ts";
import { type MidtransStandIn, midtransNotification, startMidtrans, startXendit, xenditCallback, type XenditStandIn } from "../helpers/providers.ts";
import { call, OPERATE, MANAGE, type PgStack, serverFailures, stackOnFreshDatabase, tableState } from "./harness.ts";
import { errorOf, inDays, invoke, SEED_PRODUCTS, type Stack, TEST_PAYMENT_KEYS } from "./stack.ts";

const address = "Jl. Kemang Raya No. 8\nJakarta Selatan";
const PRICE = 75_000;

/**
 * Rows breaking QUALITY.md's invariants plus the money invariant (tests/helpers/invariants.ts):
 * per campaign, money received (late payments included) minus refunds owed equals what it
 * holds, which once settled is what a fulfilled campaign keeps and 0 for any other.
 */
const moneyViolations = (sql: Sql) => sql.unsafe(invariantViolationsSql);

interface World {
  env: PgStack;
  stack: Stack;
  sql: Sql;
  manager: SupabaseClient;
  operator: SupabaseClient;
  buyer(): Promise<{ sub: string; client: SupabaseClient }>;
  campaign(totalSlots: number, windowMinutes: number | null): Promise<schema.Campaign>;
  join(client: SupabaseClient, campaignId: string, quantity?: number): Promise<schema.Participation>;
  checkout(client: SupabaseClient, participationId: string): ReturnType<typeof invoke>;
  lifecycle(): Promise<Record<string, number>>;
  participant(id: string): Promise<Record<string, any>>;
  /** Moves the database's clock (for every request from now on) by `interval`. */
  moveClock(interval: string): Promise<void>;
}

async function world(env: Record<string, string>): Promise<World> {
  const pg = await stackOnFreshDatabase({ env });
  const { stack } = pg;
  const manager = stack.client(await stack.token(randomUUID(), MANAGE));
  const operator = stack.client(await stack.token(randomUUID(), OPERATE));
  return {
    env: pg,
    stack,
    sql: pg.db.sql,
    manager,
    operator,
    async buyer() {
      const sub = randomUUID();
      return { sub, client: stack.client(await stack.token(sub)) };
    },
    async campaign(totalSlots, windowMinutes) {
      const r = await invoke(manager, "campaigns-create", {
        body: { product_id: SEED_PRODUCTS.kopiGayo, title: "Kopi Gayo bayar dulu", total_slots: totalSlots, price_per_slot: PRICE, deadline: inDays(2), payment_window_minutes: windowMinutes },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return schema.campaign.parse(r.body);
    },
    async join(client, campaignId, quantity = 1) {
      const r = await invoke(client, "campaign-join", { body: { campaign_id: campaignId, quantity, shipping_address: address } });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return schema.participation.parse(r.body);
    },
    checkout: (client, participationId) => invoke(client, "participation-checkout", { body: { participation_id: participationId } }),
    async lifecycle() {
      const r = await invoke(operator, "scheduler-trigger", { body: {} });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body.execution.result;
    },
    async participant(id) {
      const [row] = await pg.db.sql`select * from public.sambatan_participants where id = ${id}`;
      // bigint arrives as text from postgres.js; these amounts are far below 2^53.
      return { ...row, amount: Number(row.amount), paid_amount: row.paid_amount === null ? null : Number(row.paid_amount) };
    },
    async moveClock(interval) {
      // sambatan_private.clock() adds sambatan.clock_offset. Set for the database, it reaches
      // sessions as they connect, so the stack's pooled sessions are ended and reconnect.
      await pg.db.sql.unsafe(`alter database ${pg.db.name} set sambatan.clock_offset = '${interval}'`);
      await pg.db.sql`select pg_terminate_backend(pid) from pg_stat_activity
                       where datname = current_database() and application_name = 'sambatan-functions'`;
      const until = Date.now() + 10_000;
      for (;;) {
        const r = await call(stack, "health");
        if (r.status === 200) break;
        if (Date.now() > until) throw new Error(`the stack did not reconnect: ${r.text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

/** A Midtrans notification posted as Midtrans posts it. */
const postMidtrans = (stack: Stack, body: Record<string, unknown>) =>
  call(stack, "payment-webhook", { method: "POST", query: { provider: "midtrans" }, headers: { "content-type": "application/json" }, body });
const postXendit = (stack: Stack, body: Record<string, unknown>, token: string = TEST_PAYMENT_KEYS.xenditCallbackToken) =>
  call(stack, "payment-webhook", { method: "POST", query: { provider: "xendit" }, headers: { "content-type": "application/json", "x-callback-token": token }, body });
const settlement = (orderId: string, amount: number, extra: Record<string, string> = {}) =>
  midtransNotification(TEST_PAYMENT_KEYS.midtransServerKey, { order_id: orderId, transaction_status: "settlement", gross_amount: amount, ...extra });

describe("payments through Midtrans", () => {
  let midtrans: MidtransStandIn;
  let w: World;

  beforeAll(async () => {
    midtrans = await startMidtrans(TEST_PAYMENT_KEYS.midtransServerKey);
    w = await world({ SAMBATAN_PAYMENT_PROVIDER: "midtrans", SAMBATAN_MIDTRANS_API_URL: midtrans.url });
  }, 180_000);
  afterAll(async () => {
    const failures = w ? serverFailures(w.stack) : [];
    await w?.env.stop();
    await midtrans?.close();
    expect(failures).toEqual([]);
  });

  test("join → checkout → webhook → paid → lock → lifecycle → confirmed, with the money invariant after every step", async () => {
    const campaign = await w.campaign(2, 30);
    expect(campaign.payment_window_minutes).toBe(30);
    const [a, b] = [await w.buyer(), await w.buyer()];
    const pa = await w.join(a.client, campaign.id);
    expect(pa.status).toBe("pending_payment");
    expect(Date.parse(pa.payment_due_at!) - Date.parse(pa.created_at)).toBeCloseTo(30 * 60_000, -4);

    // Checkout: one Snap transaction, shaped as Snap documents, expiring within the window.
    const opened = await w.checkout(a.client, pa.id);
    expect(opened.status, JSON.stringify(opened.body)).toBe(200);
    const answer = schema.checkoutAnswer.parse(opened.body);
    expect(answer).toMatchObject({ provider: "midtrans", token: expect.any(String) });
    expect(answer.redirect_url).toBe(`${midtrans.url}/snap/v4/redirection/${answer.token}`);
    expect(Date.parse(answer.expires_at!)).toBeLessThanOrEqual(Date.parse(pa.payment_due_at!));
    expect(midtrans.transactions.get(answer.token!)).toMatchObject({ orderId: pa.id, grossAmount: PRICE, expiresAt: answer.expires_at });
    // A retry (a reload, a double tap) returns the same transaction without asking Midtrans again.
    const asked = midtrans.requests.length;
    const again = await w.checkout(a.client, pa.id);
    expect(again.body).toEqual(opened.body);
    expect(midtrans.requests.length).toBe(asked);
    expect(await w.sql`select provider, provider_transaction_id from public.payment_transactions where participation_id = ${pa.id}`)
      .toEqual([{ provider: "midtrans", provider_transaction_id: answer.token }]);

    // Midtrans settles: paid, with provider, reference and amount.
    const paid = await postMidtrans(w.stack, settlement(pa.id, PRICE));
    expect(paid.status, paid.text).toBe(200);
    expect(paid.json).toEqual({ received: true, result: "paid" });
    expect(await w.participant(pa.id)).toMatchObject({ status: "paid", payment_provider: "midtrans", paid_amount: PRICE });
    expect(await moneyViolations(w.sql)).toEqual([]);

    // B fills the campaign: it locks, but one unpaid participation holds fulfilment back.
    const pb = await w.join(b.client, campaign.id);
    const locked = await invoke(w.manager, "campaign-get", { method: "GET", query: { id: campaign.id } });
    expect(locked.body).toMatchObject({ status: "locked", progress: { paid_slots: 1, unpaid_slots: 1, amount_paid: PRICE } });
    await w.lifecycle();
    expect((await w.sql`select status from public.sambatan_campaigns where id = ${campaign.id}`)[0].status).toBe("locked");

    expect((await w.checkout(b.client, pb.id)).status).toBe(200);
    expect((await postMidtrans(w.stack, settlement(pb.id, PRICE))).json).toEqual({ received: true, result: "paid" });
    const run = await w.lifecycle();
    expect(run.fulfilled).toBeGreaterThanOrEqual(1);
    const statuses = await w.sql`select status from public.sambatan_participants where campaign_id = ${campaign.id} order by status`;
    expect(statuses.map((r) => r.status)).toEqual(["confirmed", "confirmed"]);
    expect((await w.sql`select status from public.sambatan_campaigns where id = ${campaign.id}`)[0].status).toBe("fulfilled");
    const mine = await invoke(a.client, "my-participations", { method: "GET" });
    expect(mine.body.items).toEqual([expect.objectContaining({ id: pa.id, status: "confirmed", payment_provider: "midtrans", paid_amount: PRICE })]);
    expect(await moneyViolations(w.sql)).toEqual([]);
  });

  test("join → no payment → clock past the window → lifecycle → released → the slot sells again; a late payment is a refund owed", async () => {
    const campaign = await w.campaign(1, 5);
    const [a, b] = [await w.buyer(), await w.buyer()];
    const pa = await w.join(a.client, campaign.id);
    expect((await w.sql`select status from public.sambatan_campaigns where id = ${campaign.id}`)[0].status).toBe("locked");
    // A second buyer finds it full while the reservation stands.
    expect(errorOf(await invoke(b.client, "campaign-join", { body: { campaign_id: campaign.id, quantity: 1, shipping_address: address } })).code).toBe("CAMPAIGN_FULL");

    // Five minutes and a bit pass on the database's clock, which every RPC reads.
    await w.moveClock("5 minutes 10 seconds");
    const run = await w.lifecycle();
    expect(run.released).toBeGreaterThanOrEqual(1);
    expect(await w.participant(pa.id)).toMatchObject({ status: "cancelled", cancel_reason: "payment_timeout" });
    expect((await w.sql`select status, filled_slots from public.sambatan_campaigns where id = ${campaign.id}`)[0]).toEqual({ status: "active", filled_slots: 0 });
    // Checkout after the release is refused; the slot sells again.
    expect(errorOf(await w.checkout(a.client, pa.id))).toMatchObject({ status: 409 });
    const pb = await w.join(b.client, campaign.id);
    expect(pb.status).toBe("pending_payment");

    // A's money arrives anyway: not lost, not a paid participation, but a refund owed.
    const late = await postMidtrans(w.stack, settlement(pa.id, PRICE));
    expect(late.json).toEqual({ received: true, result: "late_payment" });
    expect(await w.participant(pa.id)).toMatchObject({ status: "cancelled" });
    const refunds = await invoke(w.manager, "refunds-list", { method: "GET", query: { campaign_id: campaign.id } });
    expect(refunds.status).toBe(200);
    const [refund] = schema.page(schema.refund).parse(refunds.body).items;
    expect(refund).toMatchObject({ participation_id: pa.id, amount: PRICE, reason: "late_payment", status: "pending" });
    expect(await moneyViolations(w.sql)).toEqual([]);

    const done = await invoke(w.manager, "refund-complete", { body: { refund_id: refund.id, status: "succeeded", reference: "BCA-REFUND-77" } });
    expect(done.status).toBe(200);
    expect(schema.refund.parse(done.body)).toMatchObject({ status: "succeeded", provider_reference: "BCA-REFUND-77" });
    expect(errorOf(await invoke(w.manager, "refund-complete", { body: { refund_id: refund.id, status: "failed" } }))).toMatchObject({ status: 409, code: "REFUND_FINAL" });
  });

  test("a webhook without a valid proof is 401 UNAUTHENTICATED and writes nothing", async () => {
    const campaign = await w.campaign(3, 30);
    const a = await w.buyer();
    const pa = await w.join(a.client, campaign.id);
    const before = await tableState(w.sql);
    const genuine = settlement(pa.id, PRICE);
    for (const forged of [
      { ...genuine, signature_key: "0".repeat(128) },
      { ...genuine, signature_key: undefined },
      { ...genuine, gross_amount: "1.00" },
      midtransNotification("SB-Mid-server-someone-else", { order_id: pa.id, transaction_status: "settlement", gross_amount: PRICE }),
    ]) {
      const r = await postMidtrans(w.stack, forged);
      expect({ status: r.status, code: r.json?.error?.code }).toEqual({ status: 401, code: "UNAUTHENTICATED" });
    }
    // A Supabase secret key is no proof either.
    const withKey = await call(w.stack, "payment-webhook", {
      method: "POST", query: { provider: "midtrans" }, headers: { apikey: w.stack.secretKey, authorization: `Bearer ${w.stack.secretKey}` }, body: { ...genuine, signature_key: undefined },
    });
    expect(withKey.status).toBe(401);
    expect(await tableState(w.sql)).toEqual(before);
    expect(await w.participant(pa.id)).toMatchObject({ status: "pending_payment", paid_at: null });
  });

  test("duplicate and out-of-order notifications answer 200 and change nothing; a wrong amount is flagged, not paid", async () => {
    const campaign = await w.campaign(3, 30);
    const a = await w.buyer();
    const pa = await w.join(a.client, campaign.id);
    const transactionId = randomUUID();
    const pending = midtransNotification(TEST_PAYMENT_KEYS.midtransServerKey, { order_id: pa.id, transaction_status: "pending", gross_amount: PRICE, transaction_id: transactionId });
    const settled = settlement(pa.id, PRICE, { transaction_id: transactionId });
    expect((await postMidtrans(w.stack, settled)).json).toEqual({ received: true, result: "paid" });
    const after = await tableState(w.sql);
    // Midtrans retries: the same notification again, and the older 'pending' arriving late.
    const replay = await postMidtrans(w.stack, settled);
    expect(replay.status).toBe(200);
    expect(replay.json).toEqual({ received: true, result: "duplicate" });
    expect(await tableState(w.sql)).toEqual(after);
    const stale = await postMidtrans(w.stack, pending);
    expect(stale.status).toBe(200);
    expect(await w.participant(pa.id)).toMatchObject({ status: "paid", paid_amount: PRICE });
    expect((await w.sql`select count(*)::int as n from public.payment_events where participation_id = ${pa.id}`)[0].n).toBe(2);

    // Someone pays 1 rupiah on another participation: recorded and flagged, not paid.
    const pb = await w.join((await w.buyer()).client, campaign.id);
    const short = await postMidtrans(w.stack, settlement(pb.id, 1));
    expect(short.json).toEqual({ received: true, result: "amount_mismatch" });
    expect(await w.participant(pb.id)).toMatchObject({ status: "pending_payment", paid_at: null });
    expect((await w.sql`select flagged from public.payment_events where participation_id = ${pb.id}`)[0].flagged).toBe(true);
    // Nothing personal is stored from a notification.
    const payloads = JSON.stringify(await w.sql`select payload from public.payment_events`);
    expect(payloads).not.toMatch(/masked_card|va_number|merchant_id/);
    expect(await moneyViolations(w.sql)).toEqual([]);
  });

  test("a provider failure is 502 PAYMENT_PROVIDER_ERROR and records nothing; the retry opens the transaction", async () => {
    const campaign = await w.campaign(3, 30);
    const a = await w.buyer();
    const pa = await w.join(a.client, campaign.id);
    const before = await tableState(w.sql);
    midtrans.failNext(500);
    expect(errorOf(await w.checkout(a.client, pa.id))).toMatchObject({ status: 502, code: "PAYMENT_PROVIDER_ERROR", details: { provider: "midtrans", status: 500 } });
    expect(await tableState(w.sql)).toEqual(before);
    expect((await w.checkout(a.client, pa.id)).status).toBe(200);
  });

  test("manual confirmation by a manager; checkout of a campaign without a window is PAYMENT_NOT_REQUIRED", async () => {
    const campaign = await w.campaign(3, 60);
    const a = await w.buyer();
    const pa = await w.join(a.client, campaign.id);
    const confirmed = await invoke(w.manager, "payment-confirm", { body: { participation_id: pa.id, reference: "TUNAI-0042" } });
    expect(confirmed.status, JSON.stringify(confirmed.body)).toBe(200);
    expect(schema.participation.parse(confirmed.body)).toMatchObject({ status: "paid", payment_provider: "manual", payment_reference: "TUNAI-0042", paid_amount: PRICE });
    expect(errorOf(await invoke(w.manager, "payment-confirm", { body: { participation_id: pa.id, reference: "TUNAI-0043" } }))).toMatchObject({ status: 409, code: "PARTICIPATION_FINAL" });
    // A buyer cannot confirm their own payment.
    expect(errorOf(await invoke(a.client, "payment-confirm", { body: { participation_id: pa.id, reference: "x" } })).status).toBe(403);

    const legacy = await w.campaign(3, null);
    const pl = await w.join(a.client, legacy.id);
    expect(pl.payment_due_at).toBeNull();
    expect(errorOf(await w.checkout(a.client, pl.id))).toMatchObject({ status: 409, code: "PAYMENT_NOT_REQUIRED" });
  });
});

describe("payments through Xendit", () => {
  let xendit: XenditStandIn;
  let w: World;

  beforeAll(async () => {
    xendit = await startXendit();
    w = await world({ SAMBATAN_PAYMENT_PROVIDER: "xendit", SAMBATAN_XENDIT_API_URL: xendit.url, SAMBATAN_XENDIT_SECRET_KEY: xendit.secretKey });
  }, 180_000);
  afterAll(async () => {
    const failures = w ? serverFailures(w.stack) : [];
    await w?.env.stop();
    await xendit?.close();
    expect(failures).toEqual([]);
  });

  test("join → invoice → PAID callback → paid → lock → lifecycle → confirmed; EXPIRED later changes nothing", async () => {
    const campaign = await w.campaign(1, 45);
    const a = await w.buyer();
    const pa = await w.join(a.client, campaign.id);
    const opened = await w.checkout(a.client, pa.id);
    expect(opened.status, JSON.stringify(opened.body)).toBe(200);
    const answer = schema.checkoutAnswer.parse(opened.body);
    expect(answer.provider).toBe("xendit");
    expect(answer.token).toBeUndefined();
    const [invoice] = [...xendit.invoices.values()].filter((i) => i.externalId === pa.id);
    expect(invoice).toMatchObject({ amount: PRICE, expiryDate: answer.expires_at });
    expect(answer.redirect_url).toBe(`${xendit.url}/web/${invoice.id}`);
    expect(Date.parse(answer.expires_at!)).toBeLessThanOrEqual(Date.parse(pa.payment_due_at!));

    const paid = await postXendit(w.stack, xenditCallback({ id: invoice.id, external_id: pa.id, status: "PAID", amount: PRICE }));
    expect(paid.json).toEqual({ received: true, result: "paid" });
    expect(await w.participant(pa.id)).toMatchObject({ status: "paid", payment_provider: "xendit", payment_reference: invoice.id, paid_amount: PRICE });
    const expired = await postXendit(w.stack, xenditCallback({ id: invoice.id, external_id: pa.id, status: "EXPIRED", amount: PRICE }));
    expect(expired.status).toBe(200);
    expect(await w.participant(pa.id)).toMatchObject({ status: "paid" });

    await w.lifecycle();
    expect(await w.participant(pa.id)).toMatchObject({ status: "confirmed" });
    expect(await moneyViolations(w.sql)).toEqual([]);
  });

  test("a wrong or missing x-callback-token is 401 and writes nothing", async () => {
    const campaign = await w.campaign(2, 45);
    const pa = await w.join((await w.buyer()).client, campaign.id);
    const before = await tableState(w.sql);
    const body = xenditCallback({ id: "65f1a2b3c4d5e6f708192a3b", external_id: pa.id, status: "PAID", amount: PRICE });
    expect((await postXendit(w.stack, body, "tebakan")).status).toBe(401);
    expect((await call(w.stack, "payment-webhook", { method: "POST", query: { provider: "xendit" }, body })).status).toBe(401);
    expect(await tableState(w.sql)).toEqual(before);
  });
});
