// What a provider's notification means for us, without its personal data: each
// provider's status vocabulary mapped to one outcome, the amount as integer rupiah,
// and only the fields worth keeping (ids, status, amount, payment type, times).

import {
  id as uuid,
  type MidtransNotification,
  type PaymentOutcome,
  type XenditInvoiceCallback,
} from "../schemas.ts";

/** One notification, ready for record_payment_notification. */
export interface Notification {
  provider: "midtrans" | "xendit";
  /** Null when the order id is not one of our participation ids (recorded all the same). */
  participationId: string | null;
  transactionId: string;
  /** The provider's raw status. */
  status: string;
  outcome: PaymentOutcome;
  /** Integer rupiah, or null when the provider sent a fraction (which can never match an amount). */
  amount: number | null;
  payload: Record<string, unknown>;
}

/**
 * Midtrans transaction_status (+ fraud_status for cards) → outcome. A card capture
 * is money only once the fraud check accepted it; `challenge` waits for the
 * merchant's review, so it stays pending. Refunds and chargebacks are not payments.
 */
export function midtransOutcome(transactionStatus: string, fraudStatus?: string | null): PaymentOutcome {
  switch (transactionStatus) {
    case "settlement":
      return "paid";
    case "capture":
      return fraudStatus === "accept" ? "paid" : fraudStatus === "deny" ? "denied" : "pending";
    case "pending":
      return "pending";
    case "expire":
      return "expired";
    case "cancel":
      return "cancelled";
    case "deny":
      return "denied";
    default:
      return "other";
  }
}

/** Xendit invoice status → outcome. SETTLED is PAID once the funds reach the balance. */
export function xenditOutcome(status: string): PaymentOutcome {
  switch (status) {
    case "PAID":
    case "SETTLED":
      return "paid";
    case "EXPIRED":
      return "expired";
    case "PENDING":
      return "pending";
    default:
      return "other";
  }
}

/** "150000.00" or 150000 → 150000; a fraction of a rupiah or anything else → null. */
export function wholeRupiah(value: string | number): number | null {
  const text = typeof value === "number" ? String(value) : value.trim();
  const m = /^(\d{1,15})(?:\.0+)?$/.exec(text);
  return m ? Number(m[1]) : null;
}

const participationIdOf = (orderId: string) => (uuid.safeParse(orderId).success ? orderId.toLowerCase() : null);

/** Keeps `keys` of `body` that are present (never names, emails, addresses or card numbers). */
function pick(body: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]));
}

const MIDTRANS_KEPT = [
  "order_id", "transaction_id", "transaction_status", "fraud_status", "status_code", "gross_amount",
  "currency", "payment_type", "transaction_time", "settlement_time", "expiry_time",
] as const;

const XENDIT_KEPT = [
  "id", "external_id", "status", "amount", "paid_amount", "currency", "payment_method", "payment_channel",
  "paid_at", "created", "updated",
] as const;

export function fromMidtrans(n: MidtransNotification): Notification {
  return {
    provider: "midtrans",
    participationId: participationIdOf(n.order_id),
    transactionId: n.transaction_id,
    status: n.transaction_status,
    outcome: midtransOutcome(n.transaction_status, n.fraud_status),
    amount: wholeRupiah(n.gross_amount),
    payload: pick(n, MIDTRANS_KEPT),
  };
}

export function fromXendit(n: XenditInvoiceCallback): Notification {
  return {
    provider: "xendit",
    participationId: participationIdOf(n.external_id),
    transactionId: n.id,
    status: n.status,
    outcome: xenditOutcome(n.status),
    // What the buyer paid decides, not what the invoice asked for.
    amount: wholeRupiah(n.paid_amount ?? n.amount),
    payload: pick(n, XENDIT_KEPT),
  };
}
