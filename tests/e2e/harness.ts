// Shared by the reliability and security e2e files: the local stack on a fresh
// PostgreSQL database (so tests can count rows behind the API), raw HTTP calls with
// full control over method, headers and body bytes, every credential an app or an
// attacker can present, and one table of what each endpoint takes.

import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { functionSlugs } from "../../dev/stack/functions.ts";
import { type PrivateJwk, signJwt } from "../../dev/stack/keys.ts";
import { freshDatabase, type FreshDatabase, type Sql } from "../helpers/pg.ts";
import { newSigningKey } from "./credentials.ts";
import { xenditCallback } from "../helpers/providers.ts";
import { inDays, SEED_PRODUCTS, type Stack, startStack, type StackOptions, TEST_PAYMENT_KEYS } from "./stack.ts";

// ---------------------------------------------------------------------------
// The stack on a database the test can read

export interface PgStack {
  stack: Stack;
  db: FreshDatabase;
  stop(): Promise<void>;
}

/**
 * A migrated database copied from the cluster's template (TEST_DATABASE_URL, which
 * `npm test` provides) and the stack started on it; the stack loads the seed.
 */
export async function stackOnFreshDatabase(options: StackOptions = {}, poolSize = 4): Promise<PgStack> {
  const db = await freshDatabase({ max: poolSize });
  let stack: Stack;
  try {
    stack = await startStack({ ...options, databaseUrl: db.url });
  } catch (err) {
    await db.drop();
    throw err;
  }
  const env: PgStack = {
    stack,
    db,
    // The stack held now: a test may have replaced a killed one (webhooks.test.ts).
    async stop() {
      await env.stack.stop();
      await db.drop();
    },
  };
  return env;
}

/** The tables a request could write to that the state must always include. */
export const WRITTEN_TABLES = [
  "public.products",
  "public.sambatan_campaigns",
  "public.sambatan_participants",
  "public.sambatan_audit_logs",
  "sambatan_jobs.job_executions",
  "sambatan_jobs.scheduled_jobs",
  "sambatan_private.idempotency_keys",
] as const;

/**
 * Row count and a digest of every row of every table in public and our own
 * schemas (found at run time, so tables added later are covered too), so a
 * before/after comparison catches inserts, deletes and updates alike.
 */
export async function tableState(sql: Sql): Promise<Record<string, string>> {
  const tables = (await sql<{ name: string }[]>`
    select format('%I.%I', schemaname, tablename) as name from pg_catalog.pg_tables
     where schemaname in ('public', 'sambatan_private', 'sambatan_jobs') order by 1`).map((r) => r.name);
  for (const t of WRITTEN_TABLES) if (!tables.includes(t)) throw new Error(`table ${t} is missing`);
  const parts = tables.map((t) =>
    `select '${t}' as t, count(*)::text || ' rows ' || coalesce(md5(string_agg(x::text, '|' order by x::text)), '-') as s from ${t} x`
  );
  const rows = await sql.unsafe<{ t: string; s: string }[]>(parts.join(" union all "));
  return Object.fromEntries(rows.map((r) => [r.t, r.s]));
}

/** Request log lines that answered 500 or INTERNAL, plus any unstructured error the stack printed. */
export function serverFailures(stack: Stack): string[] {
  return stack.logs.filter((line) => {
    if (line.startsWith("{")) {
      const entry = JSON.parse(line);
      return entry.status === 500 || entry.code === "INTERNAL";
    }
    return /\bINTERNAL\b|Uncaught|panicked/.test(line);
  });
}

// ---------------------------------------------------------------------------
// Raw HTTP

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON (with content-type unless headers say otherwise); a string or bytes as they are. */
  body?: unknown;
  /** Appended verbatim after `?` (so duplicated and malformed parameters can be sent). */
  rawQuery?: string;
  query?: Record<string, string>;
  /** Give up (rejecting with a TimeoutError) after this long. */
  timeoutMs?: number;
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body, or undefined when it is not JSON. */
  json: any;
}

