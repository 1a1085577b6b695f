// The postgres.js adapter (DATABASE_URL): the local stack on a real PostgreSQL,
// the pg tests and the benchmarks. Each call is one transaction that first becomes
// the caller, exactly as PostgREST does.

import postgres from "postgres";
import { fromDatabaseError } from "../../shared/errors.ts";
import type { CallOptions, Caller, Db, RpcArgs, RpcName, RpcResult } from "../../shared/db/port.ts";
import { callerStatement, JSON_TEXT_TYPES, type Limits, rpcStatement } from "./sql.ts";

export interface PostgresDbOptions extends Limits {
  /** Pool size (default 10). */
  max?: number;
}

export function postgresDb(url: string, options: PostgresDbOptions): Db & { sql: postgres.Sql } {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    connection: { application_name: "sambatan-functions" },
    // After an outage answer quickly: the default backoff grows to 20 s between
    // reconnects, leaving requests waiting long after the database is back.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    connect_timeout: 5,
    types: JSON_TEXT_TYPES,
  });
  return {
    sql,
    async rpc<N extends RpcName>(name: N, args: RpcArgs<N>, caller: Caller, callOptions: CallOptions = {}): Promise<RpcResult<N>> {
      const call = rpcStatement(name, args);
      const as = callerStatement(caller, { ...options, statementTimeoutMs: callOptions.statementTimeoutMs ?? options.statementTimeoutMs });
      try {
        // Both statements go out at once (postgres.js pipelines a returned array): one
        // round trip for the caller and the call instead of one each.
        const [, rows] = await sql.begin((tx) => [
          tx.unsafe(as.text, as.values as postgres.ParameterOrJSON<never>[]),
          tx.unsafe(call.text, call.values as postgres.ParameterOrJSON<never>[]),
        ]);
        return (rows as unknown as { result: RpcResult<N> }[])[0].result;
      } catch (err) {
        throw fromDatabaseError(err);
      }
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
