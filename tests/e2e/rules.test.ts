// The campaign rules over HTTP, end to end through supabase-js on the local stack:
// the waiting list (202 with a place in line, offers in order when slots come free,
// leaving, paging), price tiers (campaign-get's current tier and the amounts), the
// buyer cap, the minimum to succeed, and the organiser's cancel and extend. Rows are
// read behind the API, and the invariants (money included) are checked after each flow.

import { randomUUID } from "node:crypto";
import type { SupabaseClient } from "@supabase/supabase-js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sambatanClient } from "../../shared/client.ts";
import * as schema from "../../shared/schemas.ts";
import { invariantViolationsSql } from "../helpers/invariants.ts";
import { call, MANAGE, OPERATE, type PgStack, serverFailures, stackOnFreshDatabase } from "./harness.ts";
import { errorOf, inDays, invoke, SEED_PRODUCTS, type Stack } from "./stack.ts";

type AuditEvent = import("zod").infer<typeof schema.event>;

const address = "Jl. Dago No. 21\nBandung";
const PRICE = 50_000;

let env: PgStack;
let stack: Stack;
let manager: SupabaseClient;
let operator: SupabaseClient;

beforeAll(async () => {
  env = await stackOnFreshDatabase();
  stack = env.stack;
  manager = stack.client(await stack.token(randomUUID(), MANAGE));
  operator = stack.client(await stack.token(randomUUID(), OPERATE));
}, 180_000);
afterAll(async () => {
  const failures = stack ? serverFailures(stack) : [];
  await env?.stop();
  expect(failures).toEqual([]);
});

const buyer = async () => {
  const sub = randomUUID();
  return { sub, client: stack.client(await stack.token(sub)) };
};

