// The provider clients against the local stand-ins (real HTTP servers holding each
// request to the provider's documented shape and auth): what is sent, what comes
// back, and that every provider failure is PAYMENT_PROVIDER_ERROR without the key.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Secret } from "../../shared/config.ts";
import { DomainError } from "../../shared/errors.ts";
import { createSnapTransaction } from "../../shared/payments/midtrans.ts";
import { createInvoice } from "../../shared/payments/xendit.ts";
import { type MidtransStandIn, startMidtrans, startXendit, type XenditStandIn } from "../helpers/providers.ts";

let midtrans: MidtransStandIn;
let xendit: XenditStandIn;
beforeAll(async () => {
  [midtrans, xendit] = await Promise.all([startMidtrans(), startXendit()]);
});
afterAll(async () => {
  await Promise.all([midtrans?.close(), xendit?.close()]);
});

const due = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();
const request = (participationId = crypto.randomUUID(), minutes = 30) => ({ participationId, amount: 150000, paymentDueAt: due(minutes), description: "Sambatan: 1 slot" });
const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: DomainError) => ({ code: e.code, details: e.details, message: String(e.cause) }));

describe("Midtrans Snap client", () => {
  const snap = (key = midtrans.serverKey, req = request()) => createSnapTransaction({ apiUrl: midtrans.url, serverKey: new Secret(key) }, req);

  test("opens a transaction: Basic auth with the server key, order_id = participation id, expiry within the window", async () => {
    const req = request();
    const opened = await snap(midtrans.serverKey, req);
    expect(opened).toMatchObject({ provider: "midtrans", token: opened.providerTransactionId });
    expect(opened.redirectUrl).toBe(`${midtrans.url}/snap/v4/redirection/${opened.token}`);
    const stored = midtrans.transactions.get(opened.token!)!;
    expect(stored).toMatchObject({ orderId: req.participationId, grossAmount: 150000 });
    // The stand-in computed the expiry from order_time + duration, as Midtrans does.
    expect(stored.expiresAt).toBe(opened.expiresAt);
    expect(Date.parse(opened.expiresAt)).toBeLessThanOrEqual(Date.parse(req.paymentDueAt));
    expect(Date.parse(opened.expiresAt)).toBeGreaterThan(Date.parse(req.paymentDueAt) - 61_000);
  });

  test("a wrong server key is 401 at Midtrans → PAYMENT_PROVIDER_ERROR, the key in no detail", async () => {
    const err = await failure(snap("SB-Mid-server-wrong"));
    expect(err).toMatchObject({ code: "PAYMENT_PROVIDER_ERROR", details: { provider: "midtrans", status: 401 } });
    expect(JSON.stringify(err)).not.toContain("SB-Mid-server-wrong");
  });

  test("a second transaction for the same order id is refused by Midtrans → PAYMENT_PROVIDER_ERROR", async () => {
    const req = request();
    await snap(midtrans.serverKey, req);
    expect(await failure(snap(midtrans.serverKey, req))).toMatchObject({ code: "PAYMENT_PROVIDER_ERROR", details: { status: 400 } });
  });

  test("an outage (500) and an unreachable API are PAYMENT_PROVIDER_ERROR too", async () => {
    midtrans.failNext(500);
    expect(await failure(snap())).toMatchObject({ code: "PAYMENT_PROVIDER_ERROR", details: { provider: "midtrans", status: 500 } });
    const gone = await failure(createSnapTransaction({ apiUrl: "http://127.0.0.1:9", serverKey: new Secret("k") }, request()));
    expect(gone).toMatchObject({ code: "PAYMENT_PROVIDER_ERROR", details: { provider: "midtrans", reason: "unreachable" } });
  });
});

