// The database port: every function calls exactly one RPC through it, as the
// caller (their role and JWT claims reach SQL as auth.uid() / auth.jwt()). Names
// and arguments are typed by the generated shared/database.types.ts, so a renamed
// argument or a dropped function fails the type check, not a request.

import type { Database } from "../database.types.ts";
import type { ClaimedDelivery, Execution, JoinResult, NotificationResult } from "../schemas.ts";
import type { Queued } from "../jobs.ts";
import type { BeginCheckoutResult, PaymentTransaction } from "../payments/checkout.ts";

type DbFunctions = Database["public"]["Functions"];

/** The RPCs functions may call. Names reach SQL text in the direct adapters, so only these pass. */
export const RPC_NAMES = [
  "sambatan_health",
  "create_campaign",
  "list_campaigns",
  "get_campaign",
  "join_campaign",
  "cancel_participation",
  "my_participations",
  "campaign_audit",
  "sambatan_dashboard_summary",
  "toggle_product_sambatan",
  "run_sambatan_lifecycle",
  "sambatan_start_job",
  "sambatan_run_job_batch",
  "sambatan_finish_job",
  "sambatan_due_jobs",
  "sambatan_job_status",
  "sambatan_job_history",
  "sambatan_control_job",
  "sambatan_requeue_job",
  "sambatan_metrics",
  "my_data",
  "begin_checkout",
  "record_checkout",
  "record_payment_notification",
  "confirm_payment",
  "list_refunds",
  "list_participants",
  "campaign_waitlist",
  "complete_refund",
  "leave_waitlist",
  "my_waitlist",
  "cancel_campaign",
  "extend_campaign",
  "create_webhook_endpoint",
  "list_webhook_endpoints",
  "update_webhook_endpoint",
  "delete_webhook_endpoint",
  "list_webhook_deliveries",
  "redeliver_webhooks",
  "sambatan_claim_deliveries",
  "sambatan_record_delivery",
] as const satisfies readonly (keyof DbFunctions)[];

export type RpcName = (typeof RPC_NAMES)[number];

/**
 * An RPC's named arguments as the generated types declare them. Each may also be
 * null: a PL/pgSQL function takes NULL for any argument (ours treat it as "not
 * given"), which the generator has no way to say.
 */
export type RpcArgs<N extends RpcName> = { [K in keyof DbFunctions[N]["Args"]]: DbFunctions[N]["Args"][K] | null };

/** What the RPCs the functions read from answer (the generator only knows `Json`); the rest are passed through. */
interface RpcResults {
  sambatan_health: { time: string };
  join_campaign: JoinResult;
  sambatan_start_job: Execution | Queued;
  sambatan_requeue_job: Execution;
  sambatan_run_job_batch: { done: boolean };
  sambatan_finish_job: Execution & { follow_up: Execution | null };
  sambatan_due_jobs: { job: string; triggered_by: Execution["triggered_by"] }[];
  begin_checkout: BeginCheckoutResult;
  record_checkout: PaymentTransaction;
  sambatan_claim_deliveries: ClaimedDelivery[];
  sambatan_record_delivery: { delivery_id: number; status: string };
  record_payment_notification: { event_id: number | string | null; duplicate: boolean; result: NotificationResult };
}

export type RpcResult<N extends RpcName> = N extends keyof RpcResults ? RpcResults[N] : unknown;

/** Calls one RPC; the arguments may be left out when the function needs none. */
export type RpcCall = <N extends RpcName>(
  name: N,
  ...args: {} extends RpcArgs<N> ? [args?: RpcArgs<N>] : [args: RpcArgs<N>]
) => Promise<RpcResult<N>>;

/** Arguments once their names are checked: what the adapters put on the wire. */
export type UntypedArgs = Record<string, unknown>;

/** The database roles a caller may act as; anything else never reaches `set role`. */
export const CALLER_ROLES = ["anon", "authenticated", "service_role"] as const;
export type CallerRole = (typeof CALLER_ROLES)[number];

export interface Caller {
  role: CallerRole;
  /** The JWT claims as PostgREST would expose them in request.jwt.claims. */
  claims: Record<string, unknown>;
  /** The caller's verified JWT, forwarded by the supabase-js adapter. */
  token?: string;
}

/** Per-call settings an adapter applies where it can. */
export interface CallOptions {
  /** The call's statement timeout instead of the configured one (PostgREST: the role's, it cannot be set per call). */
  statementTimeoutMs?: number;
}

export interface Db {
  /** Calls public.<name>(p_… => …) as `caller` in one transaction; rejects with a DomainError. */
  rpc<N extends RpcName>(name: N, args: RpcArgs<N>, caller: Caller, options?: CallOptions): Promise<RpcResult<N>>;
  close?(): Promise<void>;
}

const RPC_SET: ReadonlySet<string> = new Set(RPC_NAMES);
const ARG_NAME = /^p_[a-z][a-z0-9_]{0,62}$/;

export function assertRpcName(name: string): asserts name is RpcName {
  if (!RPC_SET.has(name)) throw new Error(`rpc ${JSON.stringify(name)} is not in the allow-list`);
}

export function assertCallerRole(role: string): asserts role is CallerRole {
  if (!(CALLER_ROLES as readonly string[]).includes(role)) throw new Error(`role ${JSON.stringify(role)} may not call rpcs`);
}

/** The named arguments to send: validated names, undefined dropped so SQL defaults apply. */
export function rpcArguments(args: UntypedArgs): [string, unknown][] {
  return Object.entries(args).filter(([name, value]) => {
    if (!ARG_NAME.test(name)) throw new Error(`rpc argument ${JSON.stringify(name)} is not a p_ name`);
    return value !== undefined;
  });
}

/** `input` with each key `k` named `p_k`, or `p_<renames[k]>`. */
export type ArgsFrom<I, R extends Record<string, string>> = {
  [K in keyof I & string as `p_${K extends keyof R ? R[K] : K}`]: I[K];
};

/** Input fields as the RPC's named arguments (`quantity` → `p_quantity`); `renames` maps the few that differ. */
export function argsFrom<I extends object, const R extends Record<string, string> = {}>(
  input: I,
  renames?: R,
): ArgsFrom<I, R> {
  const names: Record<string, string> = renames ?? {};
  return Object.fromEntries(Object.entries(input).map(([key, value]) => [`p_${names[key] ?? key}`, value])) as ArgsFrom<I, R>;
}
