import { describe, expect, test } from "vitest";
import { argsFrom, RPC_NAMES } from "../../shared/db/port.ts";
import { actAs, actAsSql, sqlExpression } from "../../dev/db/act-as.mjs";
import { callerStatement, literal, requestSql, rpcStatement } from "../../dev/db/sql.ts";

const limits = { lockTimeoutMs: 3000, statementTimeoutMs: 8000 };

describe("the direct adapters' SQL", () => {
  test("calls the RPC by named, untyped parameters so PostgreSQL infers each type", () => {
    expect(rpcStatement("join_campaign", { p_campaign_id: "c", p_quantity: 3, p_note: null, p_idempotency_key: undefined }))
      .toEqual({ text: "select public.join_campaign(p_campaign_id => $1, p_quantity => $2, p_note => $3) as result", values: ["c", 3, null] });
    expect(rpcStatement("sambatan_dashboard_summary", {})).toEqual({ text: "select public.sambatan_dashboard_summary() as result", values: [] });
  });

  test("sends dates as ISO text and objects as JSON text", () => {
    const at = new Date("2030-01-02T03:04:05.000Z");
    expect(rpcStatement("create_campaign", { p_deadline: at, p_x: { a: 1 } }).values).toEqual(["2030-01-02T03:04:05.000Z", '{"a":1}']);
  });

  test("only allow-listed RPC names and p_ argument names reach SQL text", () => {
    expect(() => rpcStatement("pg_sleep", {})).toThrow(/allow-list/);
    expect(() => rpcStatement("health(); drop table products; --", {})).toThrow(/allow-list/);
    expect(() => rpcStatement("sambatan_health", { "p_x => 1); drop table products; --": 1 })).toThrow(/p_ name/);
    expect(() => rpcStatement("sambatan_health", { quantity: 1 })).toThrow(/p_ name/);
    for (const name of RPC_NAMES) expect(name).toMatch(/^[a-z_]+$/);
  });

  test("becomes the caller for the transaction only, with bounded waits", () => {
    const s = callerStatement({ role: "authenticated", claims: { sub: "u", role: "authenticated" } }, limits);
    expect(s.text).toBe(
      "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), " +
        "set_config('lock_timeout', $3, true), set_config('statement_timeout', $4, true)",
    );
    expect(s.values).toEqual(["authenticated", '{"sub":"u","role":"authenticated"}', "3000ms", "8000ms"]);
  });

  test("never lets a caller name another database role", () => {
    expect(() => callerStatement({ role: "postgres" as never, claims: {} }, limits)).toThrow(/may not call/);
    // The claims' role always agrees with the role set.
    const s = callerStatement({ role: "anon", claims: { role: "service_role" } }, limits);
    expect(JSON.parse(s.values[1] as string).role).toBe("anon");
  });

  test("writes a request as one message: the caller's settings, then the call with quoted untyped literals", () => {
    const caller = { role: "authenticated", claims: { sub: "u" } } as const;
    expect(requestSql(caller, limits, "join_campaign", { p_campaign_id: "c", p_quantity: 3, p_note: null, p_idempotency_key: undefined }))
      .toBe(
        `select set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"sub":"u","role":"authenticated"}', true), ` +
          `set_config('lock_timeout', '3000ms', true), set_config('statement_timeout', '8000ms', true); ` +
          `select public.join_campaign(p_campaign_id => 'c', p_quantity => '3', p_note => NULL) as result`,
      );
    // Dates as ISO text, objects as JSON text, as the parameterised statement sends them.
    expect(requestSql({ role: "service_role", claims: {} }, limits, "create_campaign", { p_deadline: new Date("2030-01-02T03:04:05.000Z"), p_price_tiers: [{ a: "x'y" }] }))
      .toMatch(/p_deadline => '2030-01-02T03:04:05.000Z', p_price_tiers => '\[\{"a":"x''y"\}\]'\) as result$/);
  });

  test("quotes every value so it stays one literal, and refuses what cannot be one", () => {
    // A quote is doubled; with standard_conforming_strings a backslash is an ordinary character.
    expect(literal(`'); drop table products; --`)).toBe(`'''); drop table products; --'`);
    expect(literal(`C:\\'`)).toBe(`'C:\\'''`);
    expect(literal(null)).toBe("NULL");
    expect(literal(12)).toBe("'12'");
    expect(() => literal("a\u0000b")).toThrow(RangeError);
    // A value holding "$2" is not read as a placeholder.
    expect(requestSql({ role: "anon", claims: {} }, limits, "list_campaigns", { p_cursor: "$2", p_limit: 5 }))
      .toMatch(/p_cursor => '\$2', p_limit => '5'\) as result$/);
    expect(() => requestSql({ role: "postgres" as never, claims: {} }, limits, "list_campaigns", {})).toThrow(/may not call/);
    expect(() => requestSql({ role: "anon", claims: {} }, limits, "pg_sleep", {})).toThrow(/allow-list/);
  });

  test("argsFrom prefixes input fields and renames the few that differ", () => {
    expect(argsFrom({ quantity: 2, id: "x" }, { id: "campaign_id" })).toEqual({ p_quantity: 2, p_campaign_id: "x" });
  });
});

describe("acting as the caller (dev/db/act-as.mjs)", () => {
  test("binds role, claims and settings as parameters, the claims always naming the role", () => {
    expect(actAs({ role: "authenticated", claims: { sub: "u" } }, { "sambatan.clock_offset": "5 minutes" })).toEqual({
      text: "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('sambatan.clock_offset', $3, true)",
      values: ["authenticated", '{"sub":"u","role":"authenticated"}', "5 minutes"],
    });
  });

  test("quotes values into one SQL text for scripts, and keeps SQL expressions as they are", () => {
    expect(actAsSql({ role: "anon" })).toBe(
      "select set_config('role', 'anon', true), set_config('request.jwt.claims', '{\"role\":\"anon\"}', true)",
    );
    expect(actAsSql({ role: "authenticated", claims: { sub: "o'brien" } })).toContain(`'{"sub":"o''brien","role":"authenticated"}'`);
    expect(actAsSql({ role: "authenticated", claims: sqlExpression("json_build_object('sub', :buyer)::text") }))
      .toBe("select set_config('role', 'authenticated', true), set_config('request.jwt.claims', json_build_object('sub', :buyer)::text, true)");
    expect(() => actAs({ role: "authenticated", claims: sqlExpression("x") })).toThrow(/actAsSql/);
  });

  test("refuses a setting name that is not an identifier, and a missing role", () => {
    expect(() => actAs({ role: "anon" }, { "x', 'y": "1" })).toThrow(/setting name/);
    expect(() => actAsSql({ role: "" })).toThrow(/role/);
  });
});
