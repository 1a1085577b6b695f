// Delivering webhook notifications from a function (the `lifecycle` hook on
// Supabase, where pg_net cannot report back): claim due deliveries in the database
// (signed there; the secret never leaves it), POST each with a timeout outside any
// transaction, then record the outcome. A runner that dies between claim and
// record loses nothing: the claim's lease runs out and the delivery is due again.

import type { RpcCall } from "./db/port.ts";
import { describeError } from "./log.ts";
import type { ClaimedDelivery } from "./schemas.ts";

export interface Outcome {
  code: number | null;
  error: string | null;
  latencyMs: number;
}

/** POSTs one claimed delivery; never throws (a failure is an outcome to record). */
export async function send(delivery: ClaimedDelivery, fetcher: typeof fetch = fetch): Promise<Outcome> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const response = await fetcher(delivery.url, {
      method: "POST",
      headers: delivery.headers,
      body: delivery.body,
      redirect: "manual",
      signal: AbortSignal.timeout(delivery.timeout_ms),
    });
    await response.body?.cancel().catch(() => {});
    return { code: response.status, error: null, latencyMs: latency() };
  } catch (err) {
    const name = err instanceof Error ? err.name : "";
    const error = name === "TimeoutError" || name === "AbortError"
      ? `timeout after ${delivery.timeout_ms} ms`
      : `request failed: ${describeError(err)}`;
    return { code: null, error: error.slice(0, 500), latencyMs: latency() };
  }
}

/** Deliveries sent at once: each waits at most its timeout, so one claim takes at most that long. */
const CLAIM_SIZE = 20;

/** Delivers what is due, claim by claim, until nothing is left or the time budget is spent. */
export async function deliverDue(rpc: RpcCall, executionId: number, budgetMs = 50_000): Promise<void> {
  const until = performance.now() + budgetMs;
  for (;;) {
    const claimed = await rpc("sambatan_claim_deliveries", { p_execution_id: executionId, p_limit: CLAIM_SIZE });
    if (claimed.length === 0) return;
    await Promise.all(claimed.map(async (delivery) => {
      const outcome = await send(delivery);
      await rpc("sambatan_record_delivery", {
        p_execution_id: executionId,
        p_delivery_id: delivery.delivery_id,
        p_attempt: delivery.attempt,
        p_response_code: outcome.code,
        p_error: outcome.error,
        p_latency_ms: outcome.latencyMs,
      });
    }));
    // A short claim took everything due; what failed just now waits for its backoff.
    if (claimed.length < CLAIM_SIZE || performance.now() > until) return;
  }
}
