// The embedded PGlite adapter (`npm start` default and fast tests). PGlite is one
// session, so calls are queued: each runs its whole transaction before the next.

import type { PGlite } from "@electric-sql/pglite";
import { fromDatabaseError } from "../../shared/errors.ts";
import type { CallOptions, Caller, Db, RpcArgs, RpcName, RpcResult } from "../../shared/db/port.ts";
import { callerStatement, type Limits, rpcStatement } from "./sql.ts";

export interface PgliteDb extends Db {
  /** Runs `fn` alone on the session (migrations, fixtures), between rpc calls. */
  exclusive<T>(fn: (pg: PGlite) => Promise<T>): Promise<T>;
}

export function pgliteDb(pg: PGlite, limits: Limits): PgliteDb {
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: (pg: PGlite) => Promise<T>): Promise<T> => {
    const next = queue.then(() => fn(pg));
    queue = next.catch(() => {});
    return next;
  };
  return {
    exclusive,
    async rpc<N extends RpcName>(name: N, args: RpcArgs<N>, caller: Caller, callOptions: CallOptions = {}): Promise<RpcResult<N>> {
      const call = rpcStatement(name, args);
      const as = callerStatement(caller, { ...limits, statementTimeoutMs: callOptions.statementTimeoutMs ?? limits.statementTimeoutMs });
      try {
        return await exclusive((db) =>
          db.transaction(async (tx) => {
            await tx.query(as.text, as.values);
            const { rows } = await tx.query<{ result: RpcResult<N> }>(call.text, call.values);
            return rows[0].result;
          })
        );
      } catch (err) {
        throw fromDatabaseError(err);
      }
    },
    close: () => exclusive((db) => db.close()),
  };
}
