import { inspect } from "node:util";
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

  test("payments: manual by default, the providers' documented base URLs, no keys", () => {
    const { payments } = parseConfig(base);
    expect(payments.provider).toBe("manual");
    expect(payments.midtrans).toEqual({ serverKey: undefined, apiUrl: "https://app.sandbox.midtrans.com" });
    expect(payments.xendit).toEqual({ secretKey: undefined, callbackToken: undefined, apiUrl: "https://api.xendit.co" });
  });

  test("payment secrets are kept, but never printed or serialized", () => {
    const c = parseConfig({
      ...base,
      SAMBATAN_PAYMENT_PROVIDER: "midtrans",
      SAMBATAN_MIDTRANS_SERVER_KEY: "SB-Mid-server-secret",
      SAMBATAN_XENDIT_CALLBACK_TOKEN: "xnd-token-secret",
      SAMBATAN_MIDTRANS_API_URL: "http://127.0.0.1:4010/",
    });
    expect(c.payments.midtrans.serverKey?.reveal()).toBe("SB-Mid-server-secret");
    expect(c.payments.midtrans.apiUrl).toBe("http://127.0.0.1:4010");
    const shown = [JSON.stringify(c), String(c.payments.midtrans.serverKey), `${c.payments.xendit.callbackToken}`, inspect(c, { depth: 5 })];
    for (const text of shown) expect(text).not.toMatch(/secret"|SB-Mid|xnd-token/);
  });

  test.each([
    ["an unknown payment provider", { ...base, SAMBATAN_PAYMENT_PROVIDER: "stripe" }],
    ["midtrans without its server key", { ...base, SAMBATAN_PAYMENT_PROVIDER: "midtrans" }],
    ["xendit without its callback token", { ...base, SAMBATAN_PAYMENT_PROVIDER: "xendit", SAMBATAN_XENDIT_SECRET_KEY: "xnd_x" }],
    ["a provider URL over plain http to another host", { ...base, SAMBATAN_XENDIT_API_URL: "http://api.xendit.co" }],
    ["an empty server key", { ...base, SAMBATAN_MIDTRANS_SERVER_KEY: " " }],
  ])("refuses %s", (_name, env) => {
    expect(() => parseConfig(env)).toThrow(ConfigError);
  });

  test("a refused configuration names the variable, never a secret's value", () => {
    let message = "";
    try {
      parseConfig({ ...base, SAMBATAN_PAYMENT_PROVIDER: "xendit", SAMBATAN_XENDIT_SECRET_KEY: "xnd_development_abc123" });
    } catch (err) {
      message = String(err);
    }
    expect(message).toContain("SAMBATAN_XENDIT_CALLBACK_TOKEN");
    expect(message).not.toContain("xnd_development_abc123");
  });

  test("is read once per source", () => {
    let reads = 0;
    const env = () => (reads++, base);
    loadConfig(env);
    loadConfig(env);
    expect(reads).toBe(1);
  });
});
