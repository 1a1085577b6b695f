// Bad input, generated from tables: every endpoint gets malformed JSON, the wrong
// media type, oversized bodies, missing, extra and mistyped fields, out-of-range and
// overflowing numbers, control characters, SQL-looking text, malformed ids, cursors
// and deadlines, bad query strings and wrong methods. Each must answer its exact 4xx
// code, and a digest of every writable table taken before and after each request
// proves it changed nothing. Runs on real PostgreSQL so those tables can be read.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  appHeaders,
  call,
  ENDPOINTS,
  MANAGE,
  OPERATE,
  type PgStack,
  type RawRequest,
  serverFailures,
  servedFunctions,
  stackOnFreshDatabase,
  succeedingHeaders,
  tableState,
} from "./harness.ts";
import { midtransNotification, xenditCallback } from "../helpers/providers.ts";
import { inDays, inSeconds, SEED_PRODUCTS, sleep, type Stack, TEST_PAYMENT_KEYS } from "./stack.ts";

/** What the cases refer to, made before the first count. */
interface Fx {
  open: string; // active, 10 slots; the buyer already holds 1
  fresh: string; // active, 10 slots; the buyer has not joined
  full: string; // locked
  pastDeadline: string; // still active, deadline passed (no lifecycle has run)
  pending: string; // the buyer's pending participation (in open)
  cancelled: string; // the buyer's cancelled participation
  payable: string; // the buyer's pending participation in a campaign with a payment window
  othersPayable: string; // another buyer's, in the same campaign
  capped: string; // active, 10 slots, at most 2 per buyer
  waitedOn: string; // locked; the buyer waits in line for it
  entry: string; // the buyer's waiting entry (in waitedOn)
  leftEntry: string; // the buyer's entry that left a waiting list
  othersEntry: string; // another buyer's waiting entry
  cancelledCampaign: string; // cancelled by its organiser
  extended: string; // active, its deadline already extended once
}

interface Case {
  slug: string;
  name: string;
  status: number;
  code: string;
  /** The request; headers are added to the credentials that would otherwise succeed. */
  build(f: Fx): RawRequest;
}

const V = "VALIDATION_FAILED";
const cases: Case[] = [];
const add = (slug: string, name: string, status: number, code: string, build: (f: Fx) => RawRequest) =>
  cases.push({ slug, name, status, code, build });

// ---------------------------------------------------------------------------
// Values

const MALFORMED_UUIDS: [string, unknown][] = [
  ["empty", ""],
  ["a number-like string", "42"],
  ["SQL", "1' or '1'='1"],
  ["a non-hex digit", "a0000000-0000-4000-8000-00000000000g"],
  ["one digit too many", "a0000000-0000-4000-8000-0000000000021"],
  ["no dashes", "a00000000000400080000000000000002"],
  ["a number", 42],
  ["an object", { id: "a0000000-0000-4000-8000-000000000002" }],
];

// Written into JSON as raw text: 2^63 and 1e309 do not survive JSON.stringify of a JS number.
const BAD_INTEGERS: [string, string][] = [
  ["zero", "0"],
  ["negative", "-1"],
  ["fractional", "1.5"],
  ["a string", '"5"'],
  ["a boolean", "true"],
  ["null", "null"],
  ["2^31 (int4 overflow)", "2147483648"],
  ["2^63 (int8 overflow)", "9223372036854775808"],
  ["1e309 (beyond double)", "1e309"],
  ["-2^31 - 1", "-2147483649"],
];

const CONTROL_TEXT: [string, string][] = [
  ["a NUL", "Jl. Mawar\u0000 1"],
  ["a bell", "Jl. Mawar\u0007 1"],
  ["an escape sequence", "\u001b[2J\u001b[31mJl. Mawar"],
  ["DEL", "Jl. Mawar\u007f"],
];

const b64 = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
const MALFORMED_CURSORS: [string, string][] = [
  ["not base64url", "!!!"],
  ["three NUL bytes", "AAAA"],
  ["a lone character", "A"],
  ["too long", "a".repeat(513)],
  ["empty", ""],
  ["an object", b64({ after: 1 })],
  ["a string", b64("x")],
  ["an empty array", b64([])],
  ["nulls", b64([null, null])],
  ["wrong types", b64(["kemarin", "bukan-uuid"])],
  ["invalid UTF-8", Buffer.from([0x5b, 0xff, 0xfe, 0x5d]).toString("base64url")],
  ["SQL", b64(["2026-01-01T00:00:00Z'); delete from public.products; --", "x"])],
];
// Cursors of the bigint-keyed lists (audit events, job executions).
const MALFORMED_ID_CURSORS: [string, string][] = [
  ["a text key", b64(["x"])],
  ["a fractional key", b64([1.5])],
  ["an overflowing key", b64([1e30])],
  ["a boolean key", b64([true])],
];

const BAD_LIMITS: [string, string][] = [
  ["0", "0"],
  ["101", "101"],
  ["-1", "-1"],
  ["1.5", "1.5"],
  ["abc", "abc"],
  ["empty", ""],
  ["1e2", "1e2"],
  ["with a space", " 5"],
  ["2^31", "2147483648"],
  ["2^63", "9223372036854775808"],
  ["101 with leading zeros", "0101"],
];

const BAD_DEADLINES: [string, unknown][] = [
  ["a word", "besok"],
  ["in the past", "2020-01-01T00:00:00Z"],
  ["a second ago", "@past"],
  ["over a year ahead", "@400days"],
  ["an impossible date", "2027-02-30T10:00:00Z"],
  ["no time zone", "2027-01-01T10:00:00"],
  ["a date only", "2027-01-01"],
  ["epoch seconds", 1830000000],
  ["empty", ""],
  ["infinity", "infinity"],
  ["SQL", "2027-01-01T00:00:00Z'; drop table public.sambatan_campaigns; --"],
];
/** Resolved when the request is built, so relative deadlines are relative to now. */
const deadline = (v: unknown) => (v === "@past" ? inSeconds(-1) : v === "@400days" ? inDays(400) : v);

// ---------------------------------------------------------------------------
// Request bodies; `raw` keeps a JSON fragment as written.

const address = "Jl. Melati No. 15\nJakarta Selatan";
const RAW = "\u0000raw:";
const raw = (json: string) => `${RAW}${json}`;

/** JSON text of `body`, with raw fragments spliced in unquoted. */
function jsonOf(body: Record<string, unknown>): string {
  const text = JSON.stringify(body);
  return text.replace(/"\\u0000raw:((?:[^"\\]|\\.)*)"/g, (_m, inner) => JSON.parse(`"${inner}"`));
}

