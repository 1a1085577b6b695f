// SQL shared by the direct adapters (postgres.js and PGlite): what PostgREST does
// per request, written out. Becoming the caller is act-as.mjs, the one builder the
// tests and benchmarks use too.

import { actAs, actAsSql, quote } from "./act-as.mjs";
import { assertCallerRole, assertRpcName, type Caller, rpcArguments, type UntypedArgs } from "../../shared/db/port.ts";

export interface Statement {
  text: string;
  values: unknown[];
}

export interface Limits {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

/** Becomes the caller for the rest of the transaction, with bounded lock and statement waits. */
export function callerStatement(caller: Caller, limits: Limits): Statement {
  // Only the API roles: a caller must never become a role the claims did not earn.
  assertCallerRole(caller.role);
  return actAs(caller, limitSettings(limits));
}

/** The bounded waits every request runs under, as transaction-local settings. */
function limitSettings(limits: Limits): Record<string, string> {
  return { lock_timeout: `${limits.lockTimeoutMs}ms`, statement_timeout: `${limits.statementTimeoutMs}ms` };
}

/**
 * The whole request as one SQL text for the simple query protocol: becoming the
 * caller, then the call. PostgreSQL runs the statements of one simple Query message
 * as one implicit transaction (all of it or nothing, the settings local to it), so a
 * request is one round trip instead of begin, caller, call and commit.
 *
 * Values are quoted in, as untyped literals: PostgreSQL infers their types from the
 * function's signature exactly as it does for untyped parameters. Quoting doubles
 * `'` and nothing else, which is the whole of the escaping when
 * standard_conforming_strings is on (the adapter requires it); a NUL, which no
 * PostgreSQL text can hold and which would cut the message short, is refused.
 */
export function requestSql(caller: Caller, limits: Limits, name: string, args: UntypedArgs): string {
  assertCallerRole(caller.role);
  assertRpcName(name);
  const call = callStatement(name, args);
  const text = call.text.replace(/\$(\d+)/g, (_, i: string) => literal(call.values[Number(i) - 1]));
  return `${actAsSql(caller, limitSettings(limits))}; ${text}`;
}

/** `value` as an untyped SQL literal (or NULL); see requestSql. */
export function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  const text = String(value);
  if (text.includes("\0")) throw new RangeError("a value holds a NUL character, which PostgreSQL text cannot hold");
  return quote(text);
}

/**
 * `select public.<name>(p_a => $1, …) as result`. Values go as untyped parameters,
 * so PostgreSQL infers each one's type from the function's signature (named
 * arguments make the match unambiguous); objects are sent as JSON text.
 */
export function rpcStatement(name: string, args: UntypedArgs): Statement {
  assertRpcName(name);
  return callStatement(name, args);
}

/**
 * The same call for any public function, not only the API's allow-list: operators'
 * functions and tests use it. The name must still be a plain identifier.
 */
export function callStatement(name: string, args: UntypedArgs): Statement {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`${JSON.stringify(name)} is not a function name`);
  const entries = rpcArguments(args);
  const list = entries.map(([arg], i) => `${arg} => $${i + 1}`).join(", ");
  return {
    text: `select public.${name}(${list}) as result`,
    values: entries.map(([, value]) => toParameter(value)),
  };
}

/**
 * postgres.js's json serializer for json/jsonb parameters, minus the second encoding:
 * object arguments arrive here already as JSON text (toParameter), and its default
 * `JSON.stringify` would turn an array into a JSON string. PGlite passes text as it is.
 */
export const JSON_TEXT_TYPES = {
  json: {
    to: 114,
    from: [114, 3802],
    serialize: (x: unknown) => (typeof x === "string" ? x : JSON.stringify(x)),
    parse: (x: string) => JSON.parse(x),
  },
};

function toParameter(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  return value !== null && typeof value === "object" ? JSON.stringify(value) : value;
}
