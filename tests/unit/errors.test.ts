import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { codeForSqlstate, DomainError, ERRORS, fromDatabaseError, messageFor } from "../../shared/errors.ts";

// The codes and statuses of docs/API.md's error table, which apps are built against.
const API_CODES: Record<string, number> = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PRODUCT_NOT_FOUND: 404,
  CAMPAIGN_NOT_FOUND: 404,
  PARTICIPATION_NOT_FOUND: 404,
  JOB_NOT_FOUND: 404,
  REFUND_NOT_FOUND: 404,
  WAITLIST_ENTRY_NOT_FOUND: 404,
  WEBHOOK_ENDPOINT_NOT_FOUND: 404,
  WEBHOOK_DELIVERY_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PRODUCT_NOT_ENABLED: 409,
  CAMPAIGN_FULL: 409,
  CAMPAIGN_CLOSED: 409,
  ALREADY_JOINED: 409,
  PARTICIPATION_FINAL: 409,
  IDEMPOTENCY_IN_FLIGHT: 409,
  JOB_ALREADY_RUNNING: 409,
  JOB_PAUSED: 409,
  EXECUTION_NOT_DEAD: 409,
  JOB_TIMED_OUT: 409,
  PAYMENT_EXPIRED: 409,
  PAYMENT_NOT_REQUIRED: 409,
  REFUND_FINAL: 409,
  WAITLIST_ENTRY_FINAL: 409,
  CAMPAIGN_ALREADY_EXTENDED: 409,
  DEADLINE_PASSED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  SLOTS_INSUFFICIENT: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  BUYER_LIMIT_EXCEEDED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  PAYMENT_PROVIDER_ERROR: 502,
  UNAVAILABLE: 503,
};

const migrationsDir = new URL("../../supabase/migrations/", import.meta.url);
const migrationsSql = readdirSync(migrationsDir)
  .filter((f) => f.endsWith(".sql"))
  .map((f) => readFileSync(new URL(f, migrationsDir), "utf8"))
  .join("\n");

describe("the error table", () => {
  test("holds exactly docs/API.md's codes, each with docs/API.md's status", () => {
    expect(Object.fromEntries(Object.entries(ERRORS).map(([code, spec]) => [code, spec.status]))).toEqual(API_CODES);
  });

  test("has an Indonesian and an English message for every code, all different", () => {
    for (const [code, spec] of Object.entries(ERRORS)) {
      expect(spec.message.id, code).toMatch(/\S/);
      expect(spec.message.en, code).toMatch(/\S/);
      expect(spec.message.id, code).not.toBe(spec.message.en);
    }
    const english = Object.values(ERRORS).map((s) => s.message.en);
    expect(new Set(english).size).toBe(english.length);
  });

  test("gives every SB SQLSTATE one code, and knows every SQLSTATE and code the migrations raise", () => {
    const states = Object.values(ERRORS).flatMap((s) => ("sqlstate" in s ? [s.sqlstate] : []));
    expect(new Set(states).size).toBe(states.length);
    const raised = new Set([...migrationsSql.matchAll(/'(SB\d{3})'/g)].map((m) => m[1]));
    expect(raised.size).toBeGreaterThan(5);
    for (const state of raised) expect(codeForSqlstate(state), state).toBeDefined();
    // The message the SQL raises with a state is the code this table gives it.
    const pairs = [
      ...migrationsSql.matchAll(/fail\('(SB\d{3})',\s*'([A-Z_]+)'/g),
      ...migrationsSql.matchAll(/errcode = '(SB\d{3})',\s*message = '([A-Z_]+)'/g),
    ];
    expect(pairs.length).toBeGreaterThan(10);
    for (const m of pairs) expect(codeForSqlstate(m[1]), m[0]).toBe(m[2]);
  });

  test("localizes: Indonesian and English", () => {
    expect(messageFor("SLOTS_INSUFFICIENT", "en")).toBe("Not enough slots are available.");
    expect(messageFor("SLOTS_INSUFFICIENT", "id")).toBe("Slot yang tersedia tidak mencukupi.");
  });
});

describe("fromDatabaseError", () => {
  const detail = JSON.stringify({ available_slots: 3, requested: 5 });

  test.each([
    ["a postgres.js error", { name: "PostgresError", code: "SB040", message: "SLOTS_INSUFFICIENT", detail }],
    ["a PGlite error", Object.assign(new Error("SLOTS_INSUFFICIENT"), { code: "SB040", detail })],
    ["PostgREST error JSON", { code: "SB040", message: "SLOTS_INSUFFICIENT", details: detail, hint: null }],
  ])("maps %s with its JSON DETAIL to the domain error and details", (_kind, err) => {
    const mapped = fromDatabaseError(err);
    expect(mapped).toBeInstanceOf(DomainError);
    expect(mapped.code).toBe("SLOTS_INSUFFICIENT");
    expect(mapped.status).toBe(422);
    expect(mapped.details).toEqual({ available_slots: 3, requested: 5 });
  });

  test("empty or non-JSON DETAIL gives empty details", () => {
    expect(fromDatabaseError({ code: "SB011", detail: "" }).details).toEqual({});
    expect(fromDatabaseError({ code: "SB011", detail: "not json" }).details).toEqual({});
    expect(fromDatabaseError({ code: "SB011", details: "[1,2]" }).details).toEqual({});
  });

  test.each([
    ["55P03", "UNAVAILABLE"], // lock_timeout
    ["57014", "UNAVAILABLE"], // statement_timeout
    ["40P01", "UNAVAILABLE"], // deadlock
    ["57P01", "UNAVAILABLE"],
    ["08006", "UNAVAILABLE"],
    ["ECONNREFUSED", "UNAVAILABLE"],
    ["CONNECTION_CLOSED", "UNAVAILABLE"],
    ["22P02", "VALIDATION_FAILED"],
    ["22003", "VALIDATION_FAILED"],
    ["23514", "VALIDATION_FAILED"],
    ["42501", "FORBIDDEN"],
    ["42883", "INTERNAL"],
    ["XX000", "INTERNAL"],
  ])("SQLSTATE/transport code %s is %s", (code, expected) => {
    expect(fromDatabaseError({ code, message: "x" }).code).toBe(expected);
  });

  test("a unique violation of the one-active-participation index is ALREADY_JOINED", () => {
    const err = { code: "23505", constraint: "sambatan_participants_one_active", message: "duplicate key" };
    expect(fromDatabaseError(err).code).toBe("ALREADY_JOINED");
    const viaRest = { code: "23505", message: 'duplicate key value violates unique constraint "sambatan_participants_one_active"' };
    expect(fromDatabaseError(viaRest).code).toBe("ALREADY_JOINED");
    expect(fromDatabaseError({ code: "23505", constraint: "other" }).code).toBe("INTERNAL");
  });

  test("anything unknown is INTERNAL and keeps the original only as its cause", () => {
    const original = new TypeError("boom");
    const mapped = fromDatabaseError(original);
    expect(mapped.code).toBe("INTERNAL");
    expect(mapped.details).toEqual({});
    expect(mapped.cause).toBe(original);
  });

  test("Retry-After: RATE_LIMITED from details, UNAVAILABLE by default, none otherwise", () => {
    expect(new DomainError("RATE_LIMITED", { retry_after_seconds: 42 }).retryAfterSeconds).toBe(42);
    expect(new DomainError("RATE_LIMITED", {}).retryAfterSeconds).toBe(60);
    expect(new DomainError("UNAVAILABLE").retryAfterSeconds).toBe(1);
    expect(new DomainError("CAMPAIGN_FULL").retryAfterSeconds).toBeUndefined();
  });
});