// A valid body per POST endpoint, which would write if sent as it is: each case breaks
// one thing, so the refusal can only be for that one thing.
const POST_BASES: Record<string, (f: Fx) => Record<string, unknown>> = {
  "campaigns-create": () => ({ product_id: SEED_PRODUCTS.kopiGayo, title: "Batch uji", total_slots: 10, price_per_slot: 100, deadline: inDays(2) }),
  "campaign-join": (f) => ({ campaign_id: f.fresh, quantity: 1, shipping_address: address }),
  "participation-cancel": (f) => ({ participation_id: f.pending, reason: "salah pesan" }),
  "product-sambatan-toggle": () => ({ product_id: SEED_PRODUCTS.kopiGayo, enabled: true }),
  "scheduler-trigger": () => ({ job: "sambatan.lifecycle" }),
  "scheduler-control": () => ({ job: "sambatan.lifecycle", action: "pause" }),
  "scheduler-requeue": () => ({ execution_id: 2147483000 }),
  lifecycle: () => ({ source: "pg_cron" }),
  "participation-checkout": (f) => ({ participation_id: f.payable }),
  "payment-confirm": (f) => ({ participation_id: f.payable, reference: "TRF-20261203-001" }),
  "refund-complete": () => ({ refund_id: randomUUID(), status: "succeeded", reference: "TRF-REFUND-1" }),
  "waitlist-leave": (f) => ({ entry_id: f.entry }),
  "campaign-cancel": (f) => ({ campaign_id: f.fresh, reason: "Pemasok batal" }),
  "campaign-extend": (f) => ({ campaign_id: f.fresh, deadline: inDays(3) }),
  "webhooks-create": () => ({ url: "https://toko.example/hooks", event_types: ["participation.joined"] }),
  "webhooks-update": () => ({ endpoint_id: randomUUID(), active: false }),
  "webhooks-delete": () => ({ endpoint_id: randomUUID() }),
  "webhook-redeliver": () => ({ delivery_id: 987654321 }),
};

/** A POST whose body is `base` with `patch` applied (undefined removes a field). */
function patched(slug: string, patch: Record<string, unknown>, headers: Record<string, string> = {}) {
  return (f: Fx): RawRequest => {
    const body: Record<string, unknown> = { ...POST_BASES[slug](f) };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete body[k];
      else body[k] = typeof v === "function" ? v(f) : v;
    }
    return { method: "POST", headers: { "content-type": "application/json", ...headers }, body: jsonOf(body) };
  };
}

/** `size` bytes of a JSON string value, in 16 KiB chunks. */
function streamOf(size: number): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode("a".repeat(16 * 1024));
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent === 0) controller.enqueue(new TextEncoder().encode('{"x":"'));
      if (sent >= size) {
        controller.enqueue(new TextEncoder().encode('"}'));
        controller.close();
        return;
      }
      controller.enqueue(chunk);
      sent += chunk.byteLength;
    },
  });
}

// ---------------------------------------------------------------------------
// Every POST endpoint: the body as a whole

const json = { "content-type": "application/json" };
for (const slug of Object.keys(POST_BASES)) {
  const post = (body: string | Uint8Array, headers: Record<string, string> = json) => () => ({ method: "POST", headers, body });
  for (const [name, text] of [
    ["an unclosed object", "{"],
    ["a trailing comma", '{"a": 1,}'],
    ["single quotes", "{'a': 1}"],
    ["a truncated literal", "nul"],
    ["trailing garbage", '{"a": 1}}'],
    ["NaN", '{"quantity": NaN}'],
  ]) add(slug, `malformed JSON: ${name}`, 400, V, post(text));
  for (const [name, text] of [["an array", "[]"], ["a string", '"teks"'], ["a number", "42"], ["null", "null"], ["true", "true"]]) {
    add(slug, `JSON that is not an object: ${name}`, 400, V, post(text));
  }
  add(slug, "a body that is not UTF-8", 400, V, post(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])));
  for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "application/jsonp"]) {
    add(slug, `content type ${type}`, 415, "UNSUPPORTED_MEDIA_TYPE", (f) => ({ ...patched(slug, {})(f), headers: { "content-type": type } }));
  }
  add(slug, "no content type", 415, "UNSUPPORTED_MEDIA_TYPE", (f) => ({
    method: "POST",
    body: new TextEncoder().encode(JSON.stringify(POST_BASES[slug](f))),
  }));
  add(slug, "a body of 64 KiB + 1 byte", 413, "PAYLOAD_TOO_LARGE", () => ({ method: "POST", headers: json, body: `{"x":"${"a".repeat(64 * 1024 - 7)}"}` }));
  add(slug, "a 10 MB string", 413, "PAYLOAD_TOO_LARGE", () => ({ method: "POST", headers: json, body: `{"x":"${"a".repeat(10 * 1024 * 1024)}"}` }));
  add(slug, "1 MB streamed without Content-Length", 413, "PAYLOAD_TOO_LARGE", () => ({ method: "POST", headers: json, body: streamOf(1024 * 1024) }));
  add(slug, "an unknown field", 400, V, patched(slug, { is_admin: true }));
  add(slug, "a __proto__ field", 400, V, (f) => ({
    method: "POST",
    headers: json,
    body: `{"__proto__": {"role": "service_role"}, ${JSON.stringify(POST_BASES[slug](f)).slice(1)}`,
  }));
  add(slug, "an unknown query parameter", 400, V, (f) => ({ ...patched(slug, {})(f), rawQuery: "debug=1" }));
}

// ---------------------------------------------------------------------------
// Every POST endpoint: field by field

for (const [name, v] of MALFORMED_UUIDS) add("campaigns-create", `product_id ${name}`, 400, V, patched("campaigns-create", { product_id: v }));
add("campaigns-create", "product_id missing", 400, V, patched("campaigns-create", { product_id: undefined }));
add("campaigns-create", "an unknown product", 404, "PRODUCT_NOT_FOUND", patched("campaigns-create", { product_id: randomUUID() }));
add("campaigns-create", "a product without sambatan", 409, "PRODUCT_NOT_ENABLED", patched("campaigns-create", { product_id: SEED_PRODUCTS.rimbaEmbun }));
for (const [name, v] of [
  ["empty", ""], ["blank", "   "], ["201 characters", "j".repeat(201)], ["201 emoji (402 UTF-16 units)", "\u{1F96D}".repeat(201)], ["a line break", "Batch\nOktober"], ["a tab", "Batch\tOktober"],
  ["a number", 42], ["null", null], ["an array", ["Batch"]], ...CONTROL_TEXT,
] as [string, unknown][]) add("campaigns-create", `title ${name}`, 400, V, patched("campaigns-create", { title: v }));
add("campaigns-create", "title missing", 400, V, patched("campaigns-create", { title: undefined }));
for (const [name, v] of [...BAD_INTEGERS, ["100001", "100001"]] as [string, string][]) {
  add("campaigns-create", `total_slots ${name}`, 400, V, patched("campaigns-create", { total_slots: raw(v) }));
}
// 2^31 is a fine price (money is bigint); only int4 fields overflow there.
for (const [name, v] of [...BAD_INTEGERS.filter(([n]) => !n.startsWith("2^31")), ["10^12 + 1", "1000000000001"]] as [string, string][]) {
  add("campaigns-create", `price_per_slot ${name}`, 400, V, patched("campaigns-create", { price_per_slot: raw(v) }));
}
for (const [name, v] of [...BAD_DEADLINES, ["null", null]] as [string, unknown][]) {
  add("campaigns-create", `deadline ${name}`, 400, V, patched("campaigns-create", { deadline: () => deadline(v) }));
}
add("campaigns-create", "deadline missing", 400, V, patched("campaigns-create", { deadline: undefined }));

