// Every endpoint through supabase-js `functions.invoke` against a running stack:
// the success path and each error status docs/API.md gives it. One suite, run on the
// embedded database and on real PostgreSQL, so both adapters answer alike.

import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { SupabaseClient } from "@supabase/supabase-js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Result, sambatanClient } from "../../shared/client.ts";
import { ENDPOINTS, PROMETHEUS_CONTENT_TYPE } from "../../shared/endpoints.ts";
import * as schema from "../../shared/schemas.ts";
import { expiredToken, hs256Token, newSigningKey, tamperedToken, unsignedToken } from "./credentials.ts";
import { signJwt } from "../../dev/stack/keys.ts";
import { xenditCallback } from "../helpers/providers.ts";
import { type Answer, errorOf, inDays, inSeconds, invoke, SEED_PRODUCTS, sleep, type Stack, structuredLogs, TEST_PAYMENT_KEYS } from "./stack.ts";

/** The slugs this suite exercises; the drift guard compares them with functions/. */
export const COVERED_SLUGS = [
  "campaigns-create",
  "campaigns-list",
  "campaign-get",
  "campaign-join",
  "participation-cancel",
  "my-participations",
  "my-data",
  "waitlist-leave",
  "my-waitlist",
  "participation-checkout",
  "payment-webhook",
  "payment-confirm",
  "participants-list",
  "campaign-waitlist",
  "refunds-list",
  "refund-complete",
  "webhooks-create",
  "webhooks-list",
  "webhooks-update",
  "webhooks-delete",
  "webhook-deliveries",
  "webhook-redeliver",
  "campaign-audit",
  "dashboard-summary",
  "product-sambatan-toggle",
  "campaign-cancel",
  "campaign-extend",
  "lifecycle",
  "scheduler-status",
  "scheduler-trigger",
  "scheduler-history",
  "scheduler-control",
  "scheduler-requeue",
  "health",
  "openapi",
  "metrics",
];

const MANAGE = ["sambatan.manage"];
const address = "Jl. Melati No. 15\nJakarta Selatan";

/** The data of a typed-client call that must succeed (its error shown when it did not). */
function ok<T>(result: Result<T>): T {
  expect(result.error, JSON.stringify(result.error)).toBeNull();
  return result.data as T;
}

/** A line of the Prometheus text format: a comment, or a sample with optional labels. */
const PROMETHEUS_LINE = /^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .*|[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*"(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\.)*")*\})? (-?[0-9.]+(e[+-]?[0-9]+)?|NaN|[+-]Inf))$/;