export async function call(stack: Stack, slug: string, req: RawRequest = {}): Promise<RawAnswer> {
  const qs = req.rawQuery ?? (req.query ? new URLSearchParams(req.query).toString() : "");
  const headers: Record<string, string> = { ...req.headers };
  let body: BodyInit | undefined;
  let streamed = false;
  if (req.body instanceof ReadableStream) {
    // A stream goes out chunked, without Content-Length: the server must count what arrives.
    body = req.body;
    streamed = true;
  } else if (typeof req.body === "string" || req.body instanceof Uint8Array) {
    body = req.body as BodyInit;
  } else if (req.body !== undefined) {
    body = JSON.stringify(req.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["content-type"] = "application/json";
  }
  const init: RequestInit & { duplex?: "half" } = {
    method: req.method ?? "GET",
    headers,
    body,
    ...(streamed ? { duplex: "half" } : {}),
    ...(req.timeoutMs ? { signal: AbortSignal.timeout(req.timeoutMs) } : {}),
  };
  const res = await fetch(`${stack.fn(slug)}${qs ? `?${qs}` : ""}`, init);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** "201", or "404 PARTICIPATION_NOT_FOUND" for an error: the unit the tables compare. */
export function outcome(answer: RawAnswer): string {
  const code = answer.json?.error?.code;
  return answer.status >= 400 ? `${answer.status} ${code ?? "(no error code)"}` : String(answer.status);
}

// ---------------------------------------------------------------------------
// Credentials

const b64url = (s: string) => Buffer.from(s).toString("base64url");

/** Headers exactly as supabase-js sends them: apikey, and the user's token or else the key as bearer. */
export function appHeaders(key: string, accessToken?: string): Record<string, string> {
  return { apikey: key, authorization: `Bearer ${accessToken ?? key}` };
}

/** Claims an attacker would like to have: admin, with every permission. */
function adminClaims(stack: Stack, sub: string, lifetimeSeconds = 3600) {
  const exp = Math.floor(Date.now() / 1000) + lifetimeSeconds;
  return {
    iss: `${stack.url}/auth/v1`,
    sub,
    role: "authenticated",
    aud: "authenticated",
    iat: exp - 3600,
    exp,
    app_metadata: { role: "admin", permissions: ["sambatan.manage", "scheduled_job.read", "scheduled_job.execute"] },
  };
}

/**
 * Tokens that must all be refused. Each claims admin for `sub`, so accepting any
 * of them would open every endpoint; each names the stack's real key id.
 */
export async function forgedTokens(stack: Stack, sub: string) {
  const kid = stack.signingKey.kid;
  const unsigned = (alg: string) =>
    `${b64url(JSON.stringify({ alg, typ: "JWT", kid }))}.${b64url(JSON.stringify(adminClaims(stack, sub)))}`;
  const other: PrivateJwk = { ...(await newSigningKey()), kid };
  const hsInput = unsigned("HS256");
  return {
    expired: await signJwt(stack.signingKey, adminClaims(stack, sub, -3600)),
    otherKey: await signJwt(other, adminClaims(stack, sub)),
    algNone: `${unsigned("none")}.`,
    hs256: `${hsInput}.${createHmac("sha256", stack.secretKey).update(hsInput).digest("base64url")}`,
  };
}

export const CREDENTIALS = [
  "no credentials",
  "publishable key",
  "buyer A",
  "buyer B",
  "participant owner",
  "manager",
  "operator",
  "secret key",
  "expired token",
  "token signed by another key",
  "alg none token",
  "HS256 token",
] as const;
export type Credential = (typeof CREDENTIALS)[number];

export const MANAGE = ["sambatan.manage"];
export const OPERATE = ["scheduled_job.read", "scheduled_job.execute"];

// ---------------------------------------------------------------------------
// The endpoints

/** What a valid request refers to: a campaign, the owner's participation in it, and buyer A's. */
export interface Fixture {
  campaignId: string;
  ownerSub: string;
  participationId: string;
  aSub: string;
  aParticipationId: string;
  /** The owner's participation in a campaign with a payment window (checkout, payment-confirm); else participationId. */
  payableParticipationId?: string;
  /** Campaigns of their own for campaign-cancel and campaign-extend, where the fixture is shared by every endpoint; else campaignId. */
  cancellableCampaignId?: string;
  extendableCampaignId?: string;
}

export type Rule =
  | "none"
  | "publishable_or_user"
  | "user"
  | "user_or_secret"
  | "secret"
  | "provider_proof"
  | "sambatan.manage"
  | "scheduled_job.read"
  | "scheduled_job.execute";

export interface EndpointSpec {
  method: "GET" | "POST";
  rule: Rule;
  success: number;
  /** What the sample request answers when that is not `success` (refund-complete: no refund exists in a fixture). */
  outcome?: string;
  /** Whether a valid request needs a real campaign and participations. */
  needsFixture: boolean;
  /** Whether answering needs the database (the outage tests expect 503 from these). */
  usesDatabase: boolean;
  /** A valid request, as the query or the JSON body. */
  request(f: Fixture): { query?: Record<string, string>; body?: unknown };
}

const address = "Jl. Cempaka Putih No. 7\nJakarta Pusat";
const randomHex = (length: number) => Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join("");

/** Every function of docs/API.md: the endpoints, then the two utility functions. */
export const ENDPOINTS: Record<string, EndpointSpec> = {
  "campaigns-create": {
    method: "POST", rule: "sambatan.manage", success: 201, needsFixture: false, usesDatabase: true,
    request: () => ({ body: { product_id: SEED_PRODUCTS.kopiGayo, title: "Batch Matriks", total_slots: 5, price_per_slot: 1000, deadline: inDays(2) } }),
  },
  "campaigns-list": {
    method: "GET", rule: "publishable_or_user", success: 200, needsFixture: false, usesDatabase: true,
    request: () => ({ query: { limit: "5" } }),
  },
  "campaign-get": {
    method: "GET", rule: "publishable_or_user", success: 200, needsFixture: true, usesDatabase: true,
    request: (f) => ({ query: { id: f.campaignId } }),
  },
  "campaign-join": {
    method: "POST", rule: "user", success: 201, needsFixture: true, usesDatabase: true,
    request: (f) => ({ body: { campaign_id: f.campaignId, quantity: 1, shipping_address: address } }),
  },
  "participation-cancel": {
    method: "POST", rule: "user_or_secret", success: 200, needsFixture: true, usesDatabase: true,
    request: (f) => ({ body: { participation_id: f.participationId, reason: "berubah pikiran" } }),
  },
  "my-participations": {
    method: "GET", rule: "user", success: 200, needsFixture: true, usesDatabase: true,
    request: () => ({ query: { limit: "100" } }),
  },
  "my-data": {
    method: "GET", rule: "user", success: 200, needsFixture: true, usesDatabase: true,
    request: () => ({}),
  },
  "waitlist-leave": {
    // No entry exists in a fixture: the buyer is told so (tests/e2e/rules.test.ts leaves real ones).
    method: "POST", rule: "user", success: 200, outcome: "404 WAITLIST_ENTRY_NOT_FOUND", needsFixture: false, usesDatabase: true,
    request: () => ({ body: { entry_id: "e0000000-0000-4000-8000-000000000001" } }),
  },
  "my-waitlist": {
    method: "GET", rule: "user", success: 200, needsFixture: false, usesDatabase: true,
    request: () => ({ query: { limit: "100" } }),
  },
  "campaign-cancel": {
    method: "POST", rule: "sambatan.manage", success: 200, needsFixture: true, usesDatabase: true,
    request: (f) => ({ body: { campaign_id: f.cancellableCampaignId ?? f.campaignId, reason: "Pemasok batal" } }),
  },
  "campaign-extend": {
    // Fixture campaigns end in two days; three is later and within 30 days of it.
    method: "POST", rule: "sambatan.manage", success: 200, needsFixture: true, usesDatabase: true,
    request: (f) => ({ body: { campaign_id: f.extendableCampaignId ?? f.campaignId, deadline: inDays(3) } }),
  },
  "participation-checkout": {
    method: "POST", rule: "user", success: 200, needsFixture: true, usesDatabase: true,
    request: (f) => ({ body: { participation_id: f.payableParticipationId ?? f.participationId } }),
  },
  "payment-webhook": {
    // The proof (x-callback-token) is in succeedingHeaders: no Supabase credential stands in for it.
    method: "POST", rule: "provider_proof", success: 200, needsFixture: false, usesDatabase: true,
    request: () => ({
      query: { provider: "xendit" },
      body: xenditCallback({ id: randomHex(24), external_id: `order-${randomHex(8)}`, status: "PAID", amount: 1500 }),
    }),
  },
  "payment-confirm": {
    method: "POST", rule: "sambatan.manage", success: 200, needsFixture: true, usesDatabase: true,
    request: (f) => ({ body: { participation_id: f.payableParticipationId ?? f.participationId, reference: "TRF-20261203-001" } }),
  },
  "participants-list": {
    method: "GET", rule: "sambatan.manage", success: 200, needsFixture: true, usesDatabase: true,
    request: (f) => ({ query: { campaign_id: f.campaignId, status: "pending_payment" } }),
  },
  "campaign-waitlist": {
    method: "GET", rule: "sambatan.manage", success: 200, needsFixture: true, usesDatabase: true,
    request: (f) => ({ query: { campaign_id: f.campaignId, status: "waiting" } }),
  },
  "refunds-list": {
    method: "GET", rule: "sambatan.manage", success: 200, needsFixture: false, usesDatabase: true,
    request: () => ({ query: { status: "pending", limit: "5" } }),
  },
  "refund-complete": {
    method: "POST", rule: "sambatan.manage", success: 200, outcome: "404 REFUND_NOT_FOUND", needsFixture: false, usesDatabase: true,
    request: () => ({ body: { refund_id: "d0000000-0000-4000-8000-000000000001", status: "succeeded", reference: "TRF-REFUND-1" } }),
  },
  "webhooks-create": {
    method: "POST", rule: "sambatan.manage", success: 201, needsFixture: false, usesDatabase: true,
    request: () => ({ body: { url: "http://127.0.0.1:9/hooks", event_types: ["job.failed"], description: "matrix" } }),
  },
  "webhooks-list": {
    method: "GET", rule: "sambatan.manage", success: 200, needsFixture: false, usesDatabase: true,
    request: () => ({}),
  },
  "webhooks-update": {
    method: "POST", rule: "sambatan.manage", success: 200, outcome: "404 WEBHOOK_ENDPOINT_NOT_FOUND", needsFixture: false, usesDatabase: true,
    request: () => ({ body: { endpoint_id: "d0000000-0000-4000-8000-000000000002", active: false } }),
  },
  "webhooks-delete": {
    method: "POST", rule: "sambatan.manage", success: 200, outcome: "404 WEBHOOK_ENDPOINT_NOT_FOUND", needsFixture: false, usesDatabase: true,
    request: () => ({ body: { endpoint_id: "d0000000-0000-4000-8000-000000000003" } }),
  },
  "webhook-deliveries": {
    method: "GET", rule: "sambatan.manage", success: 200, needsFixture: false, usesDatabase: true,
    request: () => ({ query: { status: "dead", limit: "5" } }),
  },
  "webhook-redeliver": {
    method: "POST", rule: "sambatan.manage", success: 200, outcome: "404 WEBHOOK_DELIVERY_NOT_FOUND", needsFixture: false, usesDatabase: true,
    request: () => ({ body: { delivery_id: 987654321 } }),
  },
  "campaign-audit": {
    method: "GET", rule: "sambatan.manage", success: 200, needsFixture: true, usesDatabase: true,
    request: (f) => ({ query: { campaign_id: f.campaignId } }),
  },
  "dashboard-summary": {
    method: "GET", rule: "sambatan.manage", success: 200, needsFixture: false, usesDatabase: true,
    request: () => ({}),
  },
  "product-sambatan-toggle": {
    method: "POST", rule: "sambatan.manage", success: 200, needsFixture: false, usesDatabase: true,
    request: () => ({ body: { product_id: SEED_PRODUCTS.kopiGayo, enabled: true } }),
  },
  lifecycle: {
    method: "POST", rule: "secret", success: 200, needsFixture: false, usesDatabase: true,
    request: () => ({ body: {} }),
  },
  "scheduler-status": {
    method: "GET", rule: "scheduled_job.read", success: 200, needsFixture: false, usesDatabase: true,
    request: () => ({}),
  },
  "scheduler-trigger": {
    method: "POST", rule: "scheduled_job.execute", success: 200, needsFixture: false, usesDatabase: true,
    request: () => ({ body: {} }),
  },
  "scheduler-history": {
    method: "GET", rule: "scheduled_job.read", success: 200, needsFixture: false, usesDatabase: true,
    request: () => ({ query: { limit: "5" } }),
  },
  "scheduler-control": {
    method: "POST", rule: "scheduled_job.execute", success: 200, needsFixture: false, usesDatabase: true,
    // Resuming an enabled job changes nothing, so the matrix can run it many times.
    request: () => ({ body: { job: "sambatan.lifecycle", action: "resume" } }),
  },
  "scheduler-requeue": {
    method: "POST", rule: "scheduled_job.execute", success: 200, outcome: "404 JOB_NOT_FOUND", needsFixture: false, usesDatabase: true,
    // No execution has this id, so every allowed caller is refused alike and nothing runs.
    request: () => ({ body: { execution_id: 2147483000 } }),
  },
  health: {
    method: "GET", rule: "none", success: 200, needsFixture: false, usesDatabase: true,
    request: () => ({}),
  },
  openapi: {
    method: "GET", rule: "none", success: 200, needsFixture: false, usesDatabase: false,
    request: () => ({}),
  },
  metrics: {
    method: "GET", rule: "scheduled_job.read", success: 200, needsFixture: false, usesDatabase: true,
    request: () => ({}),
  },
};

/**
 * Headers that make a valid request to an endpoint under `rule` succeed: the secret
 * key for the cron hook, the buyer for buyer endpoints, the publishable key for
 * public reads, and otherwise a user holding every permission.
 */
export function succeedingHeaders(
  stack: Stack,
  rule: Rule,
  tokens: { buyer: string; omni: string },
): Record<string, string> {
  if (rule === "secret") return appHeaders(stack.secretKey);
  if (rule === "provider_proof") return { "x-callback-token": TEST_PAYMENT_KEYS.xenditCallbackToken };
  if (rule === "user" || rule === "user_or_secret") return appHeaders(stack.publishableKey, tokens.buyer);
  if (rule === "publishable_or_user") return appHeaders(stack.publishableKey);
  if (rule === "none") return {};
  return appHeaders(stack.publishableKey, tokens.omni);
}

/** The functions the stack serves (folders of functions/ with an index.ts), read now. */
export function servedFunctions(): Promise<string[]> {
  return functionSlugs();
}

// ---------------------------------------------------------------------------
// Small helpers

/** Runs `fn` over `items` with at most `width` running at once; results keep their order. */
export async function pool<T, R>(items: T[], width: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

/** Runs a PostgreSQL server binary as the user that owns the cluster (postgres when we are root). */
export function runAsPostgres(bin: string, args: string[]): Promise<{ code: number | null; output: string }> {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const [cmd, argv] = isRoot ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, output }));
  });
}
