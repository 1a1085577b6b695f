// participation-checkout's work: ask the database whether the participation may be
// paid now and whether a provider transaction exists; open one with the configured
// provider only when none does, then record it. A retry (a double tap, a reload)
// gets the same transaction back, and record_checkout keeps the first if two race.

import type { Config } from "../config.ts";
import { DomainError } from "../errors.ts";
import type { RpcCall } from "../db/port.ts";
import type { CheckoutAnswer, Participation } from "../schemas.ts";
import { createSnapTransaction } from "./midtrans.ts";
import { createInvoice } from "./xendit.ts";

/** What a provider needs to open a transaction for one participation. */
export interface CheckoutRequest {
  participationId: string;
  amount: number;
  paymentDueAt: string;
  description: string;
}

export interface OpenedTransaction {
  provider: "midtrans" | "xendit";
  providerTransactionId: string;
  redirectUrl: string;
  token: string | null;
  expiresAt: string;
}

/** A payment_transactions row as the RPCs answer it. */
export interface PaymentTransaction {
  provider: "midtrans" | "xendit";
  provider_transaction_id: string;
  redirect_url: string | null;
  token: string | null;
  expires_at: string | null;
}

export interface BeginCheckoutResult {
  participation: Participation;
  transaction: PaymentTransaction | null;
}

/** Opens a transaction with the provider `config` names (never manual: that needs none). */
export function openTransaction(config: Config["payments"], req: CheckoutRequest, fetchImpl?: typeof fetch): Promise<OpenedTransaction> {
  const { midtrans, xendit } = config;
  if (config.provider === "midtrans" && midtrans.serverKey) {
    return createSnapTransaction({ apiUrl: midtrans.apiUrl, serverKey: midtrans.serverKey, fetch: fetchImpl }, req);
  }
  if (config.provider === "xendit" && xendit.secretKey) {
    return createInvoice({ apiUrl: xendit.apiUrl, secretKey: xendit.secretKey, fetch: fetchImpl }, req);
  }
  // parseConfig requires the keys of the chosen provider, so this is a programming error.
  throw new DomainError("INTERNAL", {}, { cause: new Error(`no usable payment provider: ${config.provider}`) });
}

const answerOf = (t: PaymentTransaction): CheckoutAnswer => ({
  provider: t.provider,
  redirect_url: t.redirect_url,
  ...(t.token ? { token: t.token } : {}),
  expires_at: t.expires_at,
});

/** Begins (or resumes) the buyer's checkout of `participationId`; the caller is the buyer. */
export async function checkout(ctx: { rpc: RpcCall; config: Config }, participationId: string): Promise<CheckoutAnswer> {
  const provider = ctx.config.payments.provider;
  const begun = await ctx.rpc("begin_checkout", { p_participation_id: participationId, p_provider: provider });
  const p = begun.participation;
  // Manual payment: the buyer pays the shop directly and a manager confirms it.
  if (provider === "manual") return { provider, redirect_url: null, expires_at: p.payment_due_at };
  if (begun.transaction) return answerOf(begun.transaction);
  if (!p.payment_due_at) throw new DomainError("PAYMENT_NOT_REQUIRED", {});

  const opened = await openTransaction(ctx.config.payments, {
    participationId: p.id,
    amount: p.amount,
    paymentDueAt: p.payment_due_at,
    description: `Sambatan: ${p.quantity} slot`,
  });
  return answerOf(await ctx.rpc("record_checkout", {
    p_participation_id: p.id,
    p_provider: opened.provider,
    p_provider_transaction_id: opened.providerTransactionId,
    p_redirect_url: opened.redirectUrl,
    p_token: opened.token,
    p_expires_at: opened.expiresAt,
  }));
}
