// The typed client (shared/client.ts) against the local stack, as an app would use
// it: every endpoint through it, each answer held to its contract's response schema
// (the schema the OpenAPI document publishes), and failures as typed error objects.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type Result, type SambatanClient, sambatanClient } from "../../shared/client.ts";
import { ENDPOINTS, type Slug } from "../../shared/endpoints.ts";
import { xenditCallback } from "../helpers/providers.ts";
import { inDays, SEED_PRODUCTS, type Stack, startStack, TEST_PAYMENT_KEYS } from "./stack.ts";

let stack: Stack;
let anyone: SambatanClient;
let manager: SambatanClient;
let operator: SambatanClient;
let server: SambatanClient;
const buyer = async () => sambatanClient(stack.client(await stack.token(randomUUID())));

beforeAll(async () => {
  stack = await startStack();
  anyone = sambatanClient(stack.client());
  manager = sambatanClient(stack.client(await stack.token(randomUUID(), ["sambatan.manage"])));
  operator = sambatanClient(stack.client(await stack.token(randomUUID(), ["scheduled_job.read", "scheduled_job.execute"])));
  server = sambatanClient(stack.client(undefined, stack.secretKey));
}, 180_000);
afterAll(() => stack?.stop());

const checked = new Set<Slug>();

/** The data of a call that must succeed, parsed by the endpoint's response schema (strict objects: no field more or less). */
function answer<T>(slug: Slug, result: Result<T>): T {
  expect(result.error, `${slug}: ${JSON.stringify(result.error)}`).toBeNull();
  const parsed = ENDPOINTS[slug].response.schema.safeParse(result.data);
  expect(parsed.error?.issues ?? [], slug).toEqual([]);
  expect(result.response?.status, slug).toBe(ENDPOINTS[slug].response.status);
  checked.add(slug);
  return result.data as T;
}

