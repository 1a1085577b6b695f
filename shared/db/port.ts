// The database port: every function calls exactly one RPC through it, as the
// caller (their role and JWT claims reach SQL as auth.uid() / auth.jwt()).

/** The RPCs functions may call. Names reach SQL text in the direct adapters, so only these pass. */
export const RPC_NAMES = [
  "health",
  "create_campaign",
  "list_campaigns",
  "get_campaign",
  "join_campaign",
  "cancel_participation",
  "my_participations",
  "campaign_audit",
  "dashboard_summary",
  "toggle_product_sambatan",
  "run_sambatan_lifecycle",
  "start_job",
  "run_job_batch",
  "finish_job",
  "due_jobs",
  "job_status",
  "job_history",
  "control_job",
] as const;

export type RpcName = (typeof RPC_NAMES)[number];

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

export type RpcArgs = Record<string, unknown>;

export interface Db {
  /** Calls public.<name>(p_… => …) as `caller` in one transaction; rejects with a DomainError. */
  rpc<T = unknown>(name: RpcName, args: RpcArgs, caller: Caller): Promise<T>;
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
export function rpcArguments(args: RpcArgs): [string, unknown][] {
  return Object.entries(args).filter(([name, value]) => {
    if (!ARG_NAME.test(name)) throw new Error(`rpc argument ${JSON.stringify(name)} is not a p_ name`);
    return value !== undefined;
  });
}

/** Input fields as the RPC's named arguments (`quantity` → `p_quantity`); `renames` maps the few that differ. */
export function argsFrom(input: object, renames: Record<string, string> = {}): RpcArgs {
  return Object.fromEntries(Object.entries(input).map(([key, value]) => [`p_${renames[key] ?? key}`, value]));
}
