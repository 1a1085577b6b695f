// The postgres.js adapter (DATABASE_URL): the local stack on a real PostgreSQL,
// the pg tests and the benchmarks. Each call is one transaction that first becomes
// the caller, exactly as PostgREST does, sent as one simple Query message: one
// round trip per request (see requestSql).

import postgres from "postgres";
import { DomainError, fromDatabaseError } from "../../shared/errors.ts";
import type { CallOptions, Caller, Db, RpcArgs, RpcName, RpcResult } from "../../shared/db/port.ts";
import { JSON_TEXT_TYPES, type Limits, requestSql } from "./sql.ts";

export interface PostgresDbOptions extends Limits {
  /** Pool size (default 10). */
  max?: number;
}

export function postgresDb(url: string, options: PostgresDbOptions): Db & { sql: postgres.Sql } {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // requestSql quotes values in, which is safe only with standard_conforming_strings
    // on (PostgreSQL's default): a startup setting outranks any role or database
    // default, and the server's report of it is checked before every request.
    connection: { application_name: "sambatan-functions", standard_conforming_strings: "on" },
    // After an outage answer quickly: the default backoff grows to 20 s between
    // reconnects, leaving requests waiting long after the database is back.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    connect_timeout: 5,
    types: JSON_TEXT_TYPES,
  });
  return {
    sql,
    async rpc<N extends RpcName>(name: N, args: RpcArgs<N>, caller: Caller, callOptions: CallOptions = {}): Promise<RpcResult<N>> {
      let text: string;
      try {
        text = requestSql(caller, { ...options, statementTimeoutMs: callOptions.statementTimeoutMs ?? options.statementTimeoutMs }, name, args);
      } catch (err) {
        if (err instanceof RangeError) throw new DomainError("VALIDATION_FAILED", { reason: "invalid_value" }, { cause: err });
        throw err;
      }
      const conforming = sql.parameters.standard_conforming_strings;
      if (conforming !== undefined && conforming !== "on") {
        throw new DomainError("INTERNAL", {}, { cause: new Error("standard_conforming_strings is off: values cannot be quoted safely") });
      }
      try {
        // Two statements, two results: the caller's settings, then the call's row.
        const results = await sql.unsafe(text).simple() as unknown as [unknown, { result: RpcResult<N> }[]];
        return results[1][0].result;
      } catch (err) {
        throw fromDatabaseError(err);
      }
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