for (const [name, v] of MALFORMED_UUIDS) add("campaign-join", `campaign_id ${name}`, 400, V, patched("campaign-join", { campaign_id: v }));
add("campaign-join", "an unknown campaign", 404, "CAMPAIGN_NOT_FOUND", patched("campaign-join", { campaign_id: randomUUID() }));
add("campaign-join", "SQL in the address of an unknown campaign", 404, "CAMPAIGN_NOT_FOUND",
  patched("campaign-join", { campaign_id: randomUUID(), shipping_address: "x'); delete from public.sambatan_participants; --" }));
add("campaign-join", "a campaign already joined", 409, "ALREADY_JOINED", patched("campaign-join", { campaign_id: (f: Fx) => f.open }));
add("campaign-join", "a full campaign", 409, "CAMPAIGN_FULL", patched("campaign-join", { campaign_id: (f: Fx) => f.full }));
add("campaign-join", "a campaign past its deadline", 410, "DEADLINE_PASSED", patched("campaign-join", { campaign_id: (f: Fx) => f.pastDeadline }));
for (const [name, v] of [...BAD_INTEGERS, ["100001", "100001"]] as [string, string][]) {
  add("campaign-join", `quantity ${name}`, 400, V, patched("campaign-join", { quantity: raw(v) }));
}
add("campaign-join", "quantity missing", 400, V, patched("campaign-join", { quantity: undefined }));
add("campaign-join", "quantity above the available slots", 422, "SLOTS_INSUFFICIENT", patched("campaign-join", { quantity: 11 }));
add("campaign-join", "quantity 100000 (the schema's maximum)", 422, "SLOTS_INSUFFICIENT", patched("campaign-join", { quantity: 100000 }));
for (const [name, v] of [
  ["empty", ""], ["blank", " \n\t "], ["501 characters", "a".repeat(501)], ["501 emoji", "\u{1F3E0}".repeat(501)], ["a number", 5], ["null", null], ["an object", { street: "Mawar" }],
  ...CONTROL_TEXT,
] as [string, unknown][]) add("campaign-join", `shipping_address ${name}`, 400, V, patched("campaign-join", { shipping_address: v }));
add("campaign-join", "shipping_address missing", 400, V, patched("campaign-join", { shipping_address: undefined }));
for (const [name, v] of [["501 characters", "n".repeat(501)], ["a number", 7], ["an array", []], ...CONTROL_TEXT] as [string, unknown][]) {
  add("campaign-join", `note ${name}`, 400, V, patched("campaign-join", { note: v }));
}
for (const [name, v] of [["empty", ""], ["256 characters", "k".repeat(256)], ["non-ASCII", "kunci-\u00e9"], ["a tab", "kunci\t1"]]) {
  add("campaign-join", `Idempotency-Key ${name}`, 400, V, patched("campaign-join", {}, { "idempotency-key": v }));
}

for (const [name, v] of MALFORMED_UUIDS) add("participation-cancel", `participation_id ${name}`, 400, V, patched("participation-cancel", { participation_id: v }));
add("participation-cancel", "participation_id missing", 400, V, patched("participation-cancel", { participation_id: undefined }));
add("participation-cancel", "participation_id null", 400, V, patched("participation-cancel", { participation_id: null }));
add("participation-cancel", "an unknown participation", 404, "PARTICIPATION_NOT_FOUND", patched("participation-cancel", { participation_id: randomUUID() }));
add("participation-cancel", "an already cancelled participation", 409, "PARTICIPATION_FINAL",
  patched("participation-cancel", { participation_id: (f: Fx) => f.cancelled }));
for (const [name, v] of [["501 characters", "r".repeat(501)], ["a number", 42], ["an array", ["alasan"]], ...CONTROL_TEXT] as [string, unknown][]) {
  add("participation-cancel", `reason ${name}`, 400, V, patched("participation-cancel", { reason: v }));
}

for (const [name, v] of MALFORMED_UUIDS) add("product-sambatan-toggle", `product_id ${name}`, 400, V, patched("product-sambatan-toggle", { product_id: v }));
add("product-sambatan-toggle", "an unknown product", 404, "PRODUCT_NOT_FOUND", patched("product-sambatan-toggle", { product_id: randomUUID() }));
for (const [name, v] of [["a word", "ya"], ["1", 1], ["0", 0], ["a string", "true"], ["null", null]] as [string, unknown][]) {
  add("product-sambatan-toggle", `enabled ${name}`, 400, V, patched("product-sambatan-toggle", { enabled: v }));
}
add("product-sambatan-toggle", "enabled missing", 400, V, patched("product-sambatan-toggle", { enabled: undefined }));
for (const [name, v] of [["0", "0"], ["100001", "100001"], ["fractional", "2.5"], ["a string", '"5"'], ["2^31", "2147483648"], ["1e309", "1e309"]]) {
  add("product-sambatan-toggle", `total_slots ${name}`, 400, V, patched("product-sambatan-toggle", { total_slots: raw(v) }));
}
for (const [name, v] of [["0", "0"], ["negative", "-1"], ["10^12 + 1", "1000000000001"], ["2^63", "9223372036854775808"]]) {
  add("product-sambatan-toggle", `price_per_slot ${name}`, 400, V, patched("product-sambatan-toggle", { price_per_slot: raw(v) }));
}
for (const [name, v] of BAD_DEADLINES.slice(0, 8)) {
  add("product-sambatan-toggle", `deadline ${name}`, 400, V, patched("product-sambatan-toggle", { deadline: () => deadline(v) }));
}

