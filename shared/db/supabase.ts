// The deployed adapter: supabase-js `.rpc()` through PostgREST, as the caller.
// The caller's verified JWT travels in Authorization (PostgREST sets role and
// request.jwt.claims from it); key-only callers send the matching API key, which
// the Supabase gateway turns into the anon or service role.

import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { DomainError, fromDatabaseError } from "../errors.ts";
import type { Database } from "../database.types.ts";
import { assertCallerRole, assertRpcName, type Caller, type Db, rpcArguments, type RpcArgs, type RpcName, type RpcResult } from "./port.ts";

export interface SupabaseDbOptions {
  url: string;
  publishableKey: string;
  /** Needed only for service-role callers (secret-key requests). */
  secretKey?: string;
  fetch?: typeof fetch;
}

// PostgREST's own codes for "the database or its schema cache is unreachable" and
// for a JWT it refused (it may expire between our check and the call).
const POSTGREST_UNAVAILABLE = new Set(["PGRST000", "PGRST001", "PGRST002", "PGRST003"]);
const POSTGREST_UNAUTHENTICATED = new Set(["PGRST301", "PGRST302", "PGRST303"]);

interface PostgrestFailure {
  code?: string;
  message?: string;
  details?: string | null;
  hint?: string | null;
}

/** Maps PostgREST's error JSON (and supabase-js's status 0 for transport failures) to a DomainError. */
export function fromPostgrestError(error: PostgrestFailure, status: number): DomainError {
  const code = error.code ?? "";
  if (POSTGREST_UNAUTHENTICATED.has(code)) return new DomainError("UNAUTHENTICATED", {}, { cause: error });
  if (status === 0 || POSTGREST_UNAVAILABLE.has(code)) return new DomainError("UNAVAILABLE", {}, { cause: error });
  const mapped = fromDatabaseError(error);
  if (mapped.code === "INTERNAL" && (status === 502 || status === 503 || status === 504)) {
    return new DomainError("UNAVAILABLE", {}, { cause: error });
  }
  return mapped;
}

// The port never opens a realtime socket, but supabase-js looks for a WebSocket
// when a client is built, and Node 20 has none: hand it one that refuses to exist.
class NoRealtime {
  constructor() {
    throw new Error("the database port does not use realtime");
  }
}

export function supabaseDb(options: SupabaseDbOptions): Db {
  const url = options.url;
  const client = (apikey: string, bearer: string): SupabaseClient<Database> =>
    createClient<Database>(url, apikey, {
      accessToken: () => Promise.resolve(bearer),
      global: options.fetch ? { fetch: options.fetch } : {},
      db: { schema: "public" },
      realtime: { transport: NoRealtime as never },
    });
  // Key-only callers always send the same headers, so their clients are reused.
  const byKey = new Map<string, SupabaseClient<Database>>();
  const keyClient = (key: string) => {
    let c = byKey.get(key);
    if (!c) byKey.set(key, c = client(key, key));
    return c;
  };

  function clientFor(caller: Caller): SupabaseClient<Database> {
    assertCallerRole(caller.role);
    if (caller.token) return client(options.publishableKey, caller.token);
    if (caller.role === "service_role") {
      if (!options.secretKey) throw new Error("a service-role call needs SUPABASE_SECRET_KEYS");
      return keyClient(options.secretKey);
    }
    return keyClient(options.publishableKey);
  }

  return {
    async rpc<N extends RpcName>(name: N, args: RpcArgs<N>, caller: Caller): Promise<RpcResult<N>> {
      assertRpcName(name);
      // Nulls are what the generated Args leave out (see RpcArgs); undefined ones are dropped.
      const body = Object.fromEntries(rpcArguments(args)) as Database["public"]["Functions"][N]["Args"];
      const { data, error, status } = await clientFor(caller).rpc(name, body);
      if (error) throw fromPostgrestError(error, status);
      return data as RpcResult<N>;
    },
  };
}
