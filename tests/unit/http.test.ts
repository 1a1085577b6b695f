import { afterAll, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import { z } from "zod";
import { type PrivateJwk, publicJwks, signJwt } from "../../dev/stack/keys.ts";
import { provideDb } from "../../shared/db/registry.ts";
import { DomainError } from "../../shared/errors.ts";
import { TOKEN_MEMORY_MS } from "../../shared/auth.ts";
import { loadConfig } from "../../shared/config.ts";
import { defineEndpoint, type Endpoint } from "../../shared/http.ts";
import { setLogSink } from "../../shared/log.ts";
import { claimsFor, expiredToken, hs256Token, newSigningKey, tamperedToken, unsignedToken } from "../e2e/credentials.ts";

const PK = "sb_publishable_unit_test_key";
const SK = "sb_secret_unit_test_key";
const URL_ = "http://functions.test";
let key: PrivateJwk;
let otherKey: PrivateJwk;
let env: Record<string, string>;
let lines: string[] = [];
let rpcCalls: unknown[][] = [];

const buyer = "0b6f6a0e-2c1f-4f3e-9a55-6a1d2f0c9b11";
const token = (extra: Record<string, unknown> = {}, k = key) => signJwt(k, claimsFor(buyer, extra));

beforeAll(async () => {
  key = await newSigningKey();
  otherKey = await newSigningKey();
  env = {
    SUPABASE_URL: URL_,
    SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: PK }),
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: SK }),
    SUPABASE_JWKS: JSON.stringify(publicJwks(key)),
  };
  setLogSink((line) => lines.push(line));
  // The wrapper's behaviour needs no database: rpc records its call and answers what it was asked.
  provideDb({
    rpc: async (name, args, caller) => {
      rpcCalls.push([name, args, caller]);
      if (name === "sambatan_health") throw Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
      if (name === "get_campaign") throw { code: "SB011", message: "CAMPAIGN_NOT_FOUND", detail: '{"campaign_id":"x"}' };
      return { ok: true } as never;
    },
  });
});
afterAll(() => provideDb(undefined));
beforeEach(() => {
  lines = [];
  rpcCalls = [];
});

function endpoint(spec: Partial<Parameters<typeof defineEndpoint>[0]> = {}): Endpoint {
  return defineEndpoint({
    name: "probe",
    method: "POST",
    auth: "user",
    body: z.strictObject({ n: z.int().min(1) }),
    env: () => env,
    handler: async ({ body, caller }) => ({ body: { body, role: caller.role } }),
    ...spec,
  } as Parameters<typeof defineEndpoint>[0]);
}

async function call(ep: Endpoint, init: RequestInit & { path?: string } = {}) {
  const res = await ep.fetch(new Request(`${URL_}/probe${init.path ?? ""}`, { method: "POST", ...init }));
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  headers: { "content-type": "application/json", apikey: PK, ...headers },
  body: JSON.stringify(body),
});