describe("Xendit invoice client", () => {
  const invoice = (key = xendit.secretKey, req = request()) => createInvoice({ apiUrl: xendit.url, secretKey: new Secret(key) }, req);

  test("creates an invoice: Basic auth with the secret key, external_id = participation id, IDR, duration to the window", async () => {
    const req = request(undefined, 45);
    const opened = await invoice(xendit.secretKey, req);
    expect(opened).toMatchObject({ provider: "xendit", token: null });
    const stored = xendit.invoices.get(opened.providerTransactionId)!;
    expect(stored).toMatchObject({ externalId: req.participationId, amount: 150000 });
    expect(opened.redirectUrl).toBe(`${xendit.url}/web/${stored.id}`);
    expect(opened.expiresAt).toBe(stored.expiryDate);
    const sent = xendit.requests.at(-1)!.body as Record<string, unknown>;
    expect(sent).toMatchObject({ currency: "IDR", description: "Sambatan: 1 slot" });
    expect(sent.invoice_duration).toBeGreaterThan(44 * 60);
    expect(sent.invoice_duration).toBeLessThanOrEqual(45 * 60);
  });

  test("a wrong secret key is 401 INVALID_API_KEY at Xendit → PAYMENT_PROVIDER_ERROR", async () => {
    const err = await failure(invoice("xnd_development_wrong"));
    expect(err).toMatchObject({ code: "PAYMENT_PROVIDER_ERROR", details: { provider: "xendit", status: 401 } });
    expect(JSON.stringify(err)).not.toContain("xnd_development_wrong");
  });

  test("a provider-side error (503) is PAYMENT_PROVIDER_ERROR", async () => {
    xendit.failNext(503);
    expect(await failure(invoice())).toMatchObject({ code: "PAYMENT_PROVIDER_ERROR", details: { status: 503 } });
  });
});

describe("the stand-ins refuse what the real APIs refuse", () => {
  const post = (url: string, body: unknown, auth: string, extra: Record<string, string> = {}) =>
    fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/json", authorization: auth, ...extra }, body: JSON.stringify(body) })
      .then(async (r) => ({ status: r.status, body: await r.json() }));
  const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString("base64")}`;
  const order = () => ({ order_id: crypto.randomUUID(), gross_amount: 1000 });

  test.each([
    ["no transaction_details", {}],
    ["gross_amount as a string", { transaction_details: { order_id: "o-1", gross_amount: "1000" } }],
    ["a fractional gross_amount", { transaction_details: { order_id: "o-2", gross_amount: 10.5 } }],
    ["a zero gross_amount", { transaction_details: { order_id: "o-3", gross_amount: 0 } }],
    ["an order_id over 50 characters", { transaction_details: { order_id: "x".repeat(51), gross_amount: 1000 } }],
    ["order_time in ISO format", { transaction_details: order(), custom_expiry: { order_time: "2026-12-03T10:15:26+07:00", expiry_duration: 5, unit: "minute" } }],
    ["expiry_duration as text", { transaction_details: order(), custom_expiry: { expiry_duration: "5", unit: "minute" } }],
    ["an unknown unit", { transaction_details: order(), custom_expiry: { expiry_duration: 5, unit: "week" } }],
  ])("Snap: %s → 400", async (_name, body) => {
    expect((await post(`${midtrans.url}/snap/v1/transactions`, body, basic(midtrans.serverKey))).status).toBe(400);
  });

  test("Snap: the server key as a Bearer token, or with a password, is 401", async () => {
    const body = { transaction_details: order() };
    expect((await post(`${midtrans.url}/snap/v1/transactions`, body, `Bearer ${midtrans.serverKey}`)).status).toBe(401);
    expect((await post(`${midtrans.url}/snap/v1/transactions`, body, `Basic ${Buffer.from(`${midtrans.serverKey}:x`).toString("base64")}`)).status).toBe(401);
  });

  test.each([
    ["no external_id", { amount: 1000 }],
    ["amount as a string", { external_id: "e-1", amount: "1000" }],
    ["a fractional invoice_duration", { external_id: "e-2", amount: 1000, invoice_duration: 1.5 }],
    ["invoice_duration over a year", { external_id: "e-3", amount: 1000, invoice_duration: 31_536_001 }],
    ["an unknown currency", { external_id: "e-4", amount: 1000, currency: "EUR" }],
  ])("Xendit: %s → 400 API_VALIDATION_ERROR", async (_name, body) => {
    const r = await post(`${xendit.url}/v2/invoices`, body, basic(xendit.secretKey));
    expect(r).toMatchObject({ status: 400, body: { error_code: "API_VALIDATION_ERROR" } });
  });
});