async function campaign(overrides: Record<string, unknown> = {}): Promise<schema.Campaign> {
  const r = await invoke(manager, "campaigns-create", {
    body: { product_id: SEED_PRODUCTS.kopiGayo, title: "Kopi Gayo antre", total_slots: 3, price_per_slot: PRICE, deadline: inDays(2), ...overrides },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return schema.campaign.parse(r.body);
}

const join = (client: SupabaseClient, campaignId: string, quantity: number, extra: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  invoke(client, "campaign-join", { body: { campaign_id: campaignId, quantity, shipping_address: address, ...extra }, headers });

async function joined(client: SupabaseClient, campaignId: string, quantity: number) {
  const r = await join(client, campaignId, quantity);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return schema.participation.parse(r.body);
}

async function waited(client: SupabaseClient, campaignId: string, quantity: number, headers?: Record<string, string>) {
  const r = await join(client, campaignId, quantity, { waitlist: true }, headers);
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  return schema.waitlisted.parse(r.body).waitlist_entry;
}

const get = async (id: string) => schema.campaignWithProgress.parse((await invoke(manager, "campaign-get", { method: "GET", query: { id } })).body);
const myWaitlist = async (client: SupabaseClient, query: Record<string, string> = {}) => {
  const r = await invoke(client, "my-waitlist", { method: "GET", query });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return schema.page(schema.waitlistEntry).parse(r.body);
};
const mine = async (client: SupabaseClient) => schema.page(schema.participation).parse((await invoke(client, "my-participations", { method: "GET" })).body).items;
const violations = () => env.db.sql.unsafe(invariantViolationsSql);

describe("the waiting list", () => {
  test("a full campaign: 409 without the flag, 202 with a place in line; a cancel offers the slot to the first entry that fits", async () => {
    const c = await campaign({ payment_window_minutes: 30 });
    const [a, b, big, small] = [await buyer(), await buyer(), await buyer(), await buyer()];
    await joined(a.client, c.id, 2);
    const pb = await joined(b.client, c.id, 1);
    expect((await get(c.id)).status).toBe("locked");

    expect(errorOf(await join(big.client, c.id, 2))).toMatchObject({ status: 409, code: "CAMPAIGN_FULL" });
    const first = await waited(big.client, c.id, 2);
    expect(first).toMatchObject({ campaign_id: c.id, quantity: 2, position: 1, status: "waiting" });
    // With an Idempotency-Key the retry replays the 202 and its body.
    const key = { "Idempotency-Key": `antre-${randomUUID()}` };
    const second = await join(small.client, c.id, 1, { waitlist: true }, key);
    expect(second.status).toBe(202);
    expect(second.body.waitlist_entry).toMatchObject({ quantity: 1, position: 2, status: "waiting" });
    const replay = await join(small.client, c.id, 1, { waitlist: true }, key);
    expect(replay.status).toBe(202);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(second.body);
    // One waiting entry per buyer; and the entry is the buyer's only way in while it waits.
    expect(errorOf(await join(big.client, c.id, 1, { waitlist: true })))
      .toMatchObject({ status: 409, code: "ALREADY_JOINED", details: { waitlist_entry_id: first.id } });
    const [{ n: entries }] = await env.db.sql`select count(*)::int as n from public.sambatan_waitlist_entries where campaign_id = ${c.id}`;
    expect(entries).toBe(2);

    // One slot comes free: the first entry (2) does not fit and keeps its place; the second (1) is offered.
    expect((await invoke(b.client, "participation-cancel", { body: { participation_id: pb.id } })).status).toBe(200);
    const [offered] = await mine(small.client);
    expect(offered).toMatchObject({ campaign_id: c.id, quantity: 1, status: "pending_payment", amount: PRICE, shipping_address: address });
    expect(offered.payment_due_at).not.toBeNull();
    expect((await myWaitlist(small.client)).items).toEqual([expect.objectContaining({ id: second.body.waitlist_entry.id, status: "offered", participation_id: offered.id, position: null })]);
    expect((await myWaitlist(big.client)).items).toEqual([expect.objectContaining({ id: first.id, status: "waiting", position: 1 })]);
    expect(await get(c.id)).toMatchObject({ status: "locked", filled_slots: 3 });
    const audit = (await invoke(manager, "campaign-audit", { method: "GET", query: { campaign_id: c.id, limit: "100" } })).body.items.map((e: AuditEvent) => e.event);
    expect(audit).toEqual(expect.arrayContaining(["waitlisted", "waitlist_offered", "cancelled"]));

    // Leaving: once, by the buyer only; another buyer is told it does not exist.
    expect(errorOf(await invoke(a.client, "waitlist-leave", { body: { entry_id: first.id } }))).toMatchObject({ status: 404, code: "WAITLIST_ENTRY_NOT_FOUND" });
    const left = await invoke(big.client, "waitlist-leave", { body: { entry_id: first.id } });
    expect(left.status).toBe(200);
    expect(schema.waitlistEntry.parse(left.body)).toMatchObject({ id: first.id, status: "left", position: null, participation_id: null });
    expect(errorOf(await invoke(big.client, "waitlist-leave", { body: { entry_id: first.id } }))).toMatchObject({ status: 409, code: "WAITLIST_ENTRY_FINAL" });
    expect(errorOf(await invoke(small.client, "waitlist-leave", { body: { entry_id: second.body.waitlist_entry.id } }))).toMatchObject({ status: 409, code: "WAITLIST_ENTRY_FINAL" });
    expect(errorOf(await invoke(big.client, "waitlist-leave", { body: { entry_id: randomUUID() } }))).toMatchObject({ status: 404, code: "WAITLIST_ENTRY_NOT_FOUND" });
    expect(await violations()).toEqual([]);
  });

  test("without the flag a short campaign is still 422 SLOTS_INSUFFICIENT; with it, 202", async () => {
    const c = await campaign();
    await joined((await buyer()).client, c.id, 2);
    const late = await buyer();
    expect(errorOf(await join(late.client, c.id, 2))).toMatchObject({ status: 422, code: "SLOTS_INSUFFICIENT", details: { available_slots: 1 } });
    expect(await waited(late.client, c.id, 2)).toMatchObject({ position: 1, status: "waiting" });
  });

  test("my-waitlist pages the buyer's own entries newest first, by status, and never another buyer's", async () => {
    const me = await buyer();
    const other = await buyer();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await campaign({ total_slots: 1 });
      await joined((await buyer()).client, c.id, 1);
      ids.push((await waited(me.client, c.id, 1)).id);
      await waited(other.client, c.id, 1);
    }
    expect(await invoke(me.client, "waitlist-leave", { body: { entry_id: ids[0] } })).toMatchObject({ status: 200 });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await myWaitlist(me.client, { limit: "1", ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(1);
      seen.push(...page.items.map((e) => e.id));
      cursor = page.next_cursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual([...ids].reverse());
    expect((await myWaitlist(me.client, { status: "waiting" })).items.map((e) => e.id)).toEqual([ids[2], ids[1]]);
    expect((await myWaitlist(me.client, { status: "left" })).items.map((e) => e.id)).toEqual([ids[0]]);
    expect((await myWaitlist(me.client, { status: "offered" })).items).toEqual([]);
    expect((await myWaitlist(me.client)).items.every((e) => e.user_id === me.sub)).toBe(true);
    // The typed client reads the same page.
    const typed = await sambatanClient(me.client).myWaitlist({ status: "waiting", limit: 100 });
    expect(typed.data?.items.map((e) => e.id)).toEqual([ids[2], ids[1]]);
  });
});

describe("price tiers", () => {
  test("campaign-get shows the current tier; each slot costs its tier's price, a join spanning two pays each at its own", async () => {
    const tiers = [{ up_to_slot: 3, price_per_slot: 40_000 }, { up_to_slot: 10, price_per_slot: 60_000 }];
    const r = await invoke(manager, "campaigns-create", {
      body: { product_id: SEED_PRODUCTS.kopiGayo, title: "Early bird", total_slots: 10, price_tiers: tiers, deadline: inDays(2) },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const c = schema.campaign.parse(r.body);
    // Without a flat price the first tier's stands in.
    expect(c).toMatchObject({ price_tiers: tiers, price_per_slot: 40_000, min_slots: 10, max_slots_per_buyer: null });
    expect((await get(c.id)).current_tier).toEqual({ up_to_slot: 3, price_per_slot: 40_000, slots_left: 3 });

    const [a, b, d] = [await buyer(), await buyer(), await buyer()];
    expect((await joined(a.client, c.id, 2)).amount).toBe(80_000);
    expect((await get(c.id)).current_tier).toEqual({ up_to_slot: 3, price_per_slot: 40_000, slots_left: 1 });
    const spanning = await joined(b.client, c.id, 3);
    expect(spanning.amount).toBe(40_000 + 2 * 60_000);
    expect((await get(c.id)).current_tier).toEqual({ up_to_slot: 10, price_per_slot: 60_000, slots_left: 5 });
    expect((await joined(d.client, c.id, 5)).amount).toBe(5 * 60_000);
    const full = await get(c.id);
    expect(full).toMatchObject({ status: "locked", current_tier: null });
    expect(full.progress.total_contribution).toBe(3 * 40_000 + 7 * 60_000);

    const audit = (await invoke(manager, "campaign-audit", { method: "GET", query: { campaign_id: c.id, limit: "100" } })).body.items as AuditEvent[];
    const spanned = audit.find((e) => e.event === "joined" && e.participation_id === spanning.id);
    expect(spanned?.metadata.tiers).toEqual([{ up_to_slot: 3, price_per_slot: 40_000, slots: 1 }, { up_to_slot: 10, price_per_slot: 60_000, slots: 2 }]);
    // A flat campaign shows no tier.
    expect((await get((await campaign()).id)).current_tier).toBeNull();
    expect(await violations()).toEqual([]);
  });
});

describe("the buyer cap", () => {
  test("a join or a waiting entry over max_slots_per_buyer is 422 BUYER_LIMIT_EXCEEDED with the cap, writing nothing", async () => {
    const c = await campaign({ total_slots: 5, max_slots_per_buyer: 2 });
    expect(c.max_slots_per_buyer).toBe(2);
    const a = await buyer();
    const before = await env.db.sql`select count(*)::int as n from public.sambatan_participants where campaign_id = ${c.id}`;
    expect(errorOf(await join(a.client, c.id, 3))).toMatchObject({ status: 422, code: "BUYER_LIMIT_EXCEEDED", details: { max_slots_per_buyer: 2 } });
    expect(await env.db.sql`select count(*)::int as n from public.sambatan_participants where campaign_id = ${c.id}`).toEqual(before);
    expect((await joined(a.client, c.id, 2)).quantity).toBe(2);
    await joined((await buyer()).client, c.id, 2);
    await joined((await buyer()).client, c.id, 1);
    const late = await buyer();
    expect(errorOf(await join(late.client, c.id, 3, { waitlist: true }))).toMatchObject({ status: 422, code: "BUYER_LIMIT_EXCEEDED", details: { max_slots_per_buyer: 2 } });
    expect(await waited(late.client, c.id, 2)).toMatchObject({ quantity: 2, position: 1 });
  });
});

describe("the organiser's actions", () => {
  test("campaign-cancel: unpaid cancelled, paid refunded with a refund owed, the waiting list closed; then 409 CAMPAIGN_CLOSED", async () => {
    const c = await campaign({ total_slots: 2, payment_window_minutes: 30 });
    const [payer, unpaid, waiting] = [await buyer(), await buyer(), await buyer()];
    const paid = await joined(payer.client, c.id, 1);
    const owed = await joined(unpaid.client, c.id, 1);
    expect((await invoke(manager, "payment-confirm", { body: { participation_id: paid.id, reference: "TRF-BATAL-1" } })).status).toBe(200);
    const entry = await waited(waiting.client, c.id, 1);

    const r = await invoke(manager, "campaign-cancel", { body: { campaign_id: c.id, reason: "Pemasok menghentikan produksi" } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(schema.campaign.parse(r.body)).toMatchObject({ status: "cancelled", cancel_reason: "Pemasok menghentikan produksi", cancelled_at: expect.any(String) });
    expect((await mine(unpaid.client)).map((p) => [p.id, p.status])).toEqual([[owed.id, "cancelled"]]);
    expect((await mine(payer.client)).map((p) => [p.id, p.status])).toEqual([[paid.id, "refunded"]]);
    const refunds = schema.page(schema.refund).parse((await invoke(manager, "refunds-list", { method: "GET", query: { campaign_id: c.id } })).body).items;
    expect(refunds).toEqual([expect.objectContaining({ participation_id: paid.id, reason: "campaign_cancelled", status: "pending", amount: PRICE })]);
    expect((await myWaitlist(waiting.client)).items).toEqual([expect.objectContaining({ id: entry.id, status: "closed" })]);
    expect(await violations()).toEqual([]);

    expect(errorOf(await invoke(manager, "campaign-cancel", { body: { campaign_id: c.id, reason: "lagi" } }))).toMatchObject({ status: 409, code: "CAMPAIGN_CLOSED" });
    expect(errorOf(await invoke(manager, "campaign-extend", { body: { campaign_id: c.id, deadline: inDays(3) } }))).toMatchObject({ status: 409, code: "CAMPAIGN_CLOSED" });
    expect(errorOf(await invoke(manager, "campaign-cancel", { body: { campaign_id: randomUUID(), reason: "x" } }))).toMatchObject({ status: 404, code: "CAMPAIGN_NOT_FOUND" });
    expect(errorOf(await invoke(waiting.client, "campaign-cancel", { body: { campaign_id: c.id, reason: "x" } }))).toMatchObject({ status: 403, code: "FORBIDDEN" });
  });

  test("campaign-extend: once, later and at most 30 days past the deadline; then 409 CAMPAIGN_ALREADY_EXTENDED", async () => {
    const c = await campaign({ deadline: inDays(2) });
    const to = (days: number) => new Date(Date.parse(c.deadline) + days * 86_400_000).toISOString();
    const extend = (deadline: string) => invoke(manager, "campaign-extend", { body: { campaign_id: c.id, deadline } });
    expect(errorOf(await extend(c.deadline))).toMatchObject({ status: 400, code: "VALIDATION_FAILED", details: { field: "deadline", reason: "after_current_deadline" } });
    expect(errorOf(await extend(to(31)))).toMatchObject({ status: 400, code: "VALIDATION_FAILED", details: { field: "deadline", reason: "at_most_30_days_later" } });
    const r = await extend(to(30));
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const extended = schema.campaign.parse(r.body);
    expect(Date.parse(extended.deadline)).toBe(Date.parse(to(30)));
    expect(extended.extended_at).not.toBeNull();
    expect(errorOf(await extend(to(31)))).toMatchObject({ status: 409, code: "CAMPAIGN_ALREADY_EXTENDED" });
    const audit = (await invoke(manager, "campaign-audit", { method: "GET", query: { campaign_id: c.id } })).body.items as AuditEvent[];
    expect(audit.find((e) => e.event === "extended")?.metadata).toEqual({ from: c.deadline, to: extended.deadline });
    // A locked campaign may be extended too.
    const locked = await campaign({ total_slots: 1 });
    await joined((await buyer()).client, locked.id, 1);
    const moved = await invoke(manager, "campaign-extend", { body: { campaign_id: locked.id, deadline: inDays(3) } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.status).toBe("locked");
    // Through the typed client, as an app would.
    const typed = await sambatanClient(manager).campaignCancel({ campaign_id: locked.id, reason: "Stok habis" });
    expect(typed.data?.status).toBe("cancelled");
  });
});

describe("the minimum to succeed", () => {
  test("at the deadline a campaign holding min_slots is fulfilled with what it has; one below it expires", async () => {
    const reaching = await campaign({ total_slots: 5, min_slots: 2, deadline: inDays(1) });
    const short = await campaign({ total_slots: 5, min_slots: 3, deadline: inDays(1) });
    expect(reaching.min_slots).toBe(2);
    const [a, b] = [await buyer(), await buyer()];
    const pa = await joined(a.client, reaching.id, 2);
    const pb = await joined(b.client, short.id, 2);
    // 4 do not fit in the 3 left: the entry waits, and closes when the campaign ends.
    const waiting = await buyer();
    await waited(waiting.client, reaching.id, 4);

    // Past both deadlines: the database's clock moves for every session from now on.
    await env.db.sql.unsafe(`alter database ${env.db.name} set sambatan.clock_offset = '1 day 1 minute'`);
    await env.db.sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'sambatan-functions'`;
    for (let i = 0; i < 100 && (await call(stack, "health")).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    const run = await invoke(operator, "scheduler-trigger", { body: {} });
    expect(run.status, JSON.stringify(run.body)).toBe(200);

    expect((await get(reaching.id)).status).toBe("fulfilled");
    expect((await get(short.id)).status).toBe("expired");
    expect((await mine(a.client)).map((p) => [p.id, p.status])).toEqual([[pa.id, "confirmed"]]);
    expect((await mine(b.client)).map((p) => [p.id, p.status])).toEqual([[pb.id, "refunded"]]);
    expect((await myWaitlist(waiting.client)).items.map((e) => e.status)).toEqual(["closed"]);
    expect(await violations()).toEqual([]);
  });
});