describe("the endpoint wrapper", () => {
  test("answers a preflight with CORS headers and no authentication", async () => {
    const res = await endpoint().fetch(new Request(`${URL_}/probe`, { method: "OPTIONS" }));
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-allow-methods")).toBe("POST, OPTIONS");
    for (const h of ["authorization", "apikey", "x-client-info", "content-type", "idempotency-key", "accept-language"]) {
      expect(res.headers.get("access-control-allow-headers")).toContain(h);
    }
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  test("runs the handler as the user, with CORS and exposed headers on the answer", async () => {
    const r = await call(endpoint(), json({ n: 2 }, { authorization: `Bearer ${await token()}` }));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ body: { n: 2 }, role: "authenticated" });
    expect(r.headers.get("access-control-expose-headers")).toBe("x-request-id, retry-after, idempotent-replayed");
    expect(r.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("a preflight needs no configuration, and errors carry the same CORS headers as the preflight", async () => {
    // Preflights come before anything reads the environment: a broken one still answers them.
    const broken = endpoint({ env: () => ({ SUPABASE_URL: "not a url" }) });
    const pre = await broken.fetch(new Request(`${URL_}/probe`, { method: "OPTIONS" }));
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-expose-headers")).toBe("x-request-id, retry-after, idempotent-replayed");
    expect(pre.headers.get("access-control-max-age")).toBe("86400");
    const refused = await call(endpoint(), json({ n: 1 }));
    expect(refused.status).toBe(401);
    for (const h of ["access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers", "access-control-expose-headers"]) {
      expect(refused.headers.get(h), h).toBe(pre.headers.get(h));
    }
  });

  test("wrong method is METHOD_NOT_ALLOWED (405) with Allow", async () => {
    const r = await call(endpoint(), { method: "GET" });
    expect(r.status).toBe(405);
    expect(r.body.error.code).toBe("METHOD_NOT_ALLOWED");
    expect(r.headers.get("allow")).toBe("POST, OPTIONS");
  });

  describe("bodies", () => {
    let auth: Record<string, string>;
    beforeAll(async () => {
      auth = { authorization: `Bearer ${await token()}`, apikey: PK };
    });

    test("a body that is not application/json is UNSUPPORTED_MEDIA_TYPE (415)", async () => {
      const r = await call(endpoint(), { headers: { ...auth, "content-type": "text/plain" }, body: '{"n":1}' });
      expect(r.status).toBe(415);
      expect(r.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    });

    test("application/json with a charset is fine", async () => {
      const r = await call(endpoint(), { headers: { ...auth, "content-type": "application/json; charset=utf-8" }, body: '{"n":1}' });
      expect(r.status).toBe(200);
    });

    test("over 64 KiB is PAYLOAD_TOO_LARGE (413), by Content-Length or by what arrives", async () => {
      const big = JSON.stringify({ n: 1, pad: "x".repeat(70_000) });
      const declared = await call(endpoint(), { headers: { ...auth, "content-type": "application/json" }, body: big });
      expect(declared.status).toBe(413);
      expect(declared.body.error.code).toBe("PAYLOAD_TOO_LARGE");
      // A stream with no Content-Length: the limit holds on the bytes actually read.
      const stream = new ReadableStream({
        start(c) {
          for (let i = 0; i < 10; i++) c.enqueue(new TextEncoder().encode("x".repeat(10_000)));
          c.close();
        },
      });
      const streamed = await call(endpoint(), {
        headers: { ...auth, "content-type": "application/json" },
        body: stream,
        duplex: "half",
      } as RequestInit);
      expect(streamed.status).toBe(413);
    });

    test.each([
      ["malformed JSON", "{nope"],
      ["a JSON array", "[1]"],
      ["a missing field", "{}"],
      ["an unknown field", '{"n":1,"user_id":"x"}'],
      ["a wrong type", '{"n":"1"}'],
      ["a fraction", '{"n":1.5}'],
      ["a prototype key", '{"n":1,"__proto__":{"admin":true}}'],
    ])("%s is VALIDATION_FAILED (400) with issues", async (_name, body) => {
      const r = await call(endpoint(), { headers: { ...auth, "content-type": "application/json" }, body });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("VALIDATION_FAILED");
      expect(r.body.error.details.issues.length).toBeGreaterThan(0);
    });

    test("an endpoint without a body schema takes no body but accepts {} and nothing", async () => {
      const ep = endpoint({ body: undefined });
      expect((await call(ep, { headers: auth })).status).toBe(200);
      expect((await call(ep, { headers: { ...auth, "content-type": "application/json" }, body: "{}" })).status).toBe(200);
      expect((await call(ep, { headers: { ...auth, "content-type": "application/json" }, body: '{"x":1}' })).status).toBe(400);
    });

    test("query strings are validated; an unexpected or repeated parameter is refused", async () => {
      const ep = endpoint({ method: "GET", body: undefined, query: z.strictObject({ a: z.string().optional() }) });
      const get = (path: string) => call(ep, { method: "GET", path, headers: auth });
      expect((await get("?a=1")).status).toBe(200);
      expect((await get("?b=1")).status).toBe(400);
      expect((await get("?a=1&a=2")).status).toBe(400);
    });
  });

  describe("credentials", () => {
    test.each([
      ["none", async () => ({})],
      ["a malformed bearer token", async () => ({ authorization: "Bearer not.a.jwt", apikey: PK })],
      ["an expired token", async () => ({ authorization: `Bearer ${await expiredToken(key, buyer)}`, apikey: PK })],
      ["a token signed by another key", async () => ({ authorization: `Bearer ${await token({}, otherKey)}`, apikey: PK })],
      ["a tampered token", async () => ({ authorization: `Bearer ${await tamperedToken(key, buyer)}`, apikey: PK })],
      ["an alg:none token", async () => ({ authorization: `Bearer ${unsignedToken(key.kid, buyer)}`, apikey: PK })],
      ["an HS256 token", async () => ({ authorization: `Bearer ${hs256Token(SK, buyer, key.kid)}`, apikey: PK })],
      ["a token without exp", async () => ({ authorization: `Bearer ${await signJwt(key, { sub: buyer, role: "authenticated" })}`, apikey: PK })],
      ["a token for a database role we do not know", async () => ({ authorization: `Bearer ${await token({ role: "postgres" })}`, apikey: PK })],
      ["a valid token next to a wrong publishable key", async () => ({ authorization: `Bearer ${await token()}`, apikey: "sb_publishable_wrong" })],
      ["only the publishable key", async () => ({ authorization: `Bearer ${PK}`, apikey: PK })],
    ])("%s is UNAUTHENTICATED (401) in our error body", async (_name, headers) => {
      const r = await call(endpoint(), json({ n: 1 }, await headers()));
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ error: { code: "UNAUTHENTICATED", message: expect.any(String), details: expect.any(Object) } });
      expect(rpcCalls).toEqual([]);
    });

    test("a secret key on a buyer endpoint is FORBIDDEN (403)", async () => {
      const r = await call(endpoint(), json({ n: 1 }, { apikey: SK, authorization: `Bearer ${SK}` }));
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe("FORBIDDEN");
    });

    test("permission endpoints: permission, admin and secret key pass; others are FORBIDDEN", async () => {
      const ep = endpoint({ auth: { permission: "sambatan.manage" } });
      const as = async (headers: Record<string, string>) => (await call(ep, json({ n: 1 }, headers))).status;
      expect(await as({ authorization: `Bearer ${await token({ app_metadata: { permissions: ["sambatan.manage"] } })}` })).toBe(200);
      expect(await as({ authorization: `Bearer ${await token({ app_metadata: { role: "admin" } })}` })).toBe(200);
      expect(await as({ apikey: SK })).toBe(200);
      expect(await as({ authorization: `Bearer ${await token({ app_metadata: { permissions: ["scheduled_job.read"] } })}` })).toBe(403);
      // user_metadata is editable by the user, so it grants nothing.
      expect(await as({ authorization: `Bearer ${await token({ user_metadata: { permissions: ["sambatan.manage"] } })}` })).toBe(403);
      expect(await as({ apikey: PK })).toBe(401);
    });

    test("public reads take the publishable key, a user or a secret key", async () => {
      const ep = endpoint({ auth: "publishable_or_user", body: undefined });
      const role = async (headers: Record<string, string>) => (await call(ep, { headers })).body.role;
      expect(await role({ apikey: PK, authorization: `Bearer ${PK}` })).toBe("anon");
      expect(await role({ apikey: PK, authorization: `Bearer ${await token()}` })).toBe("authenticated");
      expect(await role({ apikey: SK })).toBe("service_role");
      expect((await call(ep, { headers: { apikey: "sb_publishable_nope" } })).status).toBe(401);
    });

    test("a key matched once keeps its own role, a wrong key is refused every time, a rotated key set drops the old key", async () => {
      const ep = endpoint({ auth: "publishable_or_user", body: undefined });
      const role = async (e: Endpoint, headers: Record<string, string>) => {
        const r = await call(e, { headers });
        return r.status === 200 ? r.body.role : r.status;
      };
      // Repeated calls on one endpoint: the second answer comes from the remembered match.
      for (let i = 0; i < 3; i++) {
        expect(await role(ep, { apikey: PK })).toBe("anon");
        expect(await role(ep, { apikey: SK })).toBe("service_role");
        expect(await role(ep, { apikey: `${PK}x` })).toBe(401);
        expect(await role(ep, { apikey: PK.slice(0, -1) })).toBe(401);
      }
      // A remembered publishable key is still no secret key.
      expect((await call(endpoint({ auth: "secret", body: undefined }), { headers: { apikey: PK } })).status).toBe(401);
      // New keys are a new configuration: the old publishable key no longer matches there.
      const rotated = { ...env, SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: "sb_publishable_rotated" }) };
      const after = endpoint({ auth: "publishable_or_user", body: undefined, env: () => rotated });
      expect(await role(after, { apikey: PK })).toBe(401);
      expect(await role(after, { apikey: "sb_publishable_rotated" })).toBe("anon");
      expect(await role(ep, { apikey: "sb_publishable_rotated" })).toBe(401);
    });

    test("a verified token is remembered for a minute at most and never past its exp; a revoked key ends it within that minute", async () => {
      const source = { ...env };
      const envOf = () => source;
      const ep = endpoint({ auth: "publishable_or_user", body: undefined, env: envOf });
      const status = async (jwt: string, apikey = PK) => {
        const r = await call(ep, { headers: { apikey, authorization: `Bearer ${jwt}` } });
        return r.status === 200 ? r.body.role : r.status;
      };
      vi.useFakeTimers({ now: Date.now(), toFake: ["Date"] });
      try {
        const remembered = await token();
        const shortLived = await signJwt(key, claimsFor(buyer, {}, 20));
        for (let i = 0; i < 3; i++) {
          expect(await status(remembered)).toBe("authenticated");
          expect(await status(shortLived)).toBe("authenticated");
          // One changed character of the signature is another token, checked in full.
          expect(await status(`${remembered.slice(0, -2)}${remembered.endsWith("A") ? "B" : "A"}${remembered.slice(-1)}`)).toBe(401);
          // A remembered token next to a wrong key is still refused.
          expect(await status(remembered, "sb_publishable_wrong")).toBe(401);
        }
        // Past its exp a remembered token is checked again, and refused.
        vi.setSystemTime(Date.now() + 21_000);
        expect(await status(shortLived)).toBe(401);
        expect(await status(remembered)).toBe("authenticated");
        // The signing key leaves the JWKS (revoked): a token not yet seen is refused at
        // once, the remembered one once its minute is up.
        const fresh = await token();
        loadConfig(envOf).jwks!.keys.length = 0;
        expect(await status(fresh)).toBe(401);
        expect(await status(remembered)).toBe("authenticated");
        vi.setSystemTime(Date.now() + TOKEN_MEMORY_MS);
        expect(await status(remembered)).toBe(401);
      } finally {
        vi.useRealTimers();
      }
    });

    test("the cron hook takes only a secret key", async () => {
      const ep = endpoint({ auth: "secret", body: undefined });
      expect((await call(ep, { headers: { apikey: SK } })).status).toBe(200);
      expect((await call(ep, { headers: { apikey: PK } })).status).toBe(401);
      expect((await call(ep, { headers: { apikey: PK, authorization: `Bearer ${await token()}` } })).status).toBe(401);
    });
  });

  describe("errors and logs", () => {
    test("domain errors answer their status, code, details and localized message", async () => {
      const ep = endpoint({ body: undefined, handler: async ({ rpc }) => ({ body: await rpc("get_campaign", { p_campaign_id: "x" }) }) });
      const headers = { apikey: PK, authorization: `Bearer ${await token()}` };
      const id = await call(ep, { headers });
      const en = await call(ep, { headers: { ...headers, "accept-language": "en-GB,en;q=0.9" } });
      expect(id.status).toBe(404);
      expect(id.body.error).toEqual({ code: "CAMPAIGN_NOT_FOUND", message: "Sambatan tidak ditemukan.", details: { campaign_id: "x" } });
      expect(en.body.error.message).toBe("Campaign not found.");
    });

    test("RATE_LIMITED and UNAVAILABLE carry Retry-After", async () => {
      const limited = endpoint({ body: undefined, handler: async () => { throw new DomainError("RATE_LIMITED", { retry_after_seconds: 17 }); } });
      const r = await call(limited, { headers: { apikey: PK, authorization: `Bearer ${await token()}` } });
      expect(r.status).toBe(429);
      expect(r.headers.get("retry-after")).toBe("17");
      const down = endpoint({ auth: "none", body: undefined, handler: async ({ rpc }) => ({ body: await rpc("sambatan_health") }) });
      const d = await call(down, {});
      expect(d.status).toBe(503);
      expect(d.body.error.code).toBe("UNAVAILABLE");
      expect(d.headers.get("retry-after")).toBe("1");
    });

    test("an unexpected failure is INTERNAL (500) with the request id only; the cause is logged, not sent", async () => {
      const ep = endpoint({ body: undefined, handler: async () => { throw new Error("secret internals: password=hunter2"); } });
      const r = await call(ep, { headers: { apikey: PK, authorization: `Bearer ${await token()}` } });
      expect(r.status).toBe(500);
      expect(r.body.error).toMatchObject({ code: "INTERNAL", details: { request_id: r.headers.get("x-request-id") } });
      expect(JSON.stringify(r.body)).not.toContain("hunter2");
      const log = JSON.parse(lines.at(-1)!);
      expect(log).toMatchObject({ level: "error", status: 500, code: "INTERNAL", function: "probe", request_id: r.headers.get("x-request-id") });
      expect(log.error).toContain("secret internals");
    });

    test("one JSON log line per request, with a user hash and never the token or the body", async () => {
      const jwt = await token();
      await call(endpoint(), json({ n: 7 }, { authorization: `Bearer ${jwt}` }));
      expect(lines).toHaveLength(1);
      const log = JSON.parse(lines[0]);
      expect(log).toMatchObject({ level: "info", function: "probe", method: "POST", status: 200, auth: "user" });
      expect(log.user).toMatch(/^[0-9a-f]{16}$/);
      expect(log.duration_ms).toBeTypeOf("number");
      expect(lines[0]).not.toContain(jwt.split(".")[2]);
      expect(lines[0]).not.toContain(buyer);
      expect(lines[0]).not.toContain(PK);
    });

    test("a usable client request id is kept, a hostile one replaced", async () => {
      const ok = await endpoint().fetch(new Request(`${URL_}/p`, { method: "OPTIONS", headers: { "x-request-id": "req-12345678" } }));
      expect(ok.headers.get("x-request-id")).toBe("req-12345678");
      const bad = await endpoint().fetch(new Request(`${URL_}/p`, { method: "OPTIONS", headers: { "x-request-id": "x\"}{" } }));
      expect(bad.headers.get("x-request-id")).not.toBe("x\"}{");
    });

    test("a job run logs its own JSON line, tied to the request that ran it; SAMBATAN_LOG=off silences both", async () => {
      const entry = { job: "sambatan.lifecycle", execution_id: 9, status: "succeeded", attempt: 1, triggered_by: "manual", duration_ms: 3, error: null };
      const ep = endpoint({ auth: "none", body: undefined, handler: async ({ logJob }) => (logJob(entry), { body: {} }) });
      const r = await call(ep, {});
      expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["job", "request"]);
      expect(JSON.parse(lines[0])).toMatchObject({ level: "info", ...entry, request_id: r.headers.get("x-request-id") });
      lines = [];
      const quiet = endpoint({ auth: "none", body: undefined, env: () => ({ ...env, SAMBATAN_LOG: "off" }), handler: async ({ logJob }) => (logJob(entry), { body: {} }) });
      await call(quiet, {});
      expect(lines).toEqual([]);
    });

    test("a reply with a content type is sent as that text, not as JSON", async () => {
      const ep = endpoint({ auth: "none", body: undefined, handler: async () => ({ body: "m 1\n", contentType: "text/plain; version=0.0.4; charset=utf-8" }) });
      const res = await ep.fetch(new Request(`${URL_}/probe`, { method: "POST" }));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
      expect(res.headers.get("x-request-id")).toBeTruthy();
      expect(await res.text()).toBe("m 1\n");
    });

    test("a broken configuration is INTERNAL and says why in the log", async () => {
      const ep = endpoint({ env: () => ({ SUPABASE_URL: "not a url" }) });
      const r = await call(ep, json({ n: 1 }));
      expect(r.status).toBe(500);
      expect(JSON.parse(lines.at(-1)!).error).toContain("SUPABASE_URL");
    });
  });

  test("rpc runs as the authenticated caller", async () => {
    const ep = endpoint({ body: undefined, handler: async ({ rpc }) => ({ body: await rpc("sambatan_dashboard_summary") }) });
    await call(ep, { headers: { apikey: PK, authorization: `Bearer ${await token()}` } });
    expect(rpcCalls).toHaveLength(1);
    const [name, args, caller] = rpcCalls[0] as [string, unknown, { role: string; claims: { sub: string }; token: string }];
    expect(name).toBe("sambatan_dashboard_summary");
    expect(args).toEqual({});
    expect(caller.role).toBe("authenticated");
    expect(caller.claims.sub).toBe(buyer);
    expect(caller.token).toMatch(/^ey/);
  });
});