const BAD_JOB_NAMES: [string, unknown][] = [
  ["with spaces and capitals", "Bad Name!"], ["empty", ""], ["101 characters", "j".repeat(101)], ["a number", 5], ["null", null],
  ["SQL", "sambatan.lifecycle'; delete from sambatan_jobs.job_executions; --"],
];
for (const [name, v] of BAD_JOB_NAMES) add("scheduler-trigger", `job ${name}`, 400, V, patched("scheduler-trigger", { job: v }));
add("scheduler-trigger", "an unknown job", 404, "JOB_NOT_FOUND", patched("scheduler-trigger", { job: "no.such.job" }));
for (const [name, v] of BAD_JOB_NAMES) add("scheduler-control", `job ${name}`, 400, V, patched("scheduler-control", { job: v }));
add("scheduler-control", "job missing", 400, V, patched("scheduler-control", { job: undefined }));
for (const [name, v] of [["stop", "stop"], ["upper case", "PAUSE"], ["empty", ""], ["a number", 1], ["null", null]] as [string, unknown][]) {
  add("scheduler-control", `action ${name}`, 400, V, patched("scheduler-control", { action: v }));
}
add("scheduler-control", "action missing", 400, V, patched("scheduler-control", { action: undefined }));
add("scheduler-control", "an unknown job", 404, "JOB_NOT_FOUND", patched("scheduler-control", { job: "no.such.job" }));
add("scheduler-control", "settings with pause", 400, V, patched("scheduler-control", { settings: { overlap: "skip" } }));
for (const [name, settings] of [
  ["missing", undefined], ["empty", {}], ["an unknown setting", { retries: 3 }], ["overlap unknown", { overlap: "queue_all" }],
  ["timeout_seconds 0", { timeout_seconds: 0 }], ["timeout_seconds fractional", { timeout_seconds: 1.5 }],
  ["timeout_seconds a string", { timeout_seconds: "60" }], ["timeout_seconds over a day", { timeout_seconds: 86401 }],
  ["heartbeat_seconds 0", { heartbeat_seconds: 0 }], ["history unknown", { history: "none" }],
  ["alert_after_seconds under a minute", { alert_after_seconds: 59 }], ["alert_after_seconds over a year", { alert_after_seconds: 31536001 }],
  ["max_attempts 0", { max_attempts: 0 }], ["max_attempts 11", { max_attempts: 11 }], ["retention_days 0", { retention_days: 0 }],
  ["not an object", "queue_one"],
] as [string, unknown][]) {
  add("scheduler-control", `configure: settings ${name}`, 400, V, patched("scheduler-control", { action: "configure", settings }));
}
for (const [name, v] of [["missing", undefined], ["0", 0], ["negative", -1], ["fractional", 1.5], ["a string", "5"], ["a UUID", "7f1c2a7e-4d3b-4c2a-9e1f-0a1b2c3d4e5f"], ["2^53", raw("9007199254740993")], ["null", null]] as [string, unknown][]) {
  add("scheduler-requeue", `execution_id ${name}`, 400, V, patched("scheduler-requeue", { execution_id: v }));
}
add("scheduler-requeue", "an unknown execution", 404, "JOB_NOT_FOUND", patched("scheduler-requeue", {}));
add("scheduler-requeue", "an extra field", 400, V, patched("scheduler-requeue", { job: "sambatan.lifecycle" }));
for (const [name, patch] of [
  ["source a number", { source: 1 }], ["source 51 characters", { source: "s".repeat(51) }],
  ["sent_at a number", { sent_at: 5 }], ["sent_at 51 characters", { sent_at: "t".repeat(51) }],
] as [string, Record<string, unknown>][]) add("lifecycle", name, 400, V, patched("lifecycle", patch));

// Payment windows: 5 minutes to a week, whole minutes, or null/absent for none.
const BAD_WINDOWS: [string, string][] = [
  ["4 (under five minutes)", "4"], ["10081 (over a week)", "10081"], ["zero", "0"], ["negative", "-30"], ["fractional", "30.5"],
  ["a string", '"30"'], ["a boolean", "true"], ["2^31", "2147483648"], ["1e309", "1e309"], ["an object", '{"minutes": 30}'],
];
for (const slug of ["campaigns-create", "product-sambatan-toggle"]) {
  for (const [name, v] of BAD_WINDOWS) add(slug, `payment_window_minutes ${name}`, 400, V, patched(slug, { payment_window_minutes: raw(v) }));
}

for (const [name, v] of MALFORMED_UUIDS) add("participation-checkout", `participation_id ${name}`, 400, V, patched("participation-checkout", { participation_id: v }));
add("participation-checkout", "participation_id missing", 400, V, patched("participation-checkout", { participation_id: undefined }));
add("participation-checkout", "an unknown participation", 404, "PARTICIPATION_NOT_FOUND", patched("participation-checkout", { participation_id: randomUUID() }));
add("participation-checkout", "another buyer's participation", 404, "PARTICIPATION_NOT_FOUND", patched("participation-checkout", { participation_id: (f: Fx) => f.othersPayable }));
add("participation-checkout", "a cancelled participation", 409, "PARTICIPATION_FINAL", patched("participation-checkout", { participation_id: (f: Fx) => f.cancelled }));
add("participation-checkout", "a campaign without a payment window", 409, "PAYMENT_NOT_REQUIRED", patched("participation-checkout", { participation_id: (f: Fx) => f.pending }));

for (const [name, v] of MALFORMED_UUIDS) add("payment-confirm", `participation_id ${name}`, 400, V, patched("payment-confirm", { participation_id: v }));
add("payment-confirm", "participation_id missing", 400, V, patched("payment-confirm", { participation_id: undefined }));
add("payment-confirm", "an unknown participation", 404, "PARTICIPATION_NOT_FOUND", patched("payment-confirm", { participation_id: randomUUID() }));
add("payment-confirm", "a cancelled participation", 409, "PARTICIPATION_FINAL", patched("payment-confirm", { participation_id: (f: Fx) => f.cancelled }));
for (const [name, v] of [
  ["empty", ""], ["blank", "   "], ["201 characters", "r".repeat(201)], ["a number", 42], ["null", null], ["a line break", "TRF\n1"], ...CONTROL_TEXT,
] as [string, unknown][]) add("payment-confirm", `reference ${name}`, 400, V, patched("payment-confirm", { reference: v }));
add("payment-confirm", "reference missing", 400, V, patched("payment-confirm", { reference: undefined }));

for (const [name, v] of MALFORMED_UUIDS) add("refund-complete", `refund_id ${name}`, 400, V, patched("refund-complete", { refund_id: v }));
add("refund-complete", "refund_id missing", 400, V, patched("refund-complete", { refund_id: undefined }));
add("refund-complete", "an unknown refund", 404, "REFUND_NOT_FOUND", patched("refund-complete", {}));
for (const [name, v] of [["pending (not a final status)", "pending"], ["upper case", "SUCCEEDED"], ["unknown", "done"], ["empty", ""], ["a boolean", true], ["null", null]] as [string, unknown][]) {
  add("refund-complete", `status ${name}`, 400, V, patched("refund-complete", { status: v }));
}
add("refund-complete", "status missing", 400, V, patched("refund-complete", { status: undefined }));
for (const [name, v] of [["empty", ""], ["201 characters", "r".repeat(201)], ["a number", 7], ...CONTROL_TEXT] as [string, unknown][]) {
  add("refund-complete", `reference ${name}`, 400, V, patched("refund-complete", { reference: v }));
}

// ---------------------------------------------------------------------------
// The campaign rules: minimum, tiers, buyer cap, waiting list, organiser actions

// null stands for "not given" in these optional fields, so it is no bad value there.
const OPTIONAL_BAD_INTEGERS = BAD_INTEGERS.filter(([n]) => n !== "null");
for (const [name, v] of [...OPTIONAL_BAD_INTEGERS, ["100001", "100001"], ["above total_slots", "11"]] as [string, string][]) {
  add("campaigns-create", `min_slots ${name}`, 400, V, patched("campaigns-create", { min_slots: raw(v) }));
}
for (const [name, v] of [...OPTIONAL_BAD_INTEGERS, ["100001", "100001"]] as [string, string][]) {
  add("campaigns-create", `max_slots_per_buyer ${name}`, 400, V, patched("campaigns-create", { max_slots_per_buyer: raw(v) }));
}
for (const [name, v] of [...OPTIONAL_BAD_INTEGERS, ["65", "65"]] as [string, string][]) {
  add("campaigns-create", `slot_buckets ${name}`, 400, V, patched("campaigns-create", { slot_buckets: raw(v) }));
}
add("campaigns-create", "slot_buckets with price_tiers", 400, V,
  patched("campaigns-create", { slot_buckets: 4, price_tiers: [{ up_to_slot: 5, price_per_slot: 90 }, { up_to_slot: 10, price_per_slot: 100 }] }));
