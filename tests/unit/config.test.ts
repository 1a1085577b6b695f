import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig, parseConfig } from "../../shared/config.ts";

const base = { SUPABASE_URL: "http://127.0.0.1:54321/" };

describe("configuration", () => {
  test("defaults: 3 s lock waits, 8 s statements, JSON logs; trailing slash dropped", () => {
    const c = parseConfig(base);
    expect(c).toMatchObject({ supabaseUrl: "http://127.0.0.1:54321", lockTimeoutMs: 3000, statementTimeoutMs: 8000, log: "json" });
    expect(c.publishableKeys).toEqual({});
    expect(c.jwks).toBeUndefined();
  });

  test("named keys as JSON, or a single key as default", () => {
    const c = parseConfig({
      ...base,
      SUPABASE_PUBLISHABLE_KEYS: '{"default":"sb_publishable_a","web":"sb_publishable_b"}',
      SUPABASE_SECRET_KEY: "sb_secret_x",
      SUPABASE_JWKS: '[{"kty":"EC","crv":"P-256","x":"a","y":"b"}]',
      SAMBATAN_LOCK_TIMEOUT_MS: "250",
    });
    expect(c.publishableKeys).toEqual({ default: "sb_publishable_a", web: "sb_publishable_b" });
    expect(c.secretKeys).toEqual({ default: "sb_secret_x" });
    expect(c.jwks?.keys).toHaveLength(1);
    expect(c.lockTimeoutMs).toBe(250);
  });

  test.each([
    ["no SUPABASE_URL", {}],
    ["a URL that is not http", { SUPABASE_URL: "ftp://x" }],
    ["keys that are not JSON", { ...base, SUPABASE_SECRET_KEYS: "sb_secret_x" }],
    ["a JWKS that is not one", { ...base, SUPABASE_JWKS: '{"nope":1}' }],
    ["a fractional timeout", { ...base, SAMBATAN_LOCK_TIMEOUT_MS: "1.5" }],
    ["a zero timeout", { ...base, SAMBATAN_LOCK_TIMEOUT_MS: "0" }],
    ["an unknown log mode", { ...base, SAMBATAN_LOG: "loud" }],
  ])("refuses %s, naming the variable", (_name, env) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
  });

  test("is read once per source", () => {
    let reads = 0;
    const env = () => (reads++, base);
    loadConfig(env);
    loadConfig(env);
    expect(reads).toBe(1);
  });
});
