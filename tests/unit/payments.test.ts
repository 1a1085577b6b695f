// The pure half of payments: proof checks, each provider's statuses mapped to an
// outcome, what is kept of a notification, and the expiry each provider is asked for.
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { parseConfig } from "../../shared/config.ts";
import { DomainError } from "../../shared/errors.ts";
import { snapRequest, wibTimestamp } from "../../shared/payments/midtrans.ts";
import { fromMidtrans, fromXendit, midtransOutcome, wholeRupiah, xenditOutcome } from "../../shared/payments/notifications.ts";
import { constantTimeEqual, midtransSignature, verifyMidtransNotification, verifyXenditCallbackToken } from "../../shared/payments/proof.ts";
import { proveNotification } from "../../shared/payments/webhook.ts";
import { invoiceRequest } from "../../shared/payments/xendit.ts";
import { midtransNotification as midtransSchema, xenditInvoiceCallback } from "../../shared/schemas.ts";
import { midtransNotification, parseOrderTime, xenditCallback } from "../helpers/providers.ts";

const SERVER_KEY = "SB-Mid-server-TOq1a2AVuiyhhOjvfs3U_KeO";
const CALLBACK_TOKEN = "xnd-callback-verification-token-0123456789";
const participationId = "3f1c2b8e-6d7a-4c59-9e2f-0a1b2c3d4e5f";

describe("Midtrans signature_key", () => {
  test("is SHA-512 hex of order_id + status_code + gross_amount + server key (Midtrans' documented example)", async () => {
    const expected = createHash("sha512").update("1111" + "200" + "100000.00" + "askvnoibnosifnboseofinbofinfgbiufglnbfg").digest("hex");
    expect(await midtransSignature("1111", "200", "100000.00", "askvnoibnosifnboseofinbofinfgbiufglnbfg")).toBe(expected);
  });

  test("a notification signed with our server key verifies", async () => {
    const body = midtransNotification(SERVER_KEY, { order_id: participationId, transaction_status: "settlement", gross_amount: 150000 });
    expect(await verifyMidtransNotification(body, SERVER_KEY)).toBe(true);
  });

  test("one signed with another server key does not", async () => {
    const body = midtransNotification("SB-Mid-server-someone-else", { order_id: participationId, transaction_status: "settlement", gross_amount: 150000 });
    expect(await verifyMidtransNotification(body, SERVER_KEY)).toBe(false);
  });

  test.each([
    ["a tampered amount", { gross_amount: "1.00" }],
    ["another order id", { order_id: "7e2d9c4a-1b3f-4a5e-8c6d-9f0a1b2c3d4e" }],
    ["another status code (pending's signature on a settlement)", { status_code: "201" }],
    ["no signature_key", { signature_key: undefined }],
    ["an empty signature_key", { signature_key: "" }],
    ["a truncated signature_key", { signature_key: "ab" }],
    ["gross_amount as a number (Midtrans sends a string)", { gross_amount: 150000 }],
    ["no order_id", { order_id: undefined }],
  ])("%s does not verify", async (_name, change) => {
    const body = { ...midtransNotification(SERVER_KEY, { order_id: participationId, transaction_status: "settlement", gross_amount: 150000 }), ...change };
    expect(await verifyMidtransNotification(body, SERVER_KEY)).toBe(false);
  });

  test("a replayed notification still verifies (it is genuine): the database stores it once and the replay changes nothing", async () => {
    const body = midtransNotification(SERVER_KEY, { order_id: participationId, transaction_status: "settlement", gross_amount: 150000 });
    expect(await verifyMidtransNotification(structuredClone(body), SERVER_KEY)).toBe(true);
    expect(await verifyMidtransNotification(structuredClone(body), SERVER_KEY)).toBe(true);
    // Its signature cannot be moved onto a different notification, though.
    const other = midtransNotification(SERVER_KEY, { order_id: participationId, transaction_status: "expire", gross_amount: 150000 });
    expect(await verifyMidtransNotification({ ...other, signature_key: body.signature_key }, SERVER_KEY)).toBe(false);
  });

  test.each([null, "text", [], 42])("a body that is not an object (%j) proves nothing", async (body) => {
    expect(await verifyMidtransNotification(body, SERVER_KEY)).toBe(false);
  });
});