add("campaigns-create", "price_per_slot missing without price_tiers", 400, V, patched("campaigns-create", { price_per_slot: undefined }));
add("campaigns-create", "price_per_slot null without price_tiers", 400, V, patched("campaigns-create", { price_per_slot: null }));
const tier = (up: unknown, price: unknown = 100) => ({ up_to_slot: up, price_per_slot: price });
for (const [name, v] of [
  ["an object", tier(10)], ["a string", "[]"], ["a number", 10], ["true", true], ["empty", []],
  ["21 tiers", Array.from({ length: 21 }, (_, i) => tier(i === 20 ? 10 : i + 1))],
  ["descending", [tier(5), tier(3), tier(10)]], ["a repeated bound", [tier(5), tier(5), tier(10)]],
  ["not ending at total_slots", [tier(3), tier(9)]], ["past total_slots", [tier(3), tier(11)]],
  ["a tier price 0", [tier(10, 0)]], ["a tier price above 10^12", [tier(10, 1_000_000_000_001)]],
  ["a fractional tier price", [tier(10, 99.5)]], ["a tier price as a string", [tier(10, "100")]],
  ["up_to_slot 0", [tier(0), tier(10)]], ["a fractional up_to_slot", [tier(2.5), tier(10)]],
  ["up_to_slot 2^31", [tier(3), tier(2147483648)]], ["up_to_slot as a string", [tier("10")]],
  ["a tier with an unknown field", [{ ...tier(10), label: "early bird" }]], ["a tier without its price", [{ up_to_slot: 10 }]],
  ["a null tier", [null]], ["numbers", [10, 100]], ["nested arrays", [[10, 100]]],
] as [string, unknown][]) add("campaigns-create", `price_tiers ${name}`, 400, V, patched("campaigns-create", { price_tiers: v }));

for (const [name, v] of [["a string", "true"], ["1", 1], ["null", null], ["an object", {}], ["an array", [true]]] as [string, unknown][]) {
  add("campaign-join", `waitlist ${name}`, 400, V, patched("campaign-join", { waitlist: v }));
}
add("campaign-join", "quantity over max_slots_per_buyer", 422, "BUYER_LIMIT_EXCEEDED", patched("campaign-join", { campaign_id: (f: Fx) => f.capped, quantity: 3 }));
add("campaign-join", "a waiting entry over max_slots_per_buyer", 422, "BUYER_LIMIT_EXCEEDED", patched("campaign-join", { campaign_id: (f: Fx) => f.capped, quantity: 3, waitlist: true }));
add("campaign-join", "a second waiting entry", 409, "ALREADY_JOINED", patched("campaign-join", { campaign_id: (f: Fx) => f.waitedOn, waitlist: true }));
add("campaign-join", "a cancelled campaign, waitlist or not", 409, "CAMPAIGN_CLOSED", patched("campaign-join", { campaign_id: (f: Fx) => f.cancelledCampaign, waitlist: true }));

for (const [name, v] of MALFORMED_UUIDS) add("waitlist-leave", `entry_id ${name}`, 400, V, patched("waitlist-leave", { entry_id: v }));
add("waitlist-leave", "entry_id missing", 400, V, patched("waitlist-leave", { entry_id: undefined }));
add("waitlist-leave", "entry_id null", 400, V, patched("waitlist-leave", { entry_id: null }));
add("waitlist-leave", "an unknown entry", 404, "WAITLIST_ENTRY_NOT_FOUND", patched("waitlist-leave", { entry_id: randomUUID() }));
add("waitlist-leave", "another buyer's entry", 404, "WAITLIST_ENTRY_NOT_FOUND", patched("waitlist-leave", { entry_id: (f: Fx) => f.othersEntry }));
add("waitlist-leave", "an entry already left", 409, "WAITLIST_ENTRY_FINAL", patched("waitlist-leave", { entry_id: (f: Fx) => f.leftEntry }));

for (const slug of ["campaign-cancel", "campaign-extend"]) {
  for (const [name, v] of MALFORMED_UUIDS) add(slug, `campaign_id ${name}`, 400, V, patched(slug, { campaign_id: v }));
  add(slug, "campaign_id missing", 400, V, patched(slug, { campaign_id: undefined }));
  add(slug, "an unknown campaign", 404, "CAMPAIGN_NOT_FOUND", patched(slug, { campaign_id: randomUUID() }));
  add(slug, "a cancelled campaign", 409, "CAMPAIGN_CLOSED", patched(slug, { campaign_id: (f: Fx) => f.cancelledCampaign }));
}
for (const [name, v] of [
  ["empty", ""], ["blank", " \n "], ["501 characters", "r".repeat(501)], ["501 emoji", "\u{1F6AB}".repeat(501)], ["a number", 42], ["null", null],
  ["an array", ["alasan"]], ...CONTROL_TEXT,
] as [string, unknown][]) add("campaign-cancel", `reason ${name}`, 400, V, patched("campaign-cancel", { reason: v }));
add("campaign-cancel", "reason missing", 400, V, patched("campaign-cancel", { reason: undefined }));
for (const [name, v] of [...BAD_DEADLINES, ["null", null]] as [string, unknown][]) {
  add("campaign-extend", `deadline ${name}`, 400, V, patched("campaign-extend", { deadline: () => deadline(v) }));
}
add("campaign-extend", "deadline missing", 400, V, patched("campaign-extend", { deadline: undefined }));
add("campaign-extend", "deadline not after the current one", 400, V, patched("campaign-extend", { deadline: () => inDays(1) }));
add("campaign-extend", "deadline more than 30 days past the current one", 400, V, patched("campaign-extend", { deadline: () => inDays(40) }));
add("campaign-extend", "a campaign already extended", 409, "CAMPAIGN_ALREADY_EXTENDED", patched("campaign-extend", { campaign_id: (f: Fx) => f.extended }));

