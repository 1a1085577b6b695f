// One POST to a payment provider's API: Basic auth with the key as user name and an
// empty password (how Midtrans and Xendit both take it), JSON both ways, a bounded
// wait. Any failure is PAYMENT_PROVIDER_ERROR (502) naming the provider and its
// HTTP status, never the key or the provider's message (which may echo our input).

import type { Secret } from "../config.ts";
import { DomainError } from "../errors.ts";

export interface ProviderTarget {
  provider: "midtrans" | "xendit";
  url: string;
  key: Secret;
  /** Injected by tests that need a transport; defaults to the global fetch. */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export const PROVIDER_TIMEOUT_MS = 10_000;

export function basicAuth(key: Secret): string {
  return `Basic ${btoa(`${key.reveal()}:`)}`;
}

/** POSTs `body` and answers the JSON object the provider sent with a 2xx status. */
export async function postToProvider(target: ProviderTarget, body: unknown): Promise<Record<string, unknown>> {
  const failed = (details: Record<string, unknown>, cause?: unknown) =>
    new DomainError("PAYMENT_PROVIDER_ERROR", { provider: target.provider, ...details }, { cause });
  let res: Response;
  try {
    res = await (target.fetch ?? fetch)(target.url, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/json", authorization: basicAuth(target.key) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(target.timeoutMs ?? PROVIDER_TIMEOUT_MS),
    });
  } catch (err) {
    throw failed({ reason: "unreachable" }, err);
  }
  const text = await res.text().catch(() => "");
  if (!res.ok) throw failed({ status: res.status }, new Error(`${target.provider} answered ${res.status}`));
  try {
    const json = JSON.parse(text);
    if (json && typeof json === "object" && !Array.isArray(json)) return json;
  } catch { /* reported below */ }
  throw failed({ status: res.status, reason: "not_json" });
}