describe("the typed client on the local stack", () => {
  test("every endpoint answers what its contract (and so the OpenAPI document) says", async () => {
    const [a, b] = [await buyer(), await buyer()];
    answer("product-sambatan-toggle", await manager.productSambatanToggle({ product_id: SEED_PRODUCTS.tehKayuAro, enabled: true }));
    const campaign = answer("campaigns-create", await manager.campaignsCreate({
      product_id: SEED_PRODUCTS.tehKayuAro, title: "Lewat klien", total_slots: 5, price_per_slot: 15000, deadline: inDays(2),
    }));
    answer("campaigns-list", await anyone.campaignsList({ product_id: SEED_PRODUCTS.tehKayuAro, limit: 10 }));
    answer("campaign-get", await anyone.campaignGet({ id: campaign.id }));
    const joined = answer("campaign-join", await a.campaignJoin(
      { campaign_id: campaign.id, quantity: 2, shipping_address: "Jl. Kenari 3", note: null },
      { headers: { "idempotency-key": randomUUID() } },
    ));
    const other = answer("campaign-join", await b.campaignJoin({ campaign_id: campaign.id, quantity: 1, shipping_address: "Jl. Kenari 4" }));
    answer("participation-cancel", await b.participationCancel({ participation_id: other.id, reason: "Salah pilih" }));
    expect(answer("my-participations", await a.myParticipations({ status: "pending_payment" })).items.map((p) => p.id)).toEqual([joined.id]);
    answer("campaign-audit", await manager.campaignAudit({ campaign_id: campaign.id, limit: 5 }));
    answer("dashboard-summary", await manager.dashboardSummary());
    answer("lifecycle", await server.lifecycle({ source: "client-test" }));
    answer("scheduler-trigger", await operator.schedulerTrigger({ job: "sambatan.lifecycle" }));
    answer("scheduler-status", await operator.schedulerStatus());
    answer("scheduler-status", await operator.schedulerStatus({ job: "jobs.cleanup" }));
    answer("scheduler-history", await operator.schedulerHistory({ job: "sambatan.lifecycle", limit: 3 }));
    answer("scheduler-control", await operator.schedulerControl({ job: "sambatan.lifecycle", action: "resume" }));
    answer("health", await anyone.health());
    expect(answer("openapi", await anyone.openapi()).openapi).toBe("3.1.0");
    expect(answer("metrics", await operator.metrics())).toContain("# TYPE sambatan_campaigns gauge");
    // Payments: a campaign with a window, checked out (manual), confirmed by hand; a cancelled
    // reservation paid late through the providers' webhook (no typed method: only providers call it).
    const windowed = (await manager.campaignsCreate({
      product_id: SEED_PRODUCTS.tehKayuAro, title: "Bayar dulu", total_slots: 5, price_per_slot: 15000, deadline: inDays(2), payment_window_minutes: 30,
    })).data!;
    const payer = await buyer();
    const owed = (await payer.campaignJoin({ campaign_id: windowed.id, quantity: 1, shipping_address: "Jl. Kenari 7" })).data!;
    answer("participation-checkout", await payer.participationCheckout({ participation_id: owed.id }));
    answer("payment-confirm", await manager.paymentConfirm({ participation_id: owed.id, reference: "TUNAI-1" }));
    const lateBuyer = await buyer();
    const late = (await lateBuyer.campaignJoin({ campaign_id: windowed.id, quantity: 1, shipping_address: "Jl. Kenari 8" })).data!;
    await lateBuyer.participationCancel({ participation_id: late.id });
    const hook = await fetch(`${stack.fn("payment-webhook")}?provider=xendit`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-callback-token": TEST_PAYMENT_KEYS.xenditCallbackToken },
      body: JSON.stringify(xenditCallback({ id: "65f1a2b3c4d5e6f708192a3d", external_id: late.id, status: "PAID", amount: late.amount })),
    });
    expect(ENDPOINTS["payment-webhook"].response.schema.parse(await hook.json())).toEqual({ received: true, result: "late_payment" });
    checked.add("payment-webhook");
    const refunds = answer("refunds-list", await manager.refundsList({ campaign_id: windowed.id }));
    answer("refund-complete", await manager.refundComplete({ refund_id: refunds.items[0].id, status: "succeeded", reference: "BCA-RF-1" }));
    // Campaign rules: a full campaign's waiting list (202 is the join's other answer), left
    // again; an organiser extends one campaign and cancels it.
    const full = (await manager.campaignsCreate({
      product_id: SEED_PRODUCTS.tehKayuAro, title: "Antre", total_slots: 1, deadline: inDays(2),
      price_tiers: [{ up_to_slot: 1, price_per_slot: 20000 }], min_slots: 1, max_slots_per_buyer: 1,
    })).data!;
    expect(answer("campaign-get", await anyone.campaignGet({ id: full.id })).current_tier).toEqual({ up_to_slot: 1, price_per_slot: 20000, slots_left: 1 });
    await (await buyer()).campaignJoin({ campaign_id: full.id, quantity: 1, shipping_address: "Jl. Kenari 9" });
    const waiter = await buyer();
    const queued = await waiter.campaignJoin({ campaign_id: full.id, quantity: 1, shipping_address: "Jl. Kenari 10", waitlist: true });
    expect(queued.response?.status).toBe(202);
    expect(ENDPOINTS["campaign-join"].alsoAnswers[0].schema.parse(queued.data)).toMatchObject({ waitlist_entry: { position: 1 } });
    const entry = answer("my-waitlist", await waiter.myWaitlist({ status: "waiting" })).items[0];
    expect(answer("campaign-waitlist", await manager.campaignWaitlist({ campaign_id: full.id })).items).toEqual([expect.objectContaining({ id: entry.id, position: 1 })]);
    answer("waitlist-leave", await waiter.waitlistLeave({ entry_id: entry.id }));
    answer("campaign-extend", await manager.campaignExtend({ campaign_id: full.id, deadline: inDays(3) }));
    answer("campaign-cancel", await manager.campaignCancel({ campaign_id: full.id, reason: "Uji klien" }));
    // A manager's view of a campaign's participants, and a buyer's export of their own data.
    expect(answer("participants-list", await manager.participantsList({ campaign_id: windowed.id })).items.length).toBeGreaterThan(0);
    expect(answer("my-data", await payer.myData()).participations.map((p: { id: string }) => p.id)).toContain(owed.id);
    // No execution can be made dead over HTTP alone (the seeded jobs do not fail), so
    // the client's requeue is held to its typed refusal; tests/db/job-policies.test.ts runs one.
    const notDead = await operator.schedulerRequeue({ execution_id: refunds.items.length + 2147483000 });
    expect(notDead.error).toMatchObject({ code: "JOB_NOT_FOUND", status: 404 });
    checked.add("scheduler-requeue");
    // Webhooks: an endpoint, the delivery a join makes for it, redelivery, removal.
    const endpoint = answer("webhooks-create", await manager.webhooksCreate({ url: "http://127.0.0.1:9/hooks", event_types: ["participation.joined"] }));
    answer("webhooks-list", await manager.webhooksList());
    answer("webhooks-update", await manager.webhooksUpdate({ endpoint_id: endpoint.id, description: "Gudang", active: true }));
    await (await buyer()).campaignJoin({ campaign_id: windowed.id, quantity: 1, shipping_address: "Jl. Kenari 9" });
    const deliveries = answer("webhook-deliveries", await manager.webhookDeliveries({ endpoint_id: endpoint.id, status: "pending" }));
    expect(deliveries.items).toHaveLength(1);
    answer("webhook-redeliver", await manager.webhookRedeliver({ delivery_id: deliveries.items[0].id }));
    answer("webhooks-delete", await manager.webhooksDelete({ endpoint_id: endpoint.id }));
    expect([...checked].sort()).toEqual(Object.keys(ENDPOINTS).sort());
  });

  test("failures come back as { code, status, message, details, requestId }, never thrown", async () => {
    const missing = await anyone.campaignGet({ id: randomUUID() });
    expect(missing.data).toBeNull();
    expect(missing.error).toEqual({
      code: "CAMPAIGN_NOT_FOUND", status: 404, message: expect.any(String), details: expect.any(Object), requestId: expect.any(String),
    });
    expect(missing.response?.headers.get("x-request-id")).toBe(missing.error?.requestId);

    const campaign = (await manager.campaignsCreate({
      product_id: SEED_PRODUCTS.kopiGayo, title: "Sisa dua", total_slots: 2, price_per_slot: 1000, deadline: inDays(1),
    })).data!;
    const over = await (await buyer()).campaignJoin({ campaign_id: campaign.id, quantity: 3, shipping_address: "Jl. Kenari 5" });
    expect(over.error).toMatchObject({ code: "SLOTS_INSUFFICIENT", status: 422, details: { available_slots: 2 } });

    const badLimit = await anyone.campaignsList({ limit: 500 });
    expect(badLimit.error).toMatchObject({ code: "VALIDATION_FAILED", status: 400, details: { location: "query" } });
    expect(badLimit.error?.details.issues).toEqual([expect.objectContaining({ field: "limit" })]);

    expect((await anyone.myParticipations()).error).toMatchObject({ code: "UNAUTHENTICATED", status: 401 });
    expect((await (await buyer()).metrics()).error).toMatchObject({ code: "FORBIDDEN", status: 403 });
    expect((await operator.schedulerTrigger({ job: "no.such.job" })).error).toMatchObject({ code: "JOB_NOT_FOUND", status: 404 });

    const english = await anyone.campaignGet({ id: randomUUID() }, { headers: { "accept-language": "en" } });
    expect(english.error?.message).toBe("Campaign not found.");
  });

  test("an Idempotency-Key retry replays the first answer, marked in the response", async () => {
    const campaign = (await manager.campaignsCreate({
      product_id: SEED_PRODUCTS.kopiGayo, title: "Ulang", total_slots: 4, price_per_slot: 1000, deadline: inDays(1),
    })).data!;
    const b = await buyer();
    const input = { campaign_id: campaign.id, quantity: 1, shipping_address: "Jl. Kenari 6" };
    const headers = { "idempotency-key": `client-${randomUUID()}` };
    const first = await b.campaignJoin(input, { headers });
    const again = await b.campaignJoin(input, { headers });
    expect(again.data).toEqual(first.data);
    expect(first.response?.headers.get("idempotent-replayed")).toBeNull();
    expect(again.response?.headers.get("idempotent-replayed")).toBe("true");
  });
});