// Webhook subscriptions: only http(s) URLs, only known event types; unknown ids are 404.
const WC = "webhooks-create";
for (const [name, v] of [["ftp", "ftp://toko.example/x"], ["no scheme", "toko.example/hooks"], ["javascript", "javascript:alert(1)"],
  ["empty", ""], ["a space", "https://toko .example"], ["2001 characters", "https://t.example/" + "a".repeat(1983)], ["a number", 7], ["null", null],
  ...CONTROL_TEXT] as [string, unknown][]) {
  add(WC, `url ${name}`, 400, V, patched(WC, { url: v }));
}
add(WC, "url missing", 400, V, patched(WC, { url: undefined }));
for (const [name, v] of [["empty", []], ["unknown type", ["campaign.exploded"]], ["a string", "participation.joined"], ["21 types", Array(21).fill("job.failed")],
  ["upper case", ["PARTICIPATION.JOINED"]], ["a number inside", [7]], ["null", null], ["SQL", ["job.failed'); drop table public.webhook_endpoints; --"]]] as [string, unknown][]) {
  add(WC, `event_types ${name}`, 400, V, patched(WC, { event_types: v }));
}
add(WC, "event_types missing", 400, V, patched(WC, { event_types: undefined }));
add(WC, "description of 501 characters", 400, V, patched(WC, { description: "d".repeat(501) }));
add(WC, "a secret given by the caller", 400, V, patched(WC, { secret: "whsec_dGViYWthbg==" }));
for (const [name, v] of MALFORMED_UUIDS) add("webhooks-update", `endpoint_id ${name}`, 400, V, patched("webhooks-update", { endpoint_id: v }));
add("webhooks-update", "active not a boolean", 400, V, patched("webhooks-update", { active: "false" }));
add("webhooks-update", "an unknown event type", 400, V, patched("webhooks-update", { event_types: ["refund.paid"] }));
add("webhooks-update", "an unknown endpoint", 404, "WEBHOOK_ENDPOINT_NOT_FOUND", patched("webhooks-update", {}));
for (const [name, v] of MALFORMED_UUIDS) add("webhooks-delete", `endpoint_id ${name}`, 400, V, patched("webhooks-delete", { endpoint_id: v }));
add("webhooks-delete", "an unknown endpoint", 404, "WEBHOOK_ENDPOINT_NOT_FOUND", patched("webhooks-delete", {}));
const WR = "webhook-redeliver";
add(WR, "neither delivery_id nor endpoint_id", 400, V, patched(WR, { delivery_id: undefined }));
add(WR, "both delivery_id and endpoint_id", 400, V, patched(WR, { endpoint_id: randomUUID() }));
for (const [name, v] of [["zero", 0], ["negative", -1], ["fractional", 1.5], ["a string", "1"], ["2^63", raw("9223372036854775808")]] as [string, unknown][]) {
  add(WR, `delivery_id ${name}`, 400, V, patched(WR, { delivery_id: v }));
}
add(WR, "an unknown delivery", 404, "WEBHOOK_DELIVERY_NOT_FOUND", patched(WR, {}));
add(WR, "an unknown endpoint", 404, "WEBHOOK_ENDPOINT_NOT_FOUND", patched(WR, { delivery_id: undefined, endpoint_id: randomUUID() }));

// The webhook: without the provider's proof nothing is even validated (401); with it,
// a body that is not the provider's documented shape is 400. Either way, nothing is written.
const U = "UNAUTHENTICATED";
const xenditToken = { "x-callback-token": TEST_PAYMENT_KEYS.xenditCallbackToken };
const paidInvoice = (f: Fx, patch: Record<string, unknown> = {}) => ({
  ...xenditCallback({ id: "65f1a2b3c4d5e6f708192a3b", external_id: f.payable, status: "PAID", amount: 1000 }),
  ...patch,
});
const webhook = (provider: string | undefined, body: (f: Fx) => unknown, headers: Record<string, string> = {}) => (f: Fx): RawRequest => ({
  method: "POST",
  rawQuery: provider === undefined ? "" : `provider=${provider}`,
  headers: { "content-type": "application/json", ...headers },
  body: typeof body(f) === "string" ? body(f) as string : JSON.stringify(body(f)),
});
const signed = (f: Fx, fields: Record<string, unknown> = {}) =>
  midtransNotification(TEST_PAYMENT_KEYS.midtransServerKey, { order_id: f.payable, transaction_status: "settlement", gross_amount: 1000, ...fields });
const W = "payment-webhook";
add(W, "Xendit without x-callback-token", 401, U, webhook("xendit", (f) => paidInvoice(f)));
add(W, "Xendit with a wrong x-callback-token", 401, U, webhook("xendit", (f) => paidInvoice(f), { "x-callback-token": "tebakan" }));
add(W, "Xendit with the Midtrans server key as token", 401, U, webhook("xendit", (f) => paidInvoice(f), { "x-callback-token": TEST_PAYMENT_KEYS.midtransServerKey }));
add(W, "Midtrans without signature_key", 401, U, webhook("midtrans", (f) => ({ ...signed(f), signature_key: undefined })));
add(W, "Midtrans signed with another server key", 401, U, webhook("midtrans", (f) => midtransNotification("SB-Mid-server-other", { order_id: f.payable, transaction_status: "settlement", gross_amount: 1000 })));
add(W, "Midtrans with a tampered amount", 401, U, webhook("midtrans", (f) => ({ ...signed(f), gross_amount: "1.00" })));
add(W, "Midtrans with a tampered order id", 401, U, webhook("midtrans", (f) => ({ ...signed(f), order_id: f.othersPayable })));
add(W, "Midtrans with malformed JSON", 401, U, webhook("midtrans", () => "{"));
add(W, "Midtrans with a secret key instead of a signature", 401, U, (f) => ({ ...webhook("midtrans", () => ({ ...signed(f), signature_key: undefined }))(f), headers: { "content-type": "application/json", apikey: "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz" } }));
add(W, "no provider", 401, U, webhook(undefined, (f) => paidInvoice(f), xenditToken));
add(W, "an unknown provider", 401, U, webhook("stripe", (f) => paidInvoice(f), xenditToken));
add(W, "the provider given twice", 401, U, (f) => ({ ...webhook("xendit", (g) => paidInvoice(g), xenditToken)(f), rawQuery: "provider=xendit&provider=xendit" }));
add(W, "an unknown query parameter (proof valid)", 400, V, (f) => ({ ...webhook("xendit", (g) => paidInvoice(g), xenditToken)(f), rawQuery: "provider=xendit&debug=1" }));
add(W, "Xendit: malformed JSON", 400, V, webhook("xendit", () => "{", xenditToken));
add(W, "Xendit: an array", 400, V, webhook("xendit", () => "[]", xenditToken));
add(W, "Xendit: content type text/plain", 415, "UNSUPPORTED_MEDIA_TYPE", (f) => ({ ...webhook("xendit", (g) => paidInvoice(g), xenditToken)(f), headers: { ...xenditToken, "content-type": "text/plain" } }));
add(W, "Xendit: a body of 64 KiB + 1 byte", 413, "PAYLOAD_TOO_LARGE", webhook("xendit", () => `{"x":"${"a".repeat(64 * 1024 - 7)}"}`, xenditToken));
add(W, "Midtrans: a body of 64 KiB + 1 byte", 413, "PAYLOAD_TOO_LARGE", webhook("midtrans", () => `{"x":"${"a".repeat(64 * 1024 - 7)}"}`));
for (const [name, patch] of [
  ["id missing", { id: undefined }], ["id a number", { id: 42 }], ["external_id missing", { external_id: undefined }],
  ["external_id 256 characters", { external_id: "e".repeat(256) }], ["status missing", { status: undefined }], ["status a number", { status: 1 }],
  ["amount a string", { amount: "1000" }], ["amount negative", { amount: -1 }], ["paid_amount a string", { paid_amount: "1000" }],
] as [string, Record<string, unknown>][]) add(W, `Xendit: ${name}`, 400, V, webhook("xendit", (f) => paidInvoice(f, patch), xenditToken));
add(W, "Midtrans (signed): transaction_id missing", 400, V, webhook("midtrans", (f) => ({ ...signed(f), transaction_id: undefined })));
add(W, "Midtrans (signed): transaction_status missing", 400, V, webhook("midtrans", (f) => ({ ...signed(f), transaction_status: undefined })));
add(W, "Midtrans (signed): fraud_status a number", 400, V, webhook("midtrans", (f) => ({ ...signed(f), fraud_status: 1 })));

// ---------------------------------------------------------------------------
// GET endpoints: the query string