describe("Xendit x-callback-token", () => {
  test.each([
    ["the account's token", CALLBACK_TOKEN, true],
    ["another token", "xnd-callback-verification-token-9876543210", false],
    ["a prefix of it", CALLBACK_TOKEN.slice(0, 10), false],
    ["it with a suffix", `${CALLBACK_TOKEN}x`, false],
    ["an empty header", "", false],
    ["no header", null, false],
  ])("%s → %s", async (_name, header, ok) => {
    expect(await verifyXenditCallbackToken(header, CALLBACK_TOKEN)).toBe(ok);
  });

  test("constant-time comparison answers equality exactly", async () => {
    expect(await constantTimeEqual("abc", "abc")).toBe(true);
    expect(await constantTimeEqual("abc", "abd")).toBe(false);
    expect(await constantTimeEqual("", "")).toBe(true);
    expect(await constantTimeEqual("abc", "abcabc")).toBe(false);
  });
});

describe("the webhook's proof, before anything is parsed into the database", () => {
  const config = parseConfig({
    SUPABASE_URL: "http://127.0.0.1:54321",
    SAMBATAN_MIDTRANS_SERVER_KEY: SERVER_KEY,
    SAMBATAN_XENDIT_CALLBACK_TOKEN: CALLBACK_TOKEN,
  });
  const post = (query: string, body: unknown, headers: Record<string, string> = {}) =>
    new Request(`http://127.0.0.1:54321/functions/v1/payment-webhook${query}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  const reasonOf = (p: Promise<unknown>) =>
    p.then(() => "accepted", (e: DomainError) => `${e.code} ${e.details.reason}`);
  const signed = midtransNotification(SERVER_KEY, { order_id: participationId, transaction_status: "settlement", gross_amount: 150000 });
  const paid = xenditCallback({ id: "65f1a2b3c4d5e6f708192a3b", external_id: participationId, status: "PAID", amount: 150000 });

  test("accepts a signed Midtrans notification and leaves the body for the handler to read", async () => {
    const req = post("?provider=midtrans", signed);
    expect(await proveNotification(req, config)).toBe("midtrans");
    expect(await req.json()).toEqual(signed);
  });

  test.each([
    ["Midtrans with a forged signature", "?provider=midtrans", { ...signed, signature_key: "0".repeat(128) }, {}, "invalid_signature"],
    ["Midtrans with a body that is not JSON", "?provider=midtrans", "{not json", {}, "invalid_signature"],
    ["Xendit without x-callback-token", "?provider=xendit", paid, {}, "invalid_callback_token"],
    ["Xendit with a wrong x-callback-token", "?provider=xendit", paid, { "x-callback-token": "guess" }, "invalid_callback_token"],
    ["no provider", "", signed, {}, "unknown_provider"],
    ["an unknown provider", "?provider=stripe", signed, {}, "unknown_provider"],
    ["the provider named twice", "?provider=midtrans&provider=xendit", signed, {}, "unknown_provider"],
  ])("refuses %s (UNAUTHENTICATED)", async (_name, query, body, headers, reason) => {
    expect(await reasonOf(proveNotification(post(query, body, headers), config))).toBe(`UNAUTHENTICATED ${reason}`);
  });

  test("accepts Xendit's callback token", async () => {
    expect(await proveNotification(post("?provider=xendit", paid, { "x-callback-token": CALLBACK_TOKEN }), config)).toBe("xendit");
  });

  test("a provider whose key is not configured can prove nothing", async () => {
    const bare = parseConfig({ SUPABASE_URL: "http://127.0.0.1:54321" });
    expect(await reasonOf(proveNotification(post("?provider=midtrans", signed), bare))).toBe("UNAUTHENTICATED provider_not_configured");
    expect(await reasonOf(proveNotification(post("?provider=xendit", paid, { "x-callback-token": "" }), bare))).toBe("UNAUTHENTICATED provider_not_configured");
  });
});

describe("status mapping: real-shaped notification bodies → outcome", () => {
  const midtrans: [string, string | undefined, string, string][] = [
    // [transaction_status, fraud_status, payment_type, outcome]
    ["settlement", "accept", "bank_transfer", "paid"],
    ["settlement", "accept", "qris", "paid"],
    ["capture", "accept", "credit_card", "paid"],
    ["capture", "challenge", "credit_card", "pending"],
    ["capture", "deny", "credit_card", "denied"],
    ["pending", "accept", "bank_transfer", "pending"],
    ["expire", "accept", "bank_transfer", "expired"],
    ["cancel", "accept", "gopay", "cancelled"],
    ["deny", "deny", "credit_card", "denied"],
    ["refund", "accept", "credit_card", "other"],
    ["failure", undefined, "bank_transfer", "other"],
  ];
  test.each(midtrans)("Midtrans %s (fraud %s, %s) → %s", (status, fraud, type, outcome) => {
    const body = midtransNotification(SERVER_KEY, { order_id: participationId, transaction_status: status, fraud_status: fraud, payment_type: type, gross_amount: 150000 });
    const n = fromMidtrans(midtransSchema.parse(body));
    expect(n).toMatchObject({ provider: "midtrans", participationId, status, outcome, amount: 150000, transactionId: body.transaction_id });
    // Kept: ids, status, amount, type, times. Never card numbers or account numbers.
    expect(Object.keys(n.payload)).not.toContain("masked_card");
    expect(Object.keys(n.payload)).not.toContain("va_numbers");
    expect(n.payload).toMatchObject({ order_id: participationId, transaction_status: status, gross_amount: "150000.00" });
  });

  test.each([
    ["PAID", "paid"],
    ["SETTLED", "paid"],
    ["EXPIRED", "expired"],
    ["PENDING", "pending"],
    ["UNKNOWN_NEW_STATUS", "other"],
  ])("Xendit %s → %s", (status, outcome) => {
    const body = xenditCallback({ id: "65f1a2b3c4d5e6f708192a3b", external_id: participationId, status, amount: 150000 });
    const n = fromXendit(xenditInvoiceCallback.parse(body));
    expect(n).toMatchObject({ provider: "xendit", participationId, status, outcome, amount: 150000, transactionId: "65f1a2b3c4d5e6f708192a3b" });
    expect(JSON.stringify(n.payload)).not.toContain("pembeli@example.com");
    expect(Object.keys(n.payload)).not.toContain("payment_destination");
  });

  test("Xendit's paid_amount decides, not the invoice amount", () => {
    const body = xenditCallback({ id: "65f1a2b3c4d5e6f708192a3b", external_id: participationId, status: "PAID", amount: 150000, paid_amount: 100000 });
    expect(fromXendit(xenditInvoiceCallback.parse(body)).amount).toBe(100000);
  });

  test("an order id that is not a participation id is kept as unknown (null), not refused", () => {
    const body = midtransNotification(SERVER_KEY, { order_id: "ORDER-101", transaction_status: "settlement", gross_amount: 150000 });
    expect(fromMidtrans(midtransSchema.parse(body)).participationId).toBeNull();
  });

  test("statuses outside the table are 'other'", () => {
    expect(midtransOutcome("authorize")).toBe("other");
    expect(midtransOutcome("capture")).toBe("pending");
    expect(xenditOutcome("paid")).toBe("other"); // Xendit's statuses are upper case
  });

  test.each([
    ["150000.00", 150000],
    ["150000", 150000],
    [150000, 150000],
    ["150000.50", null],
    [150000.5, null],
    ["-1.00", null],
    ["1e5", null],
    ["", null],
  ])("amount %j → %j rupiah", (value, rupiah) => {
    expect(wholeRupiah(value)).toBe(rupiah);
  });
});

describe("expiry aligned to payment_due_at", () => {
  const now = new Date("2026-12-03T03:15:26.789Z");
  const req = (dueInMs: number) => ({ participationId, amount: 150000, paymentDueAt: new Date(now.getTime() + dueInMs).toISOString(), description: "Sambatan: 1 slot" });

  test("order_time is Jakarta time in Midtrans' format", () => {
    expect(wibTimestamp(now)).toBe("2026-12-03 10:15:26 +0700");
    expect(parseOrderTime(wibTimestamp(now))?.toISOString()).toBe("2026-12-03T03:15:26.000Z");
  });

  test("Snap: whole minutes rounded down, so the transaction never outlives the window", () => {
    const { body, expiresAt } = snapRequest(req(30 * 60_000 - 1000), now);
    expect(body).toEqual({
      transaction_details: { order_id: participationId, gross_amount: 150000 },
      custom_expiry: { order_time: "2026-12-03 10:15:26 +0700", expiry_duration: 29, unit: "minute" },
    });
    expect(Date.parse(expiresAt)).toBeLessThanOrEqual(now.getTime() + 30 * 60_000);
    expect(expiresAt).toBe("2026-12-03T03:44:26.000Z");
  });

  test("Xendit: whole seconds until the window closes", () => {
    expect(invoiceRequest(req(30 * 60_000 + 500), now)).toEqual({
      external_id: participationId, amount: 150000, invoice_duration: 1800, currency: "IDR", description: "Sambatan: 1 slot",
    });
  });

  test.each([["Snap", () => snapRequest(req(59_000), now)], ["Xendit", () => invoiceRequest(req(59_000), now)]])(
    "%s: under a minute left cannot be paid in (PAYMENT_EXPIRED)",
    (_name, open) => {
      expect(open).toThrow(expect.objectContaining({ code: "PAYMENT_EXPIRED" }));
    },
  );
});
