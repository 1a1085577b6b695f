// Midtrans Snap: one transaction per participation (order_id = participation id),
// its payment expiry aligned to the participation's payment_due_at, so Midtrans
// stops taking money at the moment our lifecycle would release the slots.

import type { Secret } from "../config.ts";
import { DomainError } from "../errors.ts";
import { postToProvider } from "./provider-http.ts";
import type { CheckoutRequest, OpenedTransaction } from "./checkout.ts";

export interface MidtransOptions {
  apiUrl: string;
  serverKey: Secret;
  fetch?: typeof fetch;
}

const WIB_OFFSET_MS = 7 * 3600_000;
const pad = (n: number) => String(n).padStart(2, "0");

/** "yyyy-MM-dd HH:mm:ss +0700": the order_time format Midtrans documents (Jakarta time). */
export function wibTimestamp(at: Date): string {
  const t = new Date(at.getTime() + WIB_OFFSET_MS);
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ` +
    `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())} +0700`;
}

/**
 * The Snap request body. Whole minutes, rounded down: the transaction expires at or
 * before payment_due_at, never after, so no payment is taken for a released slot.
 */
export function snapRequest(req: CheckoutRequest, now: Date) {
  const orderTime = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const minutes = Math.floor((Date.parse(req.paymentDueAt) - orderTime.getTime()) / 60_000);
  // Less than a minute cannot be paid in; Midtrans refuses a zero duration anyway.
  if (minutes < 1) throw new DomainError("PAYMENT_EXPIRED", { payment_due_at: req.paymentDueAt });
  return {
    body: {
      transaction_details: { order_id: req.participationId, gross_amount: req.amount },
      custom_expiry: { order_time: wibTimestamp(orderTime), expiry_duration: minutes, unit: "minute" },
    },
    expiresAt: new Date(orderTime.getTime() + minutes * 60_000).toISOString(),
  };
}

export async function createSnapTransaction(options: MidtransOptions, req: CheckoutRequest, now = new Date()): Promise<OpenedTransaction> {
  const { body, expiresAt } = snapRequest(req, now);
  const answer = await postToProvider(
    { provider: "midtrans", url: `${options.apiUrl}/snap/v1/transactions`, key: options.serverKey, fetch: options.fetch },
    body,
  );
  const { token, redirect_url } = answer;
  if (typeof token !== "string" || typeof redirect_url !== "string") {
    throw new DomainError("PAYMENT_PROVIDER_ERROR", { provider: "midtrans", reason: "unexpected_answer" });
  }
  // Snap has no transaction id before payment: the token is what identifies it.
  return { provider: "midtrans", providerTransactionId: token, redirectUrl: redirect_url, token, expiresAt };
}