export function endpointSuite(start: () => Promise<Stack>) {
  let stack: Stack;
  let manager: SupabaseClient;
  let publicClient: SupabaseClient;
  let service: SupabaseClient;
  let operator: SupabaseClient;

  const buyer = async (sub = randomUUID()) => ({ sub, client: stack.client(await stack.token(sub)) });
  const createCampaign = async (overrides: Record<string, unknown> = {}) => {
    const r = await invoke(manager, "campaigns-create", {
      body: { product_id: SEED_PRODUCTS.kopiGayo, title: "Batch Oktober", total_slots: 10, price_per_slot: 210000, deadline: inDays(3), ...overrides },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as schema.Campaign;
  };
  const join = (client: SupabaseClient, campaignId: string, quantity: number, extra: { body?: object; headers?: Record<string, string> } = {}) =>
    invoke(client, "campaign-join", { body: { campaign_id: campaignId, quantity, shipping_address: address, ...extra.body }, headers: extra.headers });
  const get = async (id: string) => (await invoke(publicClient, "campaign-get", { method: "GET", query: { id } })).body;
  // Runs the lifecycle job now, as an operator would; the cron hook runs it only when due.
  const lifecycle = async () => {
    const r = await invoke(operator, "scheduler-trigger", { body: {} });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return { status: r.status, body: r.body.execution.result } as Answer;
  };

  beforeAll(async () => {
    stack = await start();
    manager = stack.client(await stack.token(randomUUID(), MANAGE));
    publicClient = stack.client();
    service = stack.client(undefined, stack.secretKey);
    operator = stack.client(await stack.token(randomUUID(), ["scheduled_job.read", "scheduled_job.execute"]));
  }, 180_000);
  afterAll(async () => {
    // No request in this suite should have failed unexpectedly.
    const failures = stack?.requestLogs().filter((l) => l.status >= 500 && l.function !== "health") ?? [];
    await stack?.stop();
    expect(failures).toEqual([]);
  });

  test("quick start through the typed client: enable a product, 10-slot campaign, joins of 3 + 7 lock it, the lifecycle fulfils it", async () => {
    const managing = sambatanClient(manager);
    const product = ok(await managing.productSambatanToggle({ product_id: SEED_PRODUCTS.rimbaEmbun, enabled: true, total_slots: 10, deadline: inDays(3) }));
    expect(schema.product.parse(product)).toMatchObject({ sambatan_enabled: true, sambatan_total_slots: 10 });

    const campaign = ok(await managing.campaignsCreate({
      product_id: SEED_PRODUCTS.rimbaEmbun, title: "Batch Oktober", total_slots: 10, price_per_slot: 210000, deadline: inDays(3),
    }));
    expect(schema.campaign.parse(campaign)).toMatchObject({ status: "active", total_slots: 10, filled_slots: 0 });

    const [one, two] = [await buyer(), await buyer()];
    const p1 = ok(await sambatanClient(one.client).campaignJoin({ campaign_id: campaign.id, quantity: 3, shipping_address: address }));
    ok(await sambatanClient(two.client).campaignJoin({ campaign_id: campaign.id, quantity: 7, shipping_address: address }));
    expect(schema.participation.parse(p1)).toMatchObject({ quantity: 3, amount: 630000, status: "pending_payment", user_id: one.sub });

    const anyone = sambatanClient(publicClient);
    const locked = schema.campaignWithProgress.parse(ok(await anyone.campaignGet({ id: campaign.id })));
    expect(locked).toMatchObject({ status: "locked", filled_slots: 10, available_slots: 0, progress_percent: 100 });
    expect(locked.locked_at).not.toBeNull();
    expect(locked.progress).toEqual({
      total_slots: 10, filled_slots: 10, available_slots: 0, percent: 100, participant_count: 2, total_contribution: 2_100_000,
      // No payment window: nothing is paid up front, so every held slot counts as unpaid.
      paid_slots: 0, unpaid_slots: 10, amount_paid: 0, refunds_pending: 0,
    });

    const run = ok(await sambatanClient(operator).schedulerTrigger());
    if (run.status !== "triggered") throw new Error("sambatan.lifecycle (overlap skip) was queued");
    expect(run.execution.result?.fulfilled).toBeGreaterThanOrEqual(1);
    expect(run.execution.result?.confirmed).toBeGreaterThanOrEqual(2);

    const fulfilled = ok(await anyone.campaignGet({ id: campaign.id }));
    expect(fulfilled.status).toBe("fulfilled");
    expect(fulfilled.fulfilled_at).not.toBeNull();
    const mine = ok(await sambatanClient(one.client).myParticipations());
    expect(mine.items.map((p) => [p.id, p.status])).toEqual([[p1.id, "confirmed"]]);

    const audit = ok(await managing.campaignAudit({ campaign_id: campaign.id }));
    expect(audit.items.map((e) => e.event).sort()).toEqual(["confirmed", "confirmed", "created", "fulfilled", "joined", "joined", "locked"]);
  });

  describe("campaigns-create", () => {
    test("a manager or a secret key creates (201); the campaign has docs/API.md's fields", async () => {
      schema.campaign.parse(await createCampaign());
      const bySecret = await invoke(service, "campaigns-create", {
        body: { product_id: SEED_PRODUCTS.kopiGayo, title: "Oleh server", total_slots: 5, price_per_slot: 1000, deadline: inDays(1) },
      });
      expect(bySecret.status).toBe(201);
      expect(bySecret.body.created_by).toBeNull();
    });

    test.each([
      ["a past deadline", { deadline: inDays(-1) }],
      ["a deadline over a year ahead", { deadline: inDays(400) }],
      ["a malformed deadline", { deadline: "besok" }],
      ["zero slots", { total_slots: 0 }],
      ["fractional slots", { total_slots: 2.5 }],
      ["a price above 10^12", { price_per_slot: 1_000_000_000_001 }],
      ["an empty title", { title: "" }],
      ["an unknown field", { created_by: randomUUID() }],
      ["a malformed product id", { product_id: "1 or 1=1" }],
    ])("%s is VALIDATION_FAILED (400) and writes nothing", async (_name, patch) => {
      const before = await invoke(publicClient, "campaigns-list", { method: "GET", query: { product_id: SEED_PRODUCTS.tehKayuAro, limit: "100" } });
      const r = await invoke(manager, "campaigns-create", {
        body: { product_id: SEED_PRODUCTS.tehKayuAro, title: "X", total_slots: 10, price_per_slot: 100, deadline: inDays(2), ...patch },
      });
      expect(errorOf(r)).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
      const after = await invoke(publicClient, "campaigns-list", { method: "GET", query: { product_id: SEED_PRODUCTS.tehKayuAro, limit: "100" } });
      expect(after.body.items.length).toBe(before.body.items.length);
    });

    test("a flash sale with slot_buckets: 30 simultaneous joins for 20 slots over 4 buckets sell exactly 20, the last one locks it", async () => {
      const c = await createCampaign({ total_slots: 20, slot_buckets: 4 });
      expect(c.slot_buckets).toBe(4);
      const buyers = await Promise.all(Array.from({ length: 30 }, () => buyer()));
      const answers = await Promise.all(buyers.map((b) => join(b.client, c.id, 1)));
      expect(answers.filter((r) => r.status === 201)).toHaveLength(20);
      for (const r of answers.filter((r) => r.status !== 201)) expect(errorOf(r)).toMatchObject({ status: 409, code: "CAMPAIGN_FULL" });
      expect(await get(c.id)).toMatchObject({ status: "locked", filled_slots: 20, available_slots: 0, slot_buckets: 4, progress: { participant_count: 20 } });
    });

    test("unknown product is PRODUCT_NOT_FOUND (404); a disabled one PRODUCT_NOT_ENABLED (409)", async () => {
      const body = { title: "X", total_slots: 10, price_per_slot: 100, deadline: inDays(2) };
      expect(errorOf(await invoke(manager, "campaigns-create", { body: { ...body, product_id: randomUUID() } })))
        .toMatchObject({ status: 404, code: "PRODUCT_NOT_FOUND" });
      const off = await invoke(manager, "product-sambatan-toggle", { body: { product_id: SEED_PRODUCTS.tehKayuAro, enabled: false } });
      expect(off.body.sambatan_enabled).toBe(false);
      expect(errorOf(await invoke(manager, "campaigns-create", { body: { ...body, product_id: SEED_PRODUCTS.tehKayuAro } })))
        .toMatchObject({ status: 409, code: "PRODUCT_NOT_ENABLED" });
      await invoke(manager, "product-sambatan-toggle", { body: { product_id: SEED_PRODUCTS.tehKayuAro, enabled: true } });
    });

    test("no user is UNAUTHENTICATED (401); a buyer FORBIDDEN (403)", async () => {
      const body = { product_id: SEED_PRODUCTS.kopiGayo, title: "X", total_slots: 1, price_per_slot: 1, deadline: inDays(1) };
      expect(errorOf(await invoke(publicClient, "campaigns-create", { body }))).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
      const b = await buyer();
      expect(errorOf(await invoke(b.client, "campaigns-create", { body }))).toMatchObject({ status: 403, code: "FORBIDDEN" });
      const scheduler = stack.client(await stack.token(randomUUID(), ["scheduled_job.execute"]));
      expect(errorOf(await invoke(scheduler, "campaigns-create", { body })).status).toBe(403);
    });

    test("wrong method (405), wrong media type (415), body over 64 KiB (413), malformed JSON (400)", async () => {
      const headers = { apikey: stack.publishableKey, authorization: `Bearer ${await stack.token(randomUUID(), MANAGE)}` };
      const post = (body: string, contentType = "application/json") =>
        fetch(stack.fn("campaigns-create"), { method: "POST", headers: { ...headers, "content-type": contentType }, body });
      expect(errorOf(await invoke(manager, "campaigns-create", { method: "GET" }))).toMatchObject({ status: 405, code: "METHOD_NOT_ALLOWED" });
      expect((await post('{"title":"x"}', "text/plain")).status).toBe(415);
      expect((await post(JSON.stringify({ title: "x".repeat(70_000) }))).status).toBe(413);
      const malformed = await post("{title:");
      expect(malformed.status).toBe(400);
      expect((await malformed.json()).error.code).toBe("VALIDATION_FAILED");
    });
  });

  describe("campaigns-list and campaign-get", () => {
    test("anyone with the publishable key lists campaigns; filters and cursors page through them", async () => {
      const a = await createCampaign({ title: "Halaman A" });
      const b = await createCampaign({ title: "Halaman B" });
      const first = await invoke(publicClient, "campaigns-list", { method: "GET", query: { limit: "1", product_id: SEED_PRODUCTS.kopiGayo } });
      expect(first.status).toBe(200);
      const page1 = schema.page(schema.campaign).parse(first.body);
      expect(page1.items.map((c) => c.id)).toEqual([b.id]);
      expect(page1.next_cursor).toBeTruthy();
      const second = await invoke(publicClient, "campaigns-list", {
        method: "GET",
        query: { limit: "1", product_id: SEED_PRODUCTS.kopiGayo, cursor: page1.next_cursor! },
      });
      expect(second.body.items.map((c: schema.Campaign) => c.id)).toEqual([a.id]);
      const active = await invoke(stack.client(await stack.token(randomUUID())), "campaigns-list", { method: "GET", query: { status: "active", limit: "100" } });
      expect(active.body.items.every((c: schema.Campaign) => c.status === "active")).toBe(true);
    });

    test.each([
      [{ limit: "0" }],
      [{ limit: "101" }],
      [{ limit: "1.5" }],
      [{ limit: "abc" }],
      [{ limit: "" }],
      [{ status: "bogus" }],
      [{ product_id: "nope" }],
      [{ page: "2" }],
      [{ cursor: "AAAA" }],
    ])("bad query %j is VALIDATION_FAILED (400)", async (query) => {
      expect(errorOf(await invoke(publicClient, "campaigns-list", { method: "GET", query }))).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
    });

    test("campaign-get answers the campaign with progress; unknown is CAMPAIGN_NOT_FOUND (404), malformed 400", async () => {
      const c = await createCampaign();
      const r = await invoke(publicClient, "campaign-get", { method: "GET", query: { id: c.id } });
      expect(r.status).toBe(200);
      expect(schema.campaignWithProgress.parse(r.body).progress).toMatchObject({ participant_count: 0, total_contribution: 0, available_slots: 10 });
      expect(errorOf(await invoke(publicClient, "campaign-get", { method: "GET", query: { id: randomUUID() } })))
        .toMatchObject({ status: 404, code: "CAMPAIGN_NOT_FOUND" });
      expect(errorOf(await invoke(publicClient, "campaign-get", { method: "GET", query: { id: "42" } })).status).toBe(400);
      expect(errorOf(await invoke(publicClient, "campaign-get", { method: "GET" })).status).toBe(400);
      expect(errorOf(await invoke(publicClient, "campaign-get", { method: "POST" })).status).toBe(405);
    });

    test("a wrong publishable key, or none at all, is UNAUTHENTICATED (401)", async () => {
      const wrong = stack.client(undefined, "sb_publishable_not_ours");
      expect(errorOf(await invoke(wrong, "campaigns-list", { method: "GET" }))).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
      const bare = await fetch(stack.fn("campaigns-list"));
      expect(bare.status).toBe(401);
      expect((await bare.json()).error.code).toBe("UNAUTHENTICATED");
    });
  });

  describe("campaign-join", () => {
    test("joins (201), replays with the same Idempotency-Key, refuses the key for another body (422)", async () => {
      const c = await createCampaign();
      const b = await buyer();
      const key = { "Idempotency-Key": `join-${randomUUID()}` };
      const first = await join(b.client, c.id, 2, { body: { note: "Tolong dibungkus rapi" }, headers: key });
      expect(first.status).toBe(201);
      expect(first.headers.get("idempotent-replayed")).toBeNull();
      expect(schema.participation.parse(first.body)).toMatchObject({ quantity: 2, amount: 420000, note: "Tolong dibungkus rapi", shipping_address: address });
      const again = await join(b.client, c.id, 2, { body: { note: "Tolong dibungkus rapi" }, headers: key });
      expect(again.status).toBe(201);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.body).toEqual(first.body);
      expect((await get(c.id)).filled_slots).toBe(2);
      expect(errorOf(await join(b.client, c.id, 3, { headers: key }))).toMatchObject({ status: 422, code: "IDEMPOTENCY_KEY_REUSED" });
      expect(errorOf(await join(b.client, c.id, 2, { headers: { "Idempotency-Key": "k".repeat(256) } })).status).toBe(400);
      expect(errorOf(await join(b.client, c.id, 1))).toMatchObject({ status: 409, code: "ALREADY_JOINED" });
    });

    test("more than available is SLOTS_INSUFFICIENT (422) with available_slots; a full campaign CAMPAIGN_FULL (409)", async () => {
      const c = await createCampaign({ total_slots: 5 });
      const [a, b, d] = [await buyer(), await buyer(), await buyer()];
      expect((await join(a.client, c.id, 3)).status).toBe(201);
      const over = errorOf(await join(b.client, c.id, 3));
      expect(over).toMatchObject({ status: 422, code: "SLOTS_INSUFFICIENT" });
      expect(over.details.available_slots).toBe(2);
      expect((await join(b.client, c.id, 2)).status).toBe(201);
      expect(errorOf(await join(d.client, c.id, 1))).toMatchObject({ status: 409, code: "CAMPAIGN_FULL" });
      expect((await get(c.id)).filled_slots).toBe(5);
    });

    test.each([
      ["quantity 0", { quantity: 0 }],
      ["quantity 1.5", { quantity: 1.5 }],
      ["quantity as text", { quantity: "2" }],
      ["quantity beyond int", { quantity: 2 ** 40 }],
      ["no address", { shipping_address: undefined }],
      ["a blank address", { shipping_address: "   " }],
      ["a control character", { shipping_address: "Jl.\u0001Melati" }],
      ["a 10 KB address", { shipping_address: "a".repeat(10_000) }],
      ["a user_id in the body", { user_id: randomUUID() }],
      ["a malformed campaign id", { campaign_id: "'; delete from sambatan_campaigns; --" }],
    ])("%s is VALIDATION_FAILED (400) and claims nothing", async (_name, patch) => {
      const c = await createCampaign();
      const b = await buyer();
      const r = await invoke(b.client, "campaign-join", { body: { campaign_id: c.id, quantity: 1, shipping_address: address, ...patch } });
      expect(errorOf(r)).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
      expect((await get(c.id)).filled_slots).toBe(0);
    });

    test("unknown campaign is CAMPAIGN_NOT_FOUND (404); no user 401; a secret key 403", async () => {
      const b = await buyer();
      expect(errorOf(await join(b.client, randomUUID(), 1))).toMatchObject({ status: 404, code: "CAMPAIGN_NOT_FOUND" });
      const c = await createCampaign();
      expect(errorOf(await join(publicClient, c.id, 1))).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
      expect(errorOf(await join(service, c.id, 1))).toMatchObject({ status: 403, code: "FORBIDDEN" });
    });

    test("the eleventh join within a minute is RATE_LIMITED (429) with Retry-After", async () => {
      const b = await buyer();
      for (let i = 0; i < 10; i++) {
        const c = await createCampaign({ total_slots: 3 });
        expect((await join(b.client, c.id, 1)).status).toBe(201);
      }
      const c = await createCampaign({ total_slots: 3 });
      const limited = await join(b.client, c.id, 1);
      expect(errorOf(limited)).toMatchObject({ status: 429, code: "RATE_LIMITED" });
      expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    });

    test("past the deadline: DEADLINE_PASSED (410) while active, CAMPAIGN_CLOSED (409) once expired", async () => {
      const c = await createCampaign({ deadline: inSeconds(3) });
      const b = await buyer();
      expect((await join(b.client, c.id, 1)).status).toBe(201);
      await sleep(3500);
      const late = await buyer();
      expect(errorOf(await join(late.client, c.id, 1))).toMatchObject({ status: 410, code: "DEADLINE_PASSED" });
      expect((await lifecycle()).status).toBe(200);
      expect((await get(c.id)).status).toBe("expired");
      expect(errorOf(await join(late.client, c.id, 1))).toMatchObject({ status: 409, code: "CAMPAIGN_CLOSED" });
      const mine = await invoke(b.client, "my-participations", { method: "GET", query: { status: "refunded" } });
      expect(mine.body.items).toHaveLength(1);
    });
  });

  describe("participation-cancel", () => {
    test("the participant cancels (200): slots released, a locked campaign reopens", async () => {
      const c = await createCampaign({ total_slots: 4 });
      const [a, b] = [await buyer(), await buyer()];
      const pa = await join(a.client, c.id, 1);
      await join(b.client, c.id, 3);
      expect((await get(c.id)).status).toBe("locked");
      const r = await invoke(a.client, "participation-cancel", { body: { participation_id: pa.body.id, reason: "Berubah pikiran" } });
      expect(r.status).toBe(200);
      expect(schema.participation.parse(r.body)).toMatchObject({ status: "cancelled", cancel_reason: "Berubah pikiran" });
      expect(await get(c.id)).toMatchObject({ status: "active", filled_slots: 3 });
      expect(errorOf(await invoke(a.client, "participation-cancel", { body: { participation_id: pa.body.id } })))
        .toMatchObject({ status: 409, code: "PARTICIPATION_FINAL" });
    });

    test("another buyer's participation is PARTICIPATION_NOT_FOUND (404); a manager or a secret key may cancel it", async () => {
      const c = await createCampaign();
      const [a, other] = [await buyer(), await buyer()];
      const p1 = await join(a.client, c.id, 1);
      expect(errorOf(await invoke(other.client, "participation-cancel", { body: { participation_id: p1.body.id } })))
        .toMatchObject({ status: 404, code: "PARTICIPATION_NOT_FOUND" });
      expect(errorOf(await invoke(a.client, "participation-cancel", { body: { participation_id: randomUUID() } })).status).toBe(404);
      expect((await invoke(manager, "participation-cancel", { body: { participation_id: p1.body.id } })).status).toBe(200);
      const p2 = await join(a.client, c.id, 2);
      expect((await invoke(service, "participation-cancel", { body: { participation_id: p2.body.id } })).body.status).toBe("cancelled");
    });

    test("a locked campaign past its deadline is CAMPAIGN_CLOSED (409)", async () => {
      const c = await createCampaign({ total_slots: 2, deadline: inSeconds(3) });
      const a = await buyer();
      const p = await join(a.client, c.id, 2);
      expect((await get(c.id)).status).toBe("locked");
      await sleep(3500);
      expect(errorOf(await invoke(a.client, "participation-cancel", { body: { participation_id: p.body.id } })))
        .toMatchObject({ status: 409, code: "CAMPAIGN_CLOSED" });
    });

    test("bad input 400; no credentials 401", async () => {
      const a = await buyer();
      expect(errorOf(await invoke(a.client, "participation-cancel", { body: { participation_id: "x" } })).status).toBe(400);
      expect(errorOf(await invoke(a.client, "participation-cancel", { body: { participation_id: randomUUID(), reason: "r".repeat(501) } })).status).toBe(400);
      expect(errorOf(await invoke(publicClient, "participation-cancel", { body: { participation_id: randomUUID() } })).status).toBe(401);
    });
  });

  describe("my-data", () => {
    test("exports the caller's participations, refunds, events and keys, and nothing of another buyer", async () => {
      const [a, b] = [await buyer(), await buyer()];
      const c = await createCampaign();
      const mine = await join(a.client, c.id, 2, { headers: { "idempotency-key": `my-data-${a.sub}` } });
      const theirs = await join(b.client, c.id, 1, { body: { note: "Rahasia tetangga" } });
      await invoke(a.client, "participation-cancel", { body: { participation_id: mine.body.id, reason: "Berubah pikiran" } });
      const data = schema.myData.parse(ok(await sambatanClient(a.client).myData()));
      expect(data.user_id).toBe(a.sub);
      expect(data.participations).toEqual([expect.objectContaining({ id: mine.body.id, status: "cancelled", shipping_address: address, campaign_title: "Batch Oktober", redacted_at: null })]);
      expect(data.idempotency_keys.map((k) => k.key)).toEqual([`my-data-${a.sub}`]);
      expect(data.audit_events.map((e) => e.event)).toEqual(["joined", "cancelled"]);
      expect(data.retention_days).toBe(30);
      const text = JSON.stringify(data);
      expect(text).not.toContain(b.sub);
      expect(text).not.toContain(theirs.body.id);
      expect(text).not.toContain("Rahasia tetangga");
      // B's export holds B's row only.
      const other = schema.myData.parse((await invoke(b.client, "my-data", { method: "GET" })).body);
      expect(other.participations.map((p) => p.id)).toEqual([theirs.body.id]);
      expect(JSON.stringify(other)).not.toContain(a.sub);
    });

    test("a secret key is FORBIDDEN (403); the publishable key alone 401; any parameter 400", async () => {
      expect(errorOf(await invoke(service, "my-data", { method: "GET" }))).toMatchObject({ status: 403, code: "FORBIDDEN" });
      expect(errorOf(await invoke(publicClient, "my-data", { method: "GET" })).status).toBe(401);
      expect(errorOf(await invoke((await buyer()).client, "my-data", { method: "GET", query: { user_id: randomUUID() } }))).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
    });
  });

  describe("my-participations", () => {
    test("lists only the caller's own, filtered and paged", async () => {
      const [a, b] = [await buyer(), await buyer()];
      const c1 = await createCampaign();
      const c2 = await createCampaign();
      const p1 = await join(a.client, c1.id, 1);
      const p2 = await join(a.client, c2.id, 1);
      await join(b.client, c1.id, 1);
      await invoke(a.client, "participation-cancel", { body: { participation_id: p1.body.id } });
      const all = schema.page(schema.participation).parse((await invoke(a.client, "my-participations", { method: "GET" })).body);
      expect(all.items.map((p) => p.id)).toEqual([p2.body.id, p1.body.id]);
      const pending = await invoke(a.client, "my-participations", { method: "GET", query: { status: "pending_payment" } });
      expect(pending.body.items.map((p: schema.Participation) => p.id)).toEqual([p2.body.id]);
      const first = await invoke(a.client, "my-participations", { method: "GET", query: { limit: "1" } });
      const next = await invoke(a.client, "my-participations", { method: "GET", query: { limit: "1", cursor: first.body.next_cursor } });
      expect(next.body.items.map((p: schema.Participation) => p.id)).toEqual([p1.body.id]);
      expect(next.body.next_cursor).toBeNull();
    });

    test("a secret key is FORBIDDEN (403); the publishable key alone 401; bad limit 400", async () => {
      expect(errorOf(await invoke(service, "my-participations", { method: "GET" }))).toMatchObject({ status: 403, code: "FORBIDDEN" });
      expect(errorOf(await invoke(publicClient, "my-participations", { method: "GET" })).status).toBe(401);
      const a = await buyer();
      expect(errorOf(await invoke(a.client, "my-participations", { method: "GET", query: { limit: "101" } })).status).toBe(400);
      expect(errorOf(await invoke(a.client, "my-participations", { method: "GET", query: { status: "locked" } })).status).toBe(400);
    });
  });

  describe("manager reads", () => {
    test("campaign-audit pages a campaign's events; buyers 403, unknown campaign 404, missing id 400", async () => {
      const c = await createCampaign();
      const a = await buyer();
      await join(a.client, c.id, 1);
      const page1 = await invoke(manager, "campaign-audit", { method: "GET", query: { campaign_id: c.id, limit: "1" } });
      expect(page1.status).toBe(200);
      expect(schema.page(schema.event).parse(page1.body).items.map((e) => e.event)).toEqual(["joined"]);
      const page2 = await invoke(manager, "campaign-audit", { method: "GET", query: { campaign_id: c.id, cursor: page1.body.next_cursor } });
      expect(page2.body.items.map((e: { event: string }) => e.event)).toEqual(["created"]);
      expect(errorOf(await invoke(a.client, "campaign-audit", { method: "GET", query: { campaign_id: c.id } })).status).toBe(403);
      expect(errorOf(await invoke(manager, "campaign-audit", { method: "GET", query: { campaign_id: randomUUID() } })))
        .toMatchObject({ status: 404, code: "CAMPAIGN_NOT_FOUND" });
      expect(errorOf(await invoke(manager, "campaign-audit", { method: "GET" })).status).toBe(400);
    });

    test("dashboard-summary for managers, admins and secret keys; buyers 403, nobody 401", async () => {
      const r = await invoke(manager, "dashboard-summary", { method: "GET" });
      expect(r.status).toBe(200);
      expect(schema.dashboardSummary.parse(r.body).campaigns.total).toBeGreaterThan(0);
      const admin = stack.client(await stack.token(randomUUID(), undefined, { role: "admin" }));
      expect((await invoke(admin, "dashboard-summary", { method: "GET" })).status).toBe(200);
      expect((await invoke(service, "dashboard-summary", { method: "GET" })).status).toBe(200);
      expect(errorOf(await invoke((await buyer()).client, "dashboard-summary", { method: "GET" })).status).toBe(403);
      expect(errorOf(await invoke(publicClient, "dashboard-summary", { method: "GET" })).status).toBe(401);
      expect(errorOf(await invoke(manager, "dashboard-summary", { method: "GET", query: { x: "1" } })).status).toBe(400);
    });

    test("product-sambatan-toggle: 200 with defaults; unknown product 404; buyers 403; bad input 400", async () => {
      const r = await invoke(manager, "product-sambatan-toggle", {
        body: { product_id: SEED_PRODUCTS.kopiGayo, enabled: true, total_slots: 25, price_per_slot: 175000 },
      });
      expect(schema.product.parse(r.body)).toMatchObject({ sambatan_total_slots: 25, sambatan_price_per_slot: 175000 });
      expect(errorOf(await invoke(manager, "product-sambatan-toggle", { body: { product_id: randomUUID(), enabled: true } })))
        .toMatchObject({ status: 404, code: "PRODUCT_NOT_FOUND" });
      expect(errorOf(await invoke((await buyer()).client, "product-sambatan-toggle", { body: { product_id: SEED_PRODUCTS.kopiGayo, enabled: false } })).status).toBe(403);
      expect(errorOf(await invoke(manager, "product-sambatan-toggle", { body: { product_id: SEED_PRODUCTS.kopiGayo, enabled: "ya" } })).status).toBe(400);
    });
  });

  describe("lifecycle and health", () => {
    test("lifecycle takes only a secret key and answers a run summary", async () => {
      const r = await invoke(service, "lifecycle", { body: { source: "pg_cron", sent_at: new Date().toISOString() } });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ status: expect.stringMatching(/^(succeeded|failed|skipped)$/), fulfilled: expect.any(Number), expired: expect.any(Number), duration_ms: expect.any(Number) });
      expect(errorOf(await invoke(publicClient, "lifecycle"))).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
      expect(errorOf(await invoke(operator, "lifecycle")).status).toBe(401);
      expect(errorOf(await invoke(service, "lifecycle", { method: "GET" })).status).toBe(405);
      expect(errorOf(await invoke(service, "lifecycle", { body: { run: "everything" } })).status).toBe(400);
    });

    test("health needs no credentials and reports the database", async () => {
      const r = await fetch(stack.fn("health"));
      expect(r.status).toBe(200);
      expect(schema.health.parse(await r.json())).toMatchObject({ status: "ok", database: "ok" });
      expect((await fetch(stack.fn("health"), { method: "POST" })).status).toBe(405);
    });
  });

  describe("scheduler", () => {
    test("scheduler-trigger runs sambatan.lifecycle now and answers the finished execution", async () => {
      const r = await invoke(operator, "scheduler-trigger", { body: {} });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ status: "triggered", execution_id: r.body.execution.id, triggered_at: r.body.execution.started_at });
      expect(schema.execution.parse(r.body.execution)).toMatchObject({ job: "sambatan.lifecycle", status: "succeeded", triggered_by: "manual" });
      expect(errorOf(await invoke(operator, "scheduler-trigger", { body: { job: "no.such.job" } }))).toMatchObject({ status: 404, code: "JOB_NOT_FOUND" });
      expect(errorOf(await invoke(operator, "scheduler-trigger", { body: { job: "Bad Name!" } })).status).toBe(400);
      expect(errorOf(await invoke(manager, "scheduler-trigger", { body: {} })).status).toBe(403);
      const reader = stack.client(await stack.token(randomUUID(), ["scheduled_job.read"]));
      expect(errorOf(await invoke(reader, "scheduler-trigger", { body: {} })).status).toBe(403);
      expect((await invoke(service, "scheduler-trigger", { body: {} })).status).toBe(200);
    });

    test("scheduler-status shows every job and the legacy scheduler's fields for sambatan.lifecycle", async () => {
      const r = await invoke(operator, "scheduler-status", { method: "GET" });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ is_running: false, interval_minutes: 5, next_run_time: expect.any(String) });
      expect(r.body.jobs.map((j: { job: string }) => j.job)).toContain("sambatan.lifecycle");
      expect(schema.execution.parse(r.body.last_run).job).toBe("sambatan.lifecycle");
      expect(errorOf(await invoke(operator, "scheduler-status", { method: "GET", query: { job: "no.such.job" } })).status).toBe(404);
      // sambatan.manage does not imply the scheduled_job permissions.
      expect(errorOf(await invoke(manager, "scheduler-status", { method: "GET" })).status).toBe(403);
      expect(errorOf(await invoke(publicClient, "scheduler-status", { method: "GET" })).status).toBe(401);
    });

    test("scheduler-control pauses (triggers then JOB_PAUSED, 409) and resumes", async () => {
      try {
        const paused = await invoke(operator, "scheduler-control", { body: { job: "sambatan.lifecycle", action: "pause" } });
        expect(paused.status).toBe(200);
        expect(paused.body).toMatchObject({ job: "sambatan.lifecycle", enabled: false });
        expect(errorOf(await invoke(operator, "scheduler-trigger", { body: {} }))).toMatchObject({ status: 409, code: "JOB_PAUSED" });
      } finally {
        const resumed = await invoke(operator, "scheduler-control", { body: { job: "sambatan.lifecycle", action: "resume" } });
        expect(resumed.body.enabled).toBe(true);
      }
      expect(errorOf(await invoke(operator, "scheduler-control", { body: { job: "sambatan.lifecycle", action: "stop" } })).status).toBe(400);
      expect(errorOf(await invoke(operator, "scheduler-control", { body: { job: "no.such.job", action: "pause" } })).status).toBe(404);
      expect(errorOf(await invoke(manager, "scheduler-control", { body: { job: "sambatan.lifecycle", action: "pause" } })).status).toBe(403);
    });

    test("scheduler-control configure sets a job's run policies, shown by scheduler-status; bad settings are 400", async () => {
      const reader = stack.client(await stack.token(randomUUID(), ["scheduled_job.read"]));
      const job = "jobs.cleanup";
      const set = await invoke(operator, "scheduler-control", {
        body: { job, action: "configure", settings: { overlap: "queue_one", timeout_seconds: 900, history: "errors_only", alert_after_seconds: 172800, max_attempts: 4 } },
      });
      expect(set.status, JSON.stringify(set.body)).toBe(200);
      expect(schema.jobStatus.parse(set.body)).toMatchObject({ overlap: "queue_one", timeout_seconds: 900, history: "errors_only", alert_after_seconds: 172800, max_attempts: 4 });
      const shown = await invoke(operator, "scheduler-status", { method: "GET", query: { job } });
      expect(shown.body.jobs[0]).toMatchObject({ overlap: "queue_one", alert_after_seconds: 172800 });
      expect(errorOf(await invoke(operator, "scheduler-control", { body: { job, action: "configure", settings: { max_attempts: 0 } } })).status).toBe(400);
      expect(errorOf(await invoke(reader, "scheduler-control", { body: { job, action: "configure", settings: { max_attempts: 2 } } })).status).toBe(403);
      const reset = await invoke(operator, "scheduler-control", {
        body: { job, action: "configure", settings: { overlap: "skip", timeout_seconds: 600, history: "all", alert_after_seconds: null, max_attempts: 3 } },
      });
      expect(reset.body).toMatchObject({ overlap: "skip", alert_after_seconds: null });
    });

    test("scheduler-requeue refuses an execution that is not dead (409 EXECUTION_NOT_DEAD) and an unknown one (404)", async () => {
      const reader = stack.client(await stack.token(randomUUID(), ["scheduled_job.read"]));
      const run = await invoke(operator, "scheduler-trigger", { body: { job: "sambatan.deadline-reminders" } });
      expect(run.body.execution.status).toBe("succeeded");
      expect(errorOf(await invoke(operator, "scheduler-requeue", { body: { execution_id: run.body.execution_id } })))
        .toMatchObject({ status: 409, code: "EXECUTION_NOT_DEAD" });
      expect(errorOf(await invoke(operator, "scheduler-requeue", { body: { execution_id: 2147483000 } }))).toMatchObject({ status: 404, code: "JOB_NOT_FOUND" });
      expect(errorOf(await invoke(reader, "scheduler-requeue", { body: { execution_id: run.body.execution_id } })).status).toBe(403);
    });

    test("scheduler-history pages executions, newest first, by job and status", async () => {
      // sambatan.lifecycle keeps only its latest success (history errors_only): page a job that keeps all.
      const job = "sambatan.deadline-reminders";
      await invoke(operator, "scheduler-trigger", { body: { job } });
      await invoke(operator, "scheduler-trigger", { body: { job } });
      const r = await invoke(operator, "scheduler-history", { method: "GET", query: { job, status: "succeeded", limit: "1" } });
      expect(r.status).toBe(200);
      const page = schema.page(schema.execution).parse(r.body);
      expect(page.items).toHaveLength(1);
      expect(page.next_cursor).toBeTruthy();
      const next = await invoke(operator, "scheduler-history", { method: "GET", query: { job, cursor: page.next_cursor! } });
      expect(next.body.items[0].id).toBeLessThan(page.items[0].id);
      expect(errorOf(await invoke(operator, "scheduler-history", { method: "GET", query: { status: "done" } })).status).toBe(400);
      expect(errorOf(await invoke(manager, "scheduler-history", { method: "GET" })).status).toBe(403);
    });
  });

  describe("credentials", () => {
    const cases: [string, () => Promise<Record<string, string>>][] = [
      ["no credentials", async () => ({})],
      ["a malformed token", async () => ({ authorization: "Bearer abc.def" })],
      ["an expired token", async () => ({ authorization: `Bearer ${await expiredToken(stack.signingKey, randomUUID())}` })],
      ["a token signed by another key", async () => ({ authorization: `Bearer ${await signJwt(await newSigningKey(), { sub: randomUUID(), role: "authenticated", exp: Math.floor(Date.now() / 1000) + 600 })}` })],
      ["a tampered token", async () => ({ authorization: `Bearer ${await tamperedToken(stack.signingKey, randomUUID())}` })],
      ["an alg:none token", async () => ({ authorization: `Bearer ${unsignedToken(stack.signingKey.kid, randomUUID())}` })],
      ["an HS256 token", async () => ({ authorization: `Bearer ${hs256Token(stack.secretKey, randomUUID(), stack.signingKey.kid)}` })],
      ["a wrong publishable key", async () => ({ apikey: "sb_publishable_wrongwrongwrong", authorization: `Bearer ${await stack.token(randomUUID())}` })],
    ];
    test.each(cases)("%s on a buyer endpoint is UNAUTHENTICATED (401) in our error body", async (_name, headers) => {
      const res = await fetch(stack.fn("my-participations"), { headers: { apikey: stack.publishableKey, ...(await headers()) } });
      expect(res.status).toBe(401);
      const body = await res.json();
      expect(body).toEqual({ error: { code: "UNAUTHENTICATED", message: expect.any(String), details: expect.any(Object) } });
      expect(res.headers.get("x-request-id")).toBeTruthy();
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
    });

    test("a secret key where a user is required is FORBIDDEN (403)", async () => {
      const res = await fetch(stack.fn("my-participations"), { headers: { apikey: stack.secretKey } });
      expect(res.status).toBe(403);
      expect((await res.json()).error.code).toBe("FORBIDDEN");
    });

    test("messages are Indonesian by default and English on request; the code is the same", async () => {
      const id = await (await fetch(stack.fn("my-participations"))).json();
      const en = await (await fetch(stack.fn("my-participations"), { headers: { "accept-language": "en-US,en;q=0.9" } })).json();
      expect(id.error.code).toBe(en.error.code);
      expect(id.error.message).not.toBe(en.error.message);
      expect(en.error.message).toMatch(/credentials/i);
    });
  });

  describe("openapi and metrics", () => {
    test("openapi: anyone gets the OpenAPI 3.1 document, as committed but naming this stack as its server", async () => {
      const res = await fetch(stack.fn("openapi"));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
      const doc = await res.json();
      expect(doc).toMatchObject({ openapi: "3.1.0", servers: [{ url: `${stack.url}/functions/v1` }] });
      expect(Object.keys(doc.paths)).toEqual(Object.keys(ENDPOINTS).map((slug) => `/${slug}`));
      const committed = JSON.parse(readFileSync(new URL("../../openapi.json", import.meta.url), "utf8"));
      expect({ ...doc, servers: committed.servers }).toEqual(committed);
      expect(ok(await sambatanClient(publicClient).openapi()).openapi).toBe("3.1.0");
      expect((await fetch(stack.fn("openapi"), { method: "POST" })).status).toBe(405);
    });

    test("metrics: Prometheus text for a secret key and a scheduled_job.read user; a plain user 403, no credentials 401", async () => {
      ok(await sambatanClient(operator).schedulerTrigger());
      const reader = stack.client(await stack.token(randomUUID(), ["scheduled_job.read"]));
      for (const [who, client] of [["secret key", service], ["scheduled_job.read", reader]] as const) {
        const r = await invoke(client, "metrics", { method: "GET" });
        expect(r.status, who).toBe(200);
        expect(r.headers.get("content-type"), who).toBe(PROMETHEUS_CONTENT_TYPE);
        const text: string = r.body;
        expect(text.endsWith("\n"), who).toBe(true);
        for (const line of text.trimEnd().split("\n")) expect(line, who).toMatch(PROMETHEUS_LINE);
        expect(text).toContain("# TYPE sambatan_campaigns gauge");
        expect(text).toContain("# TYPE sambatan_job_duration_seconds summary");
        expect(text).toMatch(/^sambatan_job_executions_total\{job="sambatan\.lifecycle",status="succeeded"\} [1-9]\d*$/m);
        expect(text).toMatch(/^sambatan_job_duration_seconds_count\{job="sambatan\.lifecycle"\} [1-9]\d*$/m);
        expect(text).toMatch(/^sambatan_job_duration_seconds_sum\{job="sambatan\.lifecycle"\} [0-9.]+$/m);
        // The campaign gauge agrees with the dashboard, both being read from the same rows.
        const total = [...text.matchAll(/^sambatan_campaigns\{status="\w+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
        const summary = await invoke(manager, "dashboard-summary", { method: "GET" });
        expect(total).toBe(summary.body.campaigns.total);
      }
      expect(errorOf(await invoke((await buyer()).client, "metrics", { method: "GET" }))).toMatchObject({ status: 403, code: "FORBIDDEN" });
      // sambatan.manage does not imply scheduled_job.read.
      expect(errorOf(await invoke(manager, "metrics", { method: "GET" }))).toMatchObject({ status: 403, code: "FORBIDDEN" });
      expect(errorOf(await invoke(publicClient, "metrics", { method: "GET" }))).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
      const bare = await fetch(stack.fn("metrics"));
      expect(bare.status).toBe(401);
      expect((await bare.json()).error.code).toBe("UNAUTHENTICATED");
    });
  });

  describe("campaign rules", () => {
    test("campaign-join with waitlist answers 202 on a full campaign; waitlist-leave and my-waitlist; a buyer or no user is refused", async () => {
      const c = await createCampaign({ total_slots: 1, max_slots_per_buyer: 1, min_slots: 1 });
      expect(c).toMatchObject({ max_slots_per_buyer: 1, min_slots: 1, price_tiers: null, extended_at: null, cancel_reason: null });
      await join((await buyer()).client, c.id, 1);
      const b = await buyer();
      expect(errorOf(await join(b.client, c.id, 1))).toMatchObject({ status: 409, code: "CAMPAIGN_FULL" });
      expect(errorOf(await join(b.client, c.id, 2, { body: { waitlist: true } }))).toMatchObject({ status: 422, code: "BUYER_LIMIT_EXCEEDED", details: { max_slots_per_buyer: 1 } });
      const waited = await join(b.client, c.id, 1, { body: { waitlist: true } });
      expect(waited.status).toBe(202);
      const entry = schema.waitlisted.parse(waited.body).waitlist_entry;
      expect(entry).toMatchObject({ position: 1, status: "waiting", quantity: 1 });
      const listed = schema.page(schema.waitlistEntry).parse((await invoke(b.client, "my-waitlist", { method: "GET", query: { status: "waiting" } })).body);
      expect(listed.items.map((e) => e.id)).toEqual([entry.id]);
      const queue = schema.page(schema.waitlistEntry).parse((await invoke(manager, "campaign-waitlist", { method: "GET", query: { campaign_id: c.id } })).body);
      expect(queue.items).toEqual([expect.objectContaining({ id: entry.id, position: 1, status: "waiting" })]);
      expect(errorOf(await invoke(b.client, "campaign-waitlist", { method: "GET", query: { campaign_id: c.id } }))).toMatchObject({ status: 403, code: "FORBIDDEN" });
      const left = await invoke(b.client, "waitlist-leave", { body: { entry_id: entry.id } });
      expect(schema.waitlistEntry.parse(left.body)).toMatchObject({ status: "left" });
      expect(errorOf(await invoke(b.client, "waitlist-leave", { body: { entry_id: entry.id } }))).toMatchObject({ status: 409, code: "WAITLIST_ENTRY_FINAL" });
      expect(errorOf(await invoke(b.client, "waitlist-leave", { body: { entry_id: randomUUID() } }))).toMatchObject({ status: 404, code: "WAITLIST_ENTRY_NOT_FOUND" });
      expect(errorOf(await invoke(publicClient, "my-waitlist", { method: "GET" }))).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
      expect(errorOf(await invoke(service, "waitlist-leave", { body: { entry_id: entry.id } }))).toMatchObject({ status: 403, code: "FORBIDDEN" });
      expect(errorOf(await invoke(b.client, "my-waitlist", { method: "GET", query: { status: "pending_payment" } }))).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
    });

    test("price tiers: campaign-get shows the current tier and a join pays each slot at its tier", async () => {
      const tiers = [{ up_to_slot: 2, price_per_slot: 1000 }, { up_to_slot: 10, price_per_slot: 1500 }];
      const c = await createCampaign({ price_tiers: tiers });
      expect(c.price_tiers).toEqual(tiers);
      expect((await get(c.id)).current_tier).toEqual({ up_to_slot: 2, price_per_slot: 1000, slots_left: 2 });
      const p = schema.participation.parse((await join((await buyer()).client, c.id, 3)).body);
      expect(p.amount).toBe(2 * 1000 + 1500);
      expect((await get(c.id)).current_tier).toEqual({ up_to_slot: 10, price_per_slot: 1500, slots_left: 7 });
      expect(errorOf(await invoke(manager, "campaigns-create", {
        body: { product_id: SEED_PRODUCTS.kopiGayo, title: "X", total_slots: 10, price_per_slot: 1, deadline: inDays(1), price_tiers: [{ up_to_slot: 9, price_per_slot: 1 }] },
      }))).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
    });

    test("campaign-extend once, then CAMPAIGN_ALREADY_EXTENDED; campaign-cancel, then CAMPAIGN_CLOSED; both need sambatan.manage", async () => {
      const c = await createCampaign();
      const b = await buyer();
      expect(errorOf(await invoke(b.client, "campaign-extend", { body: { campaign_id: c.id, deadline: inDays(4) } }))).toMatchObject({ status: 403, code: "FORBIDDEN" });
      expect(errorOf(await invoke(publicClient, "campaign-cancel", { body: { campaign_id: c.id, reason: "x" } }))).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
      const extended = await invoke(manager, "campaign-extend", { body: { campaign_id: c.id, deadline: inDays(4) } });
      expect(extended.status, JSON.stringify(extended.body)).toBe(200);
      expect(schema.campaign.parse(extended.body).extended_at).not.toBeNull();
      expect(errorOf(await invoke(manager, "campaign-extend", { body: { campaign_id: c.id, deadline: inDays(5) } }))).toMatchObject({ status: 409, code: "CAMPAIGN_ALREADY_EXTENDED" });
      const joined = schema.participation.parse((await join(b.client, c.id, 1)).body);
      const cancelled = await invoke(service, "campaign-cancel", { body: { campaign_id: c.id, reason: "Stok pemasok habis" } });
      expect(schema.campaign.parse(cancelled.body)).toMatchObject({ status: "cancelled", cancel_reason: "Stok pemasok habis" });
      const mine = schema.page(schema.participation).parse((await invoke(b.client, "my-participations", { method: "GET" })).body);
      expect(mine.items.find((p) => p.id === joined.id)?.status).toBe("cancelled");
      expect(errorOf(await invoke(manager, "campaign-cancel", { body: { campaign_id: c.id, reason: "lagi" } }))).toMatchObject({ status: 409, code: "CAMPAIGN_CLOSED" });
      expect(errorOf(await invoke(manager, "campaign-cancel", { body: { campaign_id: c.id, reason: "" } }))).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
      expect(errorOf(await invoke(manager, "campaign-extend", { body: { campaign_id: randomUUID(), deadline: inDays(4) } }))).toMatchObject({ status: 404, code: "CAMPAIGN_NOT_FOUND" });
    });
  });

  describe("payments (manual provider, the default)", () => {
    const webhook = (body: unknown, token: string = TEST_PAYMENT_KEYS.xenditCallbackToken) =>
      fetch(`${stack.fn("payment-webhook")}?provider=xendit`, { method: "POST", headers: { "content-type": "application/json", "x-callback-token": token }, body: JSON.stringify(body) })
        .then(async (r) => ({ status: r.status, body: await r.json() }));

    test("a windowed campaign: manual checkout names the deadline, a manager confirms the payment, the lifecycle confirms it", async () => {
      const campaign = await createCampaign({ total_slots: 1, payment_window_minutes: 30 });
      expect(campaign.payment_window_minutes).toBe(30);
      const b = await buyer();
      const joined = schema.participation.parse((await join(b.client, campaign.id, 1)).body);
      expect(joined.payment_due_at).not.toBeNull();
      const checkout = await invoke(b.client, "participation-checkout", { body: { participation_id: joined.id } });
      expect(checkout.status).toBe(200);
      expect(schema.checkoutAnswer.parse(checkout.body)).toEqual({ provider: "manual", redirect_url: null, expires_at: joined.payment_due_at });
      // Only the buyer checks out; only a manager confirms.
      expect(errorOf(await invoke((await buyer()).client, "participation-checkout", { body: { participation_id: joined.id } }))).toMatchObject({ status: 404, code: "PARTICIPATION_NOT_FOUND" });
      expect(errorOf(await invoke(b.client, "payment-confirm", { body: { participation_id: joined.id, reference: "x" } }))).toMatchObject({ status: 403, code: "FORBIDDEN" });
      const owed = await invoke(manager, "participants-list", { method: "GET", query: { campaign_id: campaign.id, status: "pending_payment" } });
      expect(schema.page(schema.participation).parse(owed.body).items).toEqual([expect.objectContaining({ id: joined.id, payment_due_at: joined.payment_due_at })]);
      expect(errorOf(await invoke(b.client, "participants-list", { method: "GET", query: { campaign_id: campaign.id } }))).toMatchObject({ status: 403, code: "FORBIDDEN" });
      const paid = await invoke(manager, "payment-confirm", { body: { participation_id: joined.id, reference: "TRF-BCA-0099" } });
      expect(paid.status).toBe(200);
      expect(schema.participation.parse(paid.body)).toMatchObject({ status: "paid", payment_provider: "manual", payment_reference: "TRF-BCA-0099" });
      await lifecycle();
      expect((await get(campaign.id)).status).toBe("fulfilled");
    });

    test("a payment after a cancel is a late_payment refund: listed, completed once, then REFUND_FINAL", async () => {
      const campaign = await createCampaign({ payment_window_minutes: 30 });
      const b = await buyer();
      const joined = (await join(b.client, campaign.id, 1)).body;
      expect((await invoke(b.client, "participation-cancel", { body: { participation_id: joined.id } })).status).toBe(200);
      expect((await webhook(xenditCallback({ id: "65f1a2b3c4d5e6f708192a3c", external_id: joined.id, status: "PAID", amount: joined.amount }), "salah")).status).toBe(401);
      expect(await webhook(xenditCallback({ id: "65f1a2b3c4d5e6f708192a3c", external_id: joined.id, status: "PAID", amount: joined.amount })))
        .toEqual({ status: 200, body: { received: true, result: "late_payment" } });
      const listed = await invoke(manager, "refunds-list", { method: "GET", query: { campaign_id: campaign.id, status: "pending" } });
      expect(listed.status).toBe(200);
      const [refund] = schema.page(schema.refund).parse(listed.body).items;
      expect(refund).toMatchObject({ participation_id: joined.id, user_id: b.sub, amount: joined.amount, reason: "late_payment", status: "pending" });
      const failed = await invoke(manager, "refund-complete", { body: { refund_id: refund.id, status: "failed" } });
      expect(schema.refund.parse(failed.body)).toMatchObject({ status: "failed", completed_at: expect.any(String) });
      expect(errorOf(await invoke(manager, "refund-complete", { body: { refund_id: refund.id, status: "succeeded" } }))).toMatchObject({ status: 409, code: "REFUND_FINAL" });
      expect(errorOf(await invoke(manager, "refund-complete", { body: { refund_id: randomUUID(), status: "succeeded" } }))).toMatchObject({ status: 404, code: "REFUND_NOT_FOUND" });
      expect(errorOf(await invoke((await buyer()).client, "refunds-list", { method: "GET" }))).toMatchObject({ status: 403, code: "FORBIDDEN" });
    });
  });

  describe("webhooks", () => {
    test("create shows the secret once; a join's delivery is listed with its signed body; redeliver, update, delete; errors as documented", async () => {
      const created = await invoke(manager, "webhooks-create", { body: { url: "http://127.0.0.1:9/hooks", event_types: ["participation.joined", "campaign.locked"] } });
      expect(created.status).toBe(201);
      const endpoint = schema.webhookEndpointCreated.parse(created.body);
      expect(endpoint.secret).toMatch(/^whsec_/);
      const listed = await invoke(manager, "webhooks-list", { method: "GET" });
      expect(listed.body.items.find((e: { id: string }) => e.id === endpoint.id)).toEqual({ ...endpoint, secret: undefined });
      expect(JSON.stringify(listed.body)).not.toContain(endpoint.secret);

      const campaign = await createCampaign({ total_slots: 1 });
      const b = await buyer();
      const joined = (await join(b.client, campaign.id, 1)).body;
      const page = await invoke(manager, "webhook-deliveries", { method: "GET", query: { endpoint_id: endpoint.id, limit: "1" } });
      expect(page.status).toBe(200);
      const [latest] = schema.page(schema.webhookDelivery).parse(page.body).items;
      expect(latest).toMatchObject({ status: "pending", attempts: 0, history: [] });
      expect(page.body.next_cursor).not.toBeNull();
      const both = await invoke(manager, "webhook-deliveries", { method: "GET", query: { endpoint_id: endpoint.id, event_type: "participation.joined" } });
      expect(both.body.items[0].payload).toMatchObject({ type: "participation.joined", data: { participation_id: joined.id, user_id: b.sub } });
      expect(JSON.stringify(both.body)).not.toContain("Melati");

      expect((await invoke(manager, "webhook-redeliver", { body: { delivery_id: latest.id } })).body).toEqual({ redelivered: 1 });
      expect((await invoke(manager, "webhook-redeliver", { body: { endpoint_id: endpoint.id } })).body).toEqual({ redelivered: 0 });
      const paused = await invoke(manager, "webhooks-update", { body: { endpoint_id: endpoint.id, active: false, event_types: ["refund.owed"] } });
      expect(schema.webhookEndpoint.parse(paused.body)).toMatchObject({ active: false, event_types: ["refund.owed"] });
      expect((await invoke(manager, "webhooks-delete", { body: { endpoint_id: endpoint.id } })).body).toEqual({ id: endpoint.id, deleted: true });

      expect(errorOf(await invoke(manager, "webhooks-delete", { body: { endpoint_id: endpoint.id } }))).toMatchObject({ status: 404, code: "WEBHOOK_ENDPOINT_NOT_FOUND" });
      expect(errorOf(await invoke(manager, "webhooks-update", { body: { endpoint_id: endpoint.id, active: true } }))).toMatchObject({ status: 404, code: "WEBHOOK_ENDPOINT_NOT_FOUND" });
      expect(errorOf(await invoke(manager, "webhook-deliveries", { method: "GET", query: { endpoint_id: endpoint.id } }))).toMatchObject({ status: 404, code: "WEBHOOK_ENDPOINT_NOT_FOUND" });
      expect(errorOf(await invoke(manager, "webhook-redeliver", { body: { delivery_id: latest.id } }))).toMatchObject({ status: 404, code: "WEBHOOK_DELIVERY_NOT_FOUND" });
      expect(errorOf(await invoke(manager, "webhooks-create", { body: { url: "ftp://x.example", event_types: ["job.failed"] } }))).toMatchObject({ status: 400, code: "VALIDATION_FAILED" });
      expect(errorOf(await invoke(b.client, "webhooks-list", { method: "GET" }))).toMatchObject({ status: 403, code: "FORBIDDEN" });
      expect(errorOf(await invoke(publicClient, "webhooks-list", { method: "GET" }))).toMatchObject({ status: 401, code: "UNAUTHENTICATED" });
    });
  });

  test("CORS: every function answers a preflight with the allowed and exposed headers", async () => {
    for (const slug of COVERED_SLUGS) {
      const res = await fetch(stack.fn(slug), {
        method: "OPTIONS",
        headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, idempotency-key" },
      });
      expect(res.status, slug).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-allow-headers")).toContain("idempotency-key");
      expect(res.headers.get("access-control-allow-headers")).toContain("accept-language");
    }
    const answer = await fetch(stack.fn("health"));
    expect(answer.headers.get("access-control-expose-headers")).toContain("retry-after");
  });

  test("every request and every job run is logged once as JSON, without keys, tokens or addresses", async () => {
    const jwt = await stack.token(randomUUID());
    const me = stack.client(jwt);
    const c = await createCampaign();
    const held = await join(me, c.id, 1, { body: { note: "Titip di pos satpam" } });
    await invoke(me, "participation-cancel", { body: { participation_id: held.body.id } });
    expect((await invoke(me, "my-data", { method: "GET" })).status).toBe(200);
    await invoke(me, "my-participations", { method: "GET" });
    await sleep(100);
    const logs = stack.requestLogs();
    expect(logs.length).toBeGreaterThan(50);
    const joined = stack.logs.join("\n");
    expect(joined).not.toContain(jwt.split(".")[2]);
    expect(joined.split(stack.secretKey).length).toBeLessThanOrEqual(2); // only in the banner
    expect(joined).not.toContain("Jl. Melati");
    expect(joined).not.toContain("Jakarta Selatan");
    expect(logs.at(-1)).toMatchObject({ function: "my-participations", status: 200, auth: "user", user: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(logs.some((l) => l.function === "my-data" && l.status === 200)).toBe(true);
    expect(joined).not.toContain("Titip di pos satpam");

    // The structured lines are what gets shipped: nothing in them may open anything.
    const structured = structuredLogs(stack);
    const shipped = structured.map((l) => JSON.stringify(l)).join("\n");
    expect(shipped).not.toMatch(/eyJ[\w-]+\.[\w-]+/); // any JWT, or its header
    expect(shipped).not.toMatch(/sb_(secret|publishable)_/);
    expect(shipped).not.toContain(stack.secretKey);
    expect(shipped).not.toContain(stack.publishableKey);
    expect(shipped).not.toMatch(/Jl\.|Jakarta|Bearer/i);

    const jobs = structured.filter((l) => l.msg === "job");
    expect(jobs.length).toBeGreaterThan(0);
    const triggers = new Set(logs.filter((l) => l.function === "scheduler-trigger" || l.function === "lifecycle").map((l) => l.request_id));
    for (const line of jobs) {
      expect(line).toEqual({
        time: expect.any(String), level: expect.stringMatching(/^(info|warn|error)$/), msg: "job", request_id: expect.any(String),
        job: expect.any(String), execution_id: expect.any(Number), status: expect.stringMatching(/^(succeeded|failed|running)$/),
        attempt: expect.any(Number), triggered_by: expect.stringMatching(/^(cron|manual|retry)$/), duration_ms: expect.any(Number),
        error: line.status === "succeeded" ? null : expect.any(String),
      });
      expect(triggers.has(line.request_id), "each job line names the request that ran it").toBe(true);
    }
    expect(jobs.some((l) => l.job === "sambatan.lifecycle" && l.triggered_by === "manual" && l.status === "succeeded")).toBe(true);

    // Nor the audit trail of every campaign the suite made, nor the metrics.
    const metadata: unknown[] = [];
    for (let cursor: string | null | undefined, page = 0; page === 0 || cursor; page++) {
      const list = await invoke(manager, "campaigns-list", { method: "GET", query: { limit: "100", ...(cursor ? { cursor } : {}) } });
      for (const campaign of list.body.items) {
        for (let after: string | null | undefined, p = 0; p === 0 || after; p++) {
          const audit = await invoke(manager, "campaign-audit", { method: "GET", query: { campaign_id: campaign.id, limit: "100", ...(after ? { cursor: after } : {}) } });
          expect(audit.status).toBe(200);
          metadata.push(...audit.body.items.map((e: { metadata: unknown }) => e.metadata));
          after = audit.body.next_cursor;
        }
      }
      cursor = list.body.next_cursor;
    }
    expect(metadata.length).toBeGreaterThan(20);
    const audited = JSON.stringify(metadata);
    expect(audited).not.toMatch(/Jl\.|Jakarta|Melati|satpam|@example|snap-|Bearer|eyJ/i);
    expect(audited).not.toMatch(/"(shipping_address|address|note|email|token|redirect_url)"/);
    const metrics = await invoke(service, "metrics", { method: "GET" });
    expect(metrics.status).toBe(200);
    const exposition = typeof metrics.body === "string" ? metrics.body : JSON.stringify(metrics.body);
    expect(exposition).not.toMatch(/Jl\.|Jakarta|Melati|satpam|@|eyJ|sb_(secret|publishable)_|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-/i);
  });
}

export type { Answer };
