// The db tier's foundation: a fresh PGlite per test file with bootstrap + migrations,
// and helpers to call an RPC as a given caller exactly as PostgREST would (role and
// request.jwt.claims set inside the transaction).

import { PGlite } from "@electric-sql/pglite";
import { randomUUID } from "node:crypto";
import { migrate, type SqlExecutor } from "../../dev/db/migrate.ts";
import { actAs } from "../../dev/db/act-as.mjs";
import { callStatement } from "../../dev/db/sql.ts";
import { invariantViolationsSql } from "./invariants.ts";
import { pgliteExtensions } from "../../dev/db/pglite-extensions.ts";

export type Claims = Record<string, unknown> & { role: string };

export const anon: Claims = { role: "anon" };
export const service: Claims = { role: "service_role" };

export function buyer(sub: string = randomUUID()): Claims & { sub: string } {
  return { role: "authenticated", sub, aud: "authenticated", app_metadata: {} };
}

export function manager(sub: string = randomUUID(), permissions = ["sambatan.manage"]): Claims & { sub: string } {
  return { role: "authenticated", sub, aud: "authenticated", app_metadata: { permissions } };
}

export interface DbError extends Error {
  code?: string;
  detail?: string;
}

export class TestDb {
  private queue: Promise<unknown> = Promise.resolve();
  /** Offset applied to the SQL clock (sambatan_private.clock()) in every call. */
  clockOffset = "0";

  constructor(readonly pg: PGlite) {}

  static async create(): Promise<TestDb> {
    const pg = await PGlite.create({ extensions: pgliteExtensions });
    const executor: SqlExecutor = {
      exec: (sql) => pg.exec(sql),
      query: async <T>(sql: string, params?: unknown[]) => (await pg.query<T>(sql, params)).rows,
    };
    await migrate(executor);
    return new TestDb(pg);
  }

  /** PGlite is one session: every call is serialized. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  /** Calls public.<name>(p_x => …) as `claims`, in its own transaction. */
  rpc<T = any>(claims: Claims, name: string, args: Record<string, unknown> = {}): Promise<T> {
    const call = callStatement(name, args);
    return this.serial(() =>
      this.pg.transaction(async (tx) => {
        const as = actAs({ role: claims.role, claims }, { "sambatan.clock_offset": this.clockOffset });
        await tx.query(as.text, as.values);
        const { rows } = await tx.query<{ result: T }>(call.text, call.values);
        return rows[0].result;
      })
    );
  }

  /** Runs SQL as the superuser (fixtures, assertions). */
  sql<T = any>(text: string, params: unknown[] = []): Promise<T[]> {
    return this.serial(async () => (await this.pg.query<T>(text, params)).rows);
  }

  /** Runs several statements as the superuser (fixtures). */
  exec(text: string): Promise<void> {
    return this.serial(async () => {
      await this.pg.exec(text);
    });
  }

  /** Runs a query as `claims` through RLS (no RPC), e.g. `select * from sambatan_participants`. */
  asRole<T = any>(claims: Claims, text: string, params: unknown[] = []): Promise<T[]> {
    return this.serial(() =>
      this.pg.transaction(async (tx) => {
        const as = actAs({ role: claims.role, claims });
        await tx.query(as.text, as.values);
        return (await tx.query<T>(text, params)).rows;
      })
    );
  }

  close(): Promise<void> {
    return this.pg.close();
  }
}

/** Resolves to the error a call raised (fails the test when it did not raise). */
export async function failure(p: Promise<unknown>): Promise<DbError> {
  try {
    await p;
  } catch (e) {
    return e as DbError;
  }
  throw new Error("expected the call to fail, it succeeded");
}

/** A product with sambatan enabled, created as the superuser. */
export async function enabledProduct(db: TestDb, name = "Rimba Embun"): Promise<string> {
  const [row] = await db.sql<{ id: string }>(
    "insert into public.products (name, base_price, sambatan_enabled) values ($1, 420000, true) returning id",
    [name],
  );
  return row.id;
}

export function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString();
}


/** Every invariant violation in the database (empty when all hold). */
export function violations(db: TestDb): Promise<{ violation: string; subject: string }[]> {
  return db.sql(invariantViolationsSql);
}

/** A fresh campaign on a fresh enabled product, created by `m`. */
export async function campaign(
  db: TestDb,
  m: Claims = manager(),
  overrides: { slots?: number; price?: number; deadline?: string; title?: string; window?: number } = {},
): Promise<any> {
  return db.rpc(m, "create_campaign", {
    p_product_id: await enabledProduct(db),
    p_title: overrides.title ?? "Batch Oktober",
    p_total_slots: overrides.slots ?? 10,
    p_price_per_slot: overrides.price ?? 210000,
    p_deadline: overrides.deadline ?? inDays(3),
    // Only named when set, so the default (no window) is what the RPC itself defaults to.
    ...(overrides.window === undefined ? {} : { p_payment_window_minutes: overrides.window }),
  });
}

export function join(db: TestDb, who: Claims, campaignId: string, quantity: number, extra: Record<string, unknown> = {}) {
  return db.rpc(who, "join_campaign", {
    p_campaign_id: campaignId,
    p_quantity: quantity,
    p_shipping_address: "Jl. Melati No. 15, Jakarta Selatan",
    ...extra,
  });
}
