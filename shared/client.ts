// A typed client for apps: one method per endpoint of shared/endpoints.ts on top of
// supabase-js `functions.invoke`, so the app's session (publishable key plus the
// user's access token) travels as supabase-js sends it. Inputs and outputs are
// typed by the same zod schemas the functions validate with; failures come back
// as `{ code, status, message, details }`, never as exceptions to catch.
//
//   const sambatan = sambatanClient(supabase);
//   const { data, error } = await sambatan.campaignJoin(
//     { campaign_id, quantity: 2, shipping_address },
//     { headers: { "idempotency-key": crypto.randomUUID() } },
//   );
//   if (error?.code === "CAMPAIGN_FULL") …

import type { SupabaseClient } from "@supabase/supabase-js";
import type { z } from "zod";
import { type Contract, ENDPOINTS, type Endpoints, type OperationId, operationId } from "./endpoints.ts";
import type { ErrorCode } from "./errors.ts";

/** An error answer as an object; NETWORK_ERROR and UNEXPECTED_RESPONSE are the client's own. */
export interface SambatanError {
  code: ErrorCode | "NETWORK_ERROR" | "UNEXPECTED_RESPONSE";
  /** The HTTP status; 0 when no answer arrived. */
  status: number;
  message: string;
  details: Record<string, unknown>;
  /** The x-request-id to quote when reporting it. */
  requestId?: string;
}

export type Result<T> =
  | { data: T; error: null; response: Response }
  | { data: null; error: SambatanError; response?: Response };

/** Query values are strings on the wire; where the schema parses a number, a number may be given. */
type QueryInput<S extends z.ZodType> = {
  [K in keyof z.input<S>]: z.output<S>[K & keyof z.output<S>] extends number | undefined ? z.input<S>[K] | number : z.input<S>[K];
};

type InputOf<C> = C extends { method: "GET"; query: infer Q extends z.ZodType } ? QueryInput<Q>
  : C extends { body: infer B extends z.ZodType } ? z.input<B>
  : Record<string, never>;

export interface CallOptions<C> {
  /** Extra headers; the endpoint's own (such as `idempotency-key`) are typed. */
  headers?: (C extends { headers: infer H extends z.ZodType } ? z.input<H> : unknown) & Record<string, string | undefined>;
  signal?: AbortSignal;
}

/**
 * The success answers' data for input `I`: the response, and any other 2xx the
 * contract lists whose `onlyWith` field `I` may set to true (campaign-join's 202
 * waiting-list entry only when `waitlist` may be true).
 */
type SuccessOf<C extends Contract, I> =
  | z.output<C["response"]["schema"]>
  | (C extends { alsoAnswers: readonly (infer A)[] } ? A extends { status: 200 | 201 | 202; schema: infer S extends z.ZodType }
      ? A extends { onlyWith: infer F extends string } ? (I extends { [K in F]?: infer V } ? (true extends V ? z.output<S> : never) : never)
      : z.output<S>
    : never
    : never);

type Method<C extends Contract> = {} extends InputOf<C>
  ? <I extends InputOf<C>>(input?: I, options?: CallOptions<C>) => Promise<Result<SuccessOf<C, I>>>
  : <I extends InputOf<C>>(input: I, options?: CallOptions<C>) => Promise<Result<SuccessOf<C, I>>>;

/** Endpoints only servers call (the providers' payment-webhook), which apps get no method for. */
type ServerOnly = { [S in keyof Endpoints]: Endpoints[S]["auth"] extends "provider_proof" ? S : never }[keyof Endpoints];

export type SambatanClient = { [S in Exclude<keyof Endpoints, ServerOnly> as OperationId<S>]: Method<Endpoints[S]> };

/** The supabase-js part the client uses: a whole client, or anything with `functions.invoke`. */
export type Invoker = Pick<SupabaseClient, "functions">;

function queryString(input: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(input)) if (value !== undefined && value !== null) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** supabase-js's error for a non-2xx answer carries the Response as `context`. */
async function toError(error: unknown, response: Response | undefined): Promise<SambatanError> {
  if (!response) {
    return { code: "NETWORK_ERROR", status: 0, message: error instanceof Error ? error.message : String(error), details: {} };
  }
  const requestId = response.headers.get("x-request-id") ?? undefined;
  const text = await response.text().catch(() => "");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch { /* not ours: a proxy's page, say */ }
  const ours = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (ours && typeof ours.code === "string" && typeof ours.message === "string") {
    const details = ours.details && typeof ours.details === "object" ? ours.details as Record<string, unknown> : {};
    return { code: ours.code as ErrorCode, status: response.status, message: ours.message, details, requestId };
  }
  // Answers that are not an error body (health's 503 "degraded") keep their body in details.
  return { code: "UNEXPECTED_RESPONSE", status: response.status, message: `HTTP ${response.status}`, details: { body: parsed ?? text }, requestId };
}

async function call(supabase: Invoker, contract: Contract, input: Record<string, unknown> = {}, options: CallOptions<unknown> = {}) {
  const get = contract.method === "GET";
  const headers = Object.fromEntries(Object.entries(options.headers ?? {}).filter((e): e is [string, string] => e[1] !== undefined));
  const { data, error, response } = await supabase.functions.invoke(`${contract.name}${get ? queryString(input) : ""}`, {
    method: contract.method,
    body: get ? undefined : input,
    headers,
    signal: options.signal,
  });
  if (!error) return { data, error: null, response: response! };
  return { data: null, error: await toError(error, response), response };
}

/** The typed client over `supabase` (a supabase-js client, signed in or not). */
export function sambatanClient(supabase: Invoker): SambatanClient {
  const methods: Record<string, unknown> = {};
  for (const contract of Object.values(ENDPOINTS) as Contract[]) {
    if (contract.auth === "provider_proof") continue;
    methods[operationId(contract.name)] = (input?: Record<string, unknown>, options?: CallOptions<unknown>) =>
      call(supabase, contract, input, options);
  }
  return methods as SambatanClient;
}
