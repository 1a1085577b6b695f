// Xendit invoices: one per participation (external_id = participation id), expiring
// when the participation's payment window closes.

import type { Secret } from "../config.ts";
import { DomainError } from "../errors.ts";
import { postToProvider } from "./provider-http.ts";
import type { CheckoutRequest, OpenedTransaction } from "./checkout.ts";

export interface XenditOptions {
  apiUrl: string;
  secretKey: Secret;
  fetch?: typeof fetch;
}

/** The invoice request body: whole seconds until payment_due_at, rounded down so it never outlives the window. */
export function invoiceRequest(req: CheckoutRequest, now: Date) {
  const seconds = Math.floor((Date.parse(req.paymentDueAt) - now.getTime()) / 1000);
  if (seconds < 60) throw new DomainError("PAYMENT_EXPIRED", { payment_due_at: req.paymentDueAt });
  return {
    external_id: req.participationId,
    amount: req.amount,
    invoice_duration: seconds,
    currency: "IDR",
    description: req.description,
  };
}

export async function createInvoice(options: XenditOptions, req: CheckoutRequest, now = new Date()): Promise<OpenedTransaction> {
  const answer = await postToProvider(
    { provider: "xendit", url: `${options.apiUrl}/v2/invoices`, key: options.secretKey, fetch: options.fetch },
    invoiceRequest(req, now),
  );
  const { id, invoice_url, expiry_date } = answer;
  if (typeof id !== "string" || typeof invoice_url !== "string" || typeof expiry_date !== "string" || Number.isNaN(Date.parse(expiry_date))) {
    throw new DomainError("PAYMENT_PROVIDER_ERROR", { provider: "xendit", reason: "unexpected_answer" });
  }
  return { provider: "xendit", providerTransactionId: id, redirectUrl: invoice_url, token: null, expiresAt: new Date(expiry_date).toISOString() };
}
