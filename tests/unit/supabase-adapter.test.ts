// The deployed adapter against a tiny PostgREST stand-in: the request it makes
// for an RPC, and PostgREST's error JSON mapped to the same domain errors the
// direct adapters raise for the same SQLSTATEs.

import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { supabaseDb } from "../../shared/db/supabase.ts";
import { DomainError, fromDatabaseError } from "../../shared/errors.ts";

const PK = "sb_publishable_adapter_test";
const SK = "sb_secret_adapter_test";

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

let server: Server;
let url: string;
let recorded: Recorded[] = [];
let answer: { status: number; body: unknown } = { status: 200, body: {} };

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      recorded.push({ method: req.method!, url: req.url!, headers: req.headers, body: raw ? JSON.parse(raw) : undefined });
      res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  recorded = [];
  answer = { status: 200, body: { ok: true } };
});

const db = () => supabaseDb({ url, publishableKey: PK, secretKey: SK });
const user = { role: "authenticated" as const, claims: { sub: "u1", role: "authenticated" }, token: "eyJ.user.token" };

describe("the supabase-js adapter", () => {
  test("POSTs /rest/v1/rpc/<name> with the named arguments, the publishable key and the caller's token", async () => {
    answer = { status: 200, body: { participation: { id: "p1" }, replayed: false } };
    const result = await db().rpc("join_campaign", { p_campaign_id: "c1", p_quantity: 2, p_shipping_address: "A", p_note: null, p_idempotency_key: undefined }, user);
    expect(result).toEqual({ participation: { id: "p1" }, replayed: false });
    expect(recorded).toHaveLength(1);
    const [r] = recorded;
    expect(r.method).toBe("POST");
    expect(r.url).toBe("/rest/v1/rpc/join_campaign");
    expect(r.headers.apikey).toBe(PK);
    expect(r.headers.authorization).toBe("Bearer eyJ.user.token");
    expect(r.headers["content-type"]).toContain("application/json");
    expect(r.body).toEqual({ p_campaign_id: "c1", p_quantity: 2, p_shipping_address: "A", p_note: null });
  });

  test("key-only callers send their key: publishable for anon, secret for the service role", async () => {
    await db().rpc("list_campaigns", { p_limit: 5 }, { role: "anon", claims: { role: "anon" } });
    await db().rpc("run_sambatan_lifecycle", {}, { role: "service_role", claims: { role: "service_role" } });
    expect(recorded.map((r) => [r.headers.apikey, r.headers.authorization])).toEqual([
      [PK, `Bearer ${PK}`],
      [SK, `Bearer ${SK}`],
    ]);
  });

  test("refuses names outside the allow-list before any request", async () => {
    await expect(db().rpc("pg_sleep" as never, {}, user)).rejects.toThrow(/allow-list/);
    expect(recorded).toEqual([]);
  });

  test.each([
    ["SB040", 400, { code: "SB040", message: "SLOTS_INSUFFICIENT", details: '{"available_slots": 3, "requested": 5}', hint: null }, "SLOTS_INSUFFICIENT", { available_slots: 3, requested: 5 }],
    ["SB011", 400, { code: "SB011", message: "CAMPAIGN_NOT_FOUND", details: '{"campaign_id": "c"}', hint: null }, "CAMPAIGN_NOT_FOUND", { campaign_id: "c" }],
    ["SB050", 400, { code: "SB050", message: "RATE_LIMITED", details: '{"limit": 10, "retry_after_seconds": 12}', hint: null }, "RATE_LIMITED", { limit: 10, retry_after_seconds: 12 }],
    ["SB022 without details", 400, { code: "SB022", message: "CAMPAIGN_CLOSED", details: "", hint: null }, "CAMPAIGN_CLOSED", {}],
    ["42501", 401, { code: "42501", message: "permission denied for function x", details: null, hint: null }, "FORBIDDEN", {}],
    ["23505 on one-active", 409, { code: "23505", message: 'duplicate key value violates unique constraint "sambatan_participants_one_active"', details: "Key exists.", hint: null }, "ALREADY_JOINED", {}],
    ["22P02", 400, { code: "22P02", message: "invalid input syntax for type uuid", details: null, hint: null }, "VALIDATION_FAILED", { reason: "invalid_value" }],
    ["55P03", 500, { code: "55P03", message: "canceling statement due to lock timeout", details: null, hint: null }, "UNAVAILABLE", {}],
    ["57014", 500, { code: "57014", message: "canceling statement due to statement timeout", details: null, hint: null }, "UNAVAILABLE", {}],
    ["PGRST001", 503, { code: "PGRST001", message: "Database client error", details: null, hint: null }, "UNAVAILABLE", {}],
    ["PGRST301", 401, { code: "PGRST301", message: "JWT expired", details: null, hint: null }, "UNAUTHENTICATED", {}],
    ["PGRST202", 404, { code: "PGRST202", message: "Could not find the function", details: null, hint: null }, "INTERNAL", {}],
    ["an unknown error behind a gateway 504", 504, { message: "upstream timeout" }, "UNAVAILABLE", {}],
  ])("maps PostgREST's %s to %s, as the direct adapters map the same error", async (_name, status, body, code, details) => {
    answer = { status, body };
    const err = await db().rpc("sambatan_health", {}, user).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe(code);
    expect(err.details).toEqual(details);
    // The direct adapters see the same SQLSTATE with the DETAIL as `detail`.
    const b = body as { code?: string; details?: string | null; message?: string };
    if (b.code && /^[0-9A-Z]{5}$/.test(b.code)) {
      const direct = fromDatabaseError({ code: b.code, message: b.message, detail: b.details ?? undefined });
      expect(direct.code).toBe(code);
      expect(direct.details).toEqual(details);
    }
  });

  test("an unreachable PostgREST is UNAVAILABLE", async () => {
    const closed = supabaseDb({ url: "http://127.0.0.1:9", publishableKey: PK });
    const err = await closed.rpc("sambatan_health", {}, user).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe("UNAVAILABLE");
  });
});