const get = (query: string) => () => ({ method: "GET", rawQuery: query });
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

// Webhook deliveries' filters.
for (const [name, v] of [["unknown", "lost"], ["upper case", "DEAD"], ["empty", ""]]) {
  add("webhook-deliveries", `status ${name}`, 400, V, get(q({ status: v })));
}
add("webhook-deliveries", "an unknown event type", 400, V, get(q({ event_type: "campaign.exploded" })));
for (const [name, v] of MALFORMED_UUIDS.filter(([, v]) => typeof v === "string")) add("webhook-deliveries", `endpoint_id ${name}`, 400, V, get(q({ endpoint_id: v as string })));
add("webhook-deliveries", "an unknown endpoint", 404, "WEBHOOK_ENDPOINT_NOT_FOUND", get(q({ endpoint_id: randomUUID() })));
const LISTS: Record<string, (f: Fx) => Record<string, string>> = {
  "campaigns-list": () => ({}),
  "my-participations": () => ({}),
  "campaign-audit": (f) => ({ campaign_id: f.open }),
  "scheduler-history": () => ({}),
  "refunds-list": () => ({}),
  "my-waitlist": () => ({}),
  "participants-list": (f) => ({ campaign_id: f.open }),
  "campaign-waitlist": (f) => ({ campaign_id: f.open }),
  "webhook-deliveries": () => ({}),
};
for (const [slug, base] of Object.entries(LISTS)) {
  for (const [name, v] of BAD_LIMITS) add(slug, `limit ${name}`, 400, V, (f) => get(q({ ...base(f), limit: v }))());
  for (const [name, v] of slug === "campaign-audit" || slug === "scheduler-history" ? [...MALFORMED_CURSORS, ...MALFORMED_ID_CURSORS] : MALFORMED_CURSORS) {
    add(slug, `cursor ${name}`, 400, V, (f) => get(q({ ...base(f), cursor: v }))());
  }
  add(slug, "limit given twice", 400, V, (f) => get(`${q(base(f))}&limit=1&limit=2`)());
  add(slug, "an unknown parameter", 400, V, (f) => get(q({ ...base(f), page: "2" }))());
}
for (const [name, v] of [["unknown", "bogus"], ["upper case", "ACTIVE"], ["empty", ""], ["two at once", "active,locked"], ["SQL", "active' or '1'='1"]]) {
  add("campaigns-list", `status ${name}`, 400, V, get(q({ status: v })));
}
for (const [name, v] of MALFORMED_UUIDS.filter(([, v]) => typeof v === "string")) add("campaigns-list", `product_id ${name}`, 400, V, get(q({ product_id: v as string })));
for (const [name, v] of [["a campaign status", "locked"], ["unknown", "settled"], ["a refund status", "succeeded"], ["empty", ""]]) {
  add("my-participations", `status ${name}`, 400, V, get(q({ status: v })));
}
for (const [name, v] of MALFORMED_UUIDS.filter(([, v]) => typeof v === "string")) {
  add("campaign-get", `id ${name}`, 400, V, get(q({ id: v as string })));
  add("campaign-audit", `campaign_id ${name}`, 400, V, get(q({ campaign_id: v as string })));
}
add("campaign-get", "id missing", 400, V, get(""));
add("campaign-get", "id given twice", 400, V, (f) => get(`id=${f.open}&id=${f.fresh}`)());
add("campaign-get", "an unknown campaign", 404, "CAMPAIGN_NOT_FOUND", get(q({ id: randomUUID() })));
add("campaign-get", "an unknown parameter", 400, V, (f) => get(q({ id: f.open, include: "participants" }))());
add("campaign-audit", "campaign_id missing", 400, V, get(""));
add("campaign-audit", "an unknown campaign", 404, "CAMPAIGN_NOT_FOUND", get(q({ campaign_id: randomUUID() })));
for (const [name, v] of [["a participation status", "pending_payment"], ["upper case", "WAITING"], ["unknown", "queued"], ["empty", ""], ["two at once", "waiting,offered"]]) {
  add("my-waitlist", `status ${name}`, 400, V, get(q({ status: v })));
}
for (const [name, v] of [["unknown", "done"], ["empty", ""]]) add("scheduler-history", `status ${name}`, 400, V, get(q({ status: v })));
for (const [name, v] of [["unknown", "refunded"], ["upper case", "PENDING"], ["empty", ""], ["a participation status", "paid"]]) {
  add("refunds-list", `status ${name}`, 400, V, get(q({ status: v })));
}
for (const [name, v] of MALFORMED_UUIDS.filter(([, v]) => typeof v === "string")) add("refunds-list", `campaign_id ${name}`, 400, V, get(q({ campaign_id: v as string })));
for (const [name, v] of [["a campaign status", "active"], ["upper case", "PAID"], ["empty", ""], ["a refund status", "succeeded"]]) {
  add("participants-list", `status ${name}`, 400, V, get(q({ status: v })));
}
for (const [name, v] of MALFORMED_UUIDS.filter(([, v]) => typeof v === "string")) add("participants-list", `campaign_id ${name}`, 400, V, get(q({ campaign_id: v as string })));
add("participants-list", "an unknown campaign", 404, "CAMPAIGN_NOT_FOUND", get(q({ campaign_id: randomUUID() })));
for (const [name, v] of [["a participation status", "paid"], ["upper case", "WAITING"], ["empty", ""], ["two at once", "waiting,offered"]]) {
  add("campaign-waitlist", `status ${name}`, 400, V, (f) => get(q({ campaign_id: f.open, status: v }))());
}
for (const [name, v] of MALFORMED_UUIDS.filter(([, v]) => typeof v === "string")) add("campaign-waitlist", `campaign_id ${name}`, 400, V, get(q({ campaign_id: v as string })));
add("campaign-waitlist", "campaign_id missing", 400, V, get(""));
add("campaign-waitlist", "an unknown campaign", 404, "CAMPAIGN_NOT_FOUND", get(q({ campaign_id: randomUUID() })));
for (const slug of ["scheduler-history", "scheduler-status"]) {
  for (const [name, v] of BAD_JOB_NAMES.filter(([, v]) => typeof v === "string")) add(slug, `job ${name}`, 400, V, get(q({ job: v as string })));
  add(slug, "an unknown job", 404, "JOB_NOT_FOUND", get(q({ job: "no.such.job" })));
}
for (const slug of ["dashboard-summary", "health", "scheduler-status"]) add(slug, "an unknown parameter", 400, V, get(q({ verbose: "1" })));
for (const [name, query] of [["an unknown parameter", q({ user_id: randomUUID() })], ["a limit", q({ limit: "1" })], ["SQL", q({ x: "1' or '1'='1" })]]) {
  add("my-data", name, 400, V, get(query));
}

// ---------------------------------------------------------------------------
// Every served function: wrong methods (read now, so new functions are covered too)

const served = await servedFunctions();
for (const slug of served) {
  const spec = ENDPOINTS[slug];
  const wrong = ["GET", "POST", "PUT", "DELETE", "PATCH"].filter((m) => m !== (spec?.method ?? "GET"));
  for (const method of wrong) {
    add(slug, `method ${method}`, 405, "METHOD_NOT_ALLOWED", () => ({ method, ...(method === "GET" ? {} : { headers: json, body: "{}" }) }));
  }
}

