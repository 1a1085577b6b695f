// payment-webhook's two halves. proveNotification is the endpoint's authentication
// (shared/auth.ts calls it): it runs before the body is validated or anything is
// written, so a forged notification is 401 and leaves no trace. recordNotification
// then hands the verified, normalised notification to the database as the service
// role, in one RPC, and answers at once (providers retry slow or non-2xx answers).

import type { Config } from "../config.ts";
import { DomainError } from "../errors.ts";
import type { RpcCall } from "../db/port.ts";
import { readJsonBody, validate } from "../request.ts";
import { midtransNotification, type NotificationResult, WEBHOOK_PROVIDERS, xenditInvoiceCallback } from "../schemas.ts";
import { fromMidtrans, fromXendit, type Notification } from "./notifications.ts";
import { verifyMidtransNotification, verifyXenditCallbackToken } from "./proof.ts";

type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

const noProof = (reason: string) => new DomainError("UNAUTHENTICATED", { reason });

function providerOf(req: Request): WebhookProvider {
  const named = new URL(req.url).searchParams.getAll("provider");
  const provider = named.length === 1 ? named[0] : undefined;
  if (!(WEBHOOK_PROVIDERS as readonly string[]).includes(provider ?? "")) throw noProof("unknown_provider");
  return provider as WebhookProvider;
}

/** Throws UNAUTHENTICATED unless `req` carries the named provider's proof under our keys. */
export async function proveNotification(req: Request, config: Config): Promise<WebhookProvider> {
  const provider = providerOf(req);
  if (provider === "xendit") {
    const token = config.payments.xendit.callbackToken;
    if (!token) throw noProof("provider_not_configured");
    if (!await verifyXenditCallbackToken(req.headers.get("x-callback-token"), token.reveal())) throw noProof("invalid_callback_token");
    return provider;
  }
  const serverKey = config.payments.midtrans.serverKey;
  if (!serverKey) throw noProof("provider_not_configured");
  // Midtrans signs fields of the body, so it is read here from a copy; the wrapper reads
  // the original afterwards. Too large or not JSON stays the error it is (413/415);
  // unparseable text simply carries no signature.
  const body = await readJsonBody(req.clone()).catch((err) => {
    if (err instanceof DomainError && err.code === "VALIDATION_FAILED") return undefined;
    throw err;
  });
  if (!await verifyMidtransNotification(body, serverKey.reveal())) throw noProof("invalid_signature");
  return provider;
}

/** The notification in our terms; a body that does not have the provider's documented shape is 400. */
export function normalise(provider: WebhookProvider, body: unknown): Notification {
  return provider === "midtrans"
    ? fromMidtrans(validate(midtransNotification, body, "body"))
    : fromXendit(validate(xenditInvoiceCallback, body, "body"));
}

export interface NotificationRecorded {
  event_id: number | string | null;
  duplicate: boolean;
  result: NotificationResult;
}

/** Stores the notification once and applies it; the caller is the service role. */
export async function recordNotification(rpc: RpcCall, n: Notification): Promise<NotificationRecorded> {
  return await rpc("record_payment_notification", {
    p_provider: n.provider,
    p_participation_id: n.participationId,
    p_provider_transaction_id: n.transactionId,
    p_status: n.status,
    p_outcome: n.outcome,
    p_amount: n.amount,
    p_payload: n.payload as never,
  });
}
