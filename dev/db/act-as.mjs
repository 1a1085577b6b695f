// "Act as the caller": the statement PostgREST runs first in every request
// transaction, written once for everything that talks to PostgreSQL directly (the
// PGlite and postgres.js adapters, the db and pg test tiers, the benchmarks).
// Role, claims and any extra settings are transaction-local (`set_config(…, true)`),
// so a pooled connection never carries one caller's identity or timeouts into the
// next transaction. Plain JavaScript, so the benchmarks (Node, no TypeScript) use
// the same builder as the TypeScript code.

/**
 * @typedef {{ role: string, claims?: Record<string, unknown> | SqlExpression }} ActingCaller
 * @typedef {{ text: string, values: string[] }} ActAsStatement
 * @typedef {{ sql: string }} SqlExpression
 */

const RAW = Symbol('sql expression');

/**
 * A piece of SQL to put in the statement as it is, for claims computed in SQL
 * (a pgbench script makes a new buyer per transaction from its variables).
 * @param {string} sql
 * @returns {SqlExpression}
 */
export function sqlExpression(sql) {
  return /** @type {SqlExpression} */ ({ [RAW]: true, sql });
}

/** @param {unknown} v @returns {v is SqlExpression} */
function isExpression(v) {
  return typeof v === 'object' && v !== null && RAW in v;
}

/**
 * The settings in the order they are set: role, request.jwt.claims (always holding
 * the role, as PostgREST's do), then `settings` (e.g. lock_timeout).
 * @param {ActingCaller} caller
 * @param {Record<string, string>} settings
 * @returns {[string, string | SqlExpression][]}
 */
function entries(caller, settings) {
  if (typeof caller.role !== 'string' || caller.role === '') throw new Error('acting as a caller needs a role');
  const claims = isExpression(caller.claims) ? caller.claims : JSON.stringify({ ...caller.claims, role: caller.role });
  for (const name of Object.keys(settings)) {
    if (!/^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/.test(name)) throw new Error(`${JSON.stringify(name)} is not a setting name`);
  }
  return [['role', caller.role], ['request.jwt.claims', claims], ...Object.entries(settings)];
}

/**
 * `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), …`
 * with its parameters: for drivers that bind values.
 * @param {ActingCaller} caller
 * @param {Record<string, string>} [settings]
 * @returns {ActAsStatement}
 */
export function actAs(caller, settings = {}) {
  const list = entries(caller, settings);
  if (list.some(([, v]) => isExpression(v))) throw new Error('a SQL expression needs actAsSql');
  return {
    text: `select ${list.map(([name], i) => `set_config('${name}', $${i + 1}, true)`).join(', ')}`,
    values: list.map(([, v]) => /** @type {string} */ (v)),
  };
}

/**
 * The same statement as one SQL text with its values quoted in (no `;`): for
 * scripts (pgbench, psql) that take no parameters.
 * @param {ActingCaller} caller
 * @param {Record<string, string>} [settings]
 * @returns {string}
 */
export function actAsSql(caller, settings = {}) {
  const list = entries(caller, settings);
  return `select ${list.map(([name, v]) => `set_config('${name}', ${isExpression(v) ? v.sql : quote(v)}, true)`).join(', ')}`;
}

/**
 * `value` as a SQL string literal: `'` doubled, which is the whole of the escaping with
 * standard_conforming_strings on (PostgreSQL's default).
 * @param {string} value
 */
export function quote(value) {
  return `'${value.replaceAll("'", "''")}'`;
}