// ---------------------------------------------------------------------------

describe("bad input", () => {
  let env: PgStack;
  let stack: Stack;
  let fx: Fx;
  const creds: Record<string, Record<string, string>> = {};
  let tokens: { buyer: string; omni: string };

  beforeAll(async () => {
    env = await stackOnFreshDatabase();
    stack = env.stack;
    tokens = { buyer: await stack.token(randomUUID()), omni: await stack.token(randomUUID(), [...MANAGE, ...OPERATE]) };
    creds.omni = appHeaders(stack.publishableKey, tokens.omni);
    creds.buyer = appHeaders(stack.publishableKey, tokens.buyer);
    const filler = appHeaders(stack.publishableKey, await stack.token(randomUUID()));

    const create = async (total: number, when = inDays(2)) => {
      const r = await call(stack, "campaigns-create", { method: "POST", headers: creds.omni, body: { ...POST_BASES["campaigns-create"]({} as Fx), total_slots: total, deadline: when } });
      expect(r.status, r.text).toBe(201);
      return r.json.id as string;
    };
    const join = async (headers: Record<string, string>, campaign: string) => {
      const r = await call(stack, "campaign-join", { method: "POST", headers, body: { campaign_id: campaign, quantity: 1, shipping_address: address } });
      expect(r.status, r.text).toBe(201);
      return r.json.id as string;
    };
    const pastDeadline = await create(10, inSeconds(2));
    const windowed = await call(stack, "campaigns-create", {
      method: "POST", headers: creds.omni, body: { ...POST_BASES["campaigns-create"]({} as Fx), payment_window_minutes: 60 },
    });
    expect(windowed.status, windowed.text).toBe(201);
    const [open, fresh, full, other] = [await create(10), await create(10), await create(1), await create(10)];
    await join(filler, full);
    const pending = await join(creds.buyer, open);
    const cancelled = await join(creds.buyer, other);
    const c = await call(stack, "participation-cancel", { method: "POST", headers: creds.buyer, body: { participation_id: cancelled } });
    expect(c.status).toBe(200);
    const payable = await join(creds.buyer, windowed.json.id);
    const othersPayable = await join(filler, windowed.json.id);

    // The campaign rules: a capped campaign, waiting entries, a cancelled and an extended campaign.
    const capped = await call(stack, "campaigns-create", {
      method: "POST", headers: creds.omni, body: { ...POST_BASES["campaigns-create"]({} as Fx), max_slots_per_buyer: 2 },
    });
    expect(capped.status, capped.text).toBe(201);
    const wait = async (headers: Record<string, string>, campaign: string) => {
      const r = await call(stack, "campaign-join", { method: "POST", headers, body: { campaign_id: campaign, quantity: 1, shipping_address: address, waitlist: true } });
      expect(r.status, r.text).toBe(202);
      return r.json.waitlist_entry.id as string;
    };
    const [waitedOn, leftOn] = [await create(1), await create(1)];
    await join(filler, waitedOn);
    await join(filler, leftOn);
    const entry = await wait(creds.buyer, waitedOn);
    const othersEntry = await wait(appHeaders(stack.publishableKey, await stack.token(randomUUID())), waitedOn);
    const leftEntry = await wait(creds.buyer, leftOn);
    const left = await call(stack, "waitlist-leave", { method: "POST", headers: creds.buyer, body: { entry_id: leftEntry } });
    expect(left.status, left.text).toBe(200);
    const [cancelledCampaign, extended] = [await create(10), await create(10)];
    const off = await call(stack, "campaign-cancel", { method: "POST", headers: creds.omni, body: { campaign_id: cancelledCampaign, reason: "Uji" } });
    expect(off.status, off.text).toBe(200);
    const moved = await call(stack, "campaign-extend", { method: "POST", headers: creds.omni, body: { campaign_id: extended, deadline: inDays(3) } });
    expect(moved.status, moved.text).toBe(200);
    fx = {
      open, fresh, full, pastDeadline, pending, cancelled, payable, othersPayable,
      capped: capped.json.id, waitedOn, entry, leftEntry, othersEntry, cancelledCampaign, extended,
    };
    await sleep(2000);
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
  });

  /** The credentials that would make a valid request to `slug` succeed, so only the input is at fault. */
  // The webhook's cases carry their own proof (or deliberately none).
  const credentialsFor = (slug: string) => (slug === "payment-webhook" ? {} : succeedingHeaders(stack, ENDPOINTS[slug]?.rule ?? "none", tokens));

  test("there are at least 200 cases across every endpoint", () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const slugs = new Set(cases.map((c) => c.slug));
    expect([...served].filter((s) => !slugs.has(s))).toEqual([]);
  });

  test.each(cases.map((c) => [`${c.slug}: ${c.name} → ${c.status} ${c.code}`, c] as const))("%s, writing nothing", async (_name, c) => {
    const before = await tableState(env.db.sql);
    const req = c.build(fx);
    const answer = await call(stack, c.slug, { ...req, headers: { ...credentialsFor(c.slug), ...req.headers } });
    expect({ status: answer.status, code: answer.json?.error?.code }, answer.text.slice(0, 500)).toEqual({ status: c.status, code: c.code });
    expect(answer.json.error).toEqual({ code: c.code, message: expect.any(String), details: expect.any(Object) });
    expect(answer.headers.get("x-request-id")).toBeTruthy();
    expect(await tableState(env.db.sql)).toEqual(before);
  });

  test("no request answered 500, and the stack logged no INTERNAL error, for any of the cases", async () => {
    await sleep(100); // the last log lines are written after their answers
    const logged = stack.requestLogs().filter((l) => l.function !== "-");
    expect(logged.length).toBeGreaterThanOrEqual(cases.length);
    expect(logged.filter((l) => l.status >= 500)).toEqual([]);
    expect(serverFailures(stack)).toEqual([]);
  });

  test("SQL-looking text in valid input is stored and answered verbatim, and every table survives", async () => {
    const before = await env.db.sql`select count(*)::int as n from public.products`;
    const title = "Robert'); DROP TABLE public.products; --";
    const created = await call(stack, "campaigns-create", { method: "POST", headers: creds.omni, body: { ...POST_BASES["campaigns-create"](fx), title } });
    expect(created.status, created.text).toBe(201);
    expect(created.json.title).toBe(title);
    const addressText = "x' OR '1'='1'; $$ select pg_sleep(10) $$ --\n\\x00 %s %n";
    const note = "1; update public.sambatan_campaigns set filled_slots = 0 --";
    const joined = await call(stack, "campaign-join", {
      method: "POST",
      headers: creds.buyer,
      body: { campaign_id: created.json.id, quantity: 1, shipping_address: addressText, note },
    });
    expect(joined.status, joined.text).toBe(201);
    expect(joined.json).toMatchObject({ shipping_address: addressText, note });
    const [row] = await env.db.sql`select shipping_address, note from public.sambatan_participants where id = ${joined.json.id}`;
    expect(row).toEqual({ shipping_address: addressText, note });
    expect(await env.db.sql`select count(*)::int as n from public.products`).toEqual(before);
  });
});
