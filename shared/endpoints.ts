// Every endpoint's contract in one table: method, who may call, what it takes, what
// it answers and which error codes it can answer. Functions take theirs from here
// (so what is served cannot drift from what is described), the OpenAPI document is
// built from it, and the typed client has one method per entry.

import type { z } from "zod";
import { ERRORS, type ErrorCode } from "./errors.ts";
import * as s from "./schemas.ts";

export type Method = "GET" | "POST";

export const PERMISSIONS = ["sambatan.manage", "scheduled_job.read", "scheduled_job.execute"] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * Who may call (shared/auth.ts enforces it):
 * - `none`: anybody (health).
 * - `publishable_or_user`: the app's publishable key, a user, or a secret key (public reads).
 * - `user`: a signed-in user; a secret key is refused with FORBIDDEN (buyer endpoints).
 * - `user_or_secret`: a user or a secret key; the RPC decides what each may do.
 * - `secret`: server to server only (the cron hook).
 * - `provider_proof`: a payment provider, proven by its own signature or callback
 *   token (payment-webhook); no Supabase credential is involved, and the RPC runs as
 *   the service role.
 * - `{ permission }`: a user holding it in app_metadata, an admin, or a secret key.
 */
export type AuthRule =
  | "none"
  | "publishable_or_user"
  | "user"
  | "user_or_secret"
  | "secret"
  | "provider_proof"
  | { permission: Permission };

export type Tag = "campaigns" | "participations" | "payments" | "management" | "webhooks" | "scheduler" | "operations";

/** Headers an answer may carry beyond x-request-id, which every answer has. */
export type ResponseHeader = "Idempotent-Replayed" | "Retry-After";

/** One answer that is not an error body. */
export interface Answer {
  status: number;
  description: string;
  schema: z.ZodType;
  /** JSON unless said otherwise. */
  contentType?: string;
  headers?: readonly ResponseHeader[];
  /** A body field that must be `true` for this answer to be possible (the typed client narrows on it). */
  onlyWith?: string;
}

export interface Contract {
  /** The function's slug: its folder, its URL and its name in logs. */
  name: string;
  method: Method;
  auth: AuthRule;
  tag: Tag;
  summary: string;
  /** Body schema (POST); without one the body must be empty or `{}`. */
  body?: z.ZodType;
  /** Query schema; without one the query string must be empty. */
  query?: z.ZodType;
  /** Header schema, given the headers with lower-case names. */
  headers?: z.ZodType;
  response: Answer;
  /** Other answers that are not errors (health's 503 "degraded"). */
  alsoAnswers?: readonly Answer[];
  /** Codes the handler or its RPCs may answer beyond those the wrapper adds (see `errorCodes`). */
  errors: readonly ErrorCode[];
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

// Every RPC may find the database busy (lock or statement timeout) or gone.
const DATABASE = ["UNAVAILABLE"] as const;

/** Names each entry after its key, so a slug is written once. */
function catalog<const T extends Record<string, Omit<Contract, "name">>>(entries: T): { [K in keyof T & string]: T[K] & { name: K } } {
  return Object.fromEntries(Object.entries(entries).map(([name, c]) => [name, { name, ...c }])) as never;
}

export const ENDPOINTS = catalog({
  "campaigns-create": {
    method: "POST",
    auth: { permission: "sambatan.manage" },
    tag: "campaigns",
    summary: "Open a campaign for a product with sambatan enabled",
    body: s.createCampaignBody,
    response: { status: 201, description: "The new campaign.", schema: s.campaign },
    errors: [...DATABASE, "PRODUCT_NOT_FOUND", "PRODUCT_NOT_ENABLED"],
  },
  "campaigns-list": {
    method: "GET",
    auth: "publishable_or_user",
    tag: "campaigns",
    summary: "One page of campaigns, newest first, by status and product",
    query: s.listCampaignsQuery,
    response: { status: 200, description: "A page of campaigns.", schema: s.page(s.campaign) },
    errors: [...DATABASE],
  },
  "campaign-get": {
    method: "GET",
    auth: "publishable_or_user",
    tag: "campaigns",
    summary: "One campaign with its progress",
    query: s.getCampaignQuery,
    response: { status: 200, description: "The campaign with its progress.", schema: s.campaignWithProgress },
    errors: [...DATABASE, "CAMPAIGN_NOT_FOUND"],
  },
  "campaign-join": {
    method: "POST",
    auth: "user",
    tag: "participations",
    summary: "Join a campaign: the signed-in buyer claims slots, or with `waitlist` waits for them",
    body: s.joinCampaignBody,
    headers: s.joinCampaignHeaders,
    response: {
      status: 201,
      description: "The participation (the stored answer when the Idempotency-Key was seen before).",
      schema: s.participation,
      headers: ["Idempotent-Replayed"],
    },
    alsoAnswers: [{
      status: 202,
      description: "With `waitlist: true` on a full campaign: the buyer's place on its waiting list (replays keep this status).",
      schema: s.waitlisted,
      headers: ["Idempotent-Replayed"],
      onlyWith: "waitlist",
    }],
    errors: [
      ...DATABASE,
      "CAMPAIGN_NOT_FOUND",
      "CAMPAIGN_FULL",
      "CAMPAIGN_CLOSED",
      "ALREADY_JOINED",
      "IDEMPOTENCY_IN_FLIGHT",
      "DEADLINE_PASSED",
      "SLOTS_INSUFFICIENT",
      "BUYER_LIMIT_EXCEEDED",
      "IDEMPOTENCY_KEY_REUSED",
      "RATE_LIMITED",
    ],
  },
  "participation-cancel": {
    method: "POST",
    auth: "user_or_secret",
    tag: "participations",
    summary: "Cancel a pending participation (its buyer, a manager or a secret key)",
    body: s.cancelParticipationBody,
    response: { status: 200, description: "The cancelled participation.", schema: s.participation },
    errors: [...DATABASE, "PARTICIPATION_NOT_FOUND", "CAMPAIGN_CLOSED", "PARTICIPATION_FINAL"],
  },
  "my-participations": {
    method: "GET",
    auth: "user",
    tag: "participations",
    summary: "One page of the signed-in buyer's own participations",
    query: s.myParticipationsQuery,
    response: { status: 200, description: "A page of participations.", schema: s.page(s.participation) },
    errors: [...DATABASE],
  },
  "my-data": {
    method: "GET",
    auth: "user",
    tag: "participations",
    summary: "Everything held about the signed-in buyer, as one JSON document (UU PDP right of access)",
    response: { status: 200, description: "The buyer's data.", schema: s.myData },
    errors: [...DATABASE],
  },
  "waitlist-leave": {
    method: "POST",
    auth: "user",
    tag: "participations",
    summary: "Leave a campaign's waiting list (the entry's buyer)",
    body: s.leaveWaitlistBody,
    response: { status: 200, description: "The entry, now left.", schema: s.waitlistEntry },
    errors: [...DATABASE, "WAITLIST_ENTRY_NOT_FOUND", "WAITLIST_ENTRY_FINAL"],
  },
  "my-waitlist": {
    method: "GET",
    auth: "user",
    tag: "participations",
    summary: "One page of the signed-in buyer's own waiting-list entries, newest first",
    query: s.myWaitlistQuery,
    response: { status: 200, description: "A page of entries.", schema: s.page(s.waitlistEntry) },
    errors: [...DATABASE],
  },
  "participation-checkout": {
    method: "POST",
    auth: "user",
    tag: "payments",
    summary: "Pay for a pending participation: opens (or returns) the provider's payment page",
    body: s.checkoutBody,
    response: { status: 200, description: "Where and until when the buyer pays.", schema: s.checkoutAnswer },
    errors: [
      ...DATABASE,
      "PARTICIPATION_NOT_FOUND",
      "PARTICIPATION_FINAL",
      "PAYMENT_EXPIRED",
      "PAYMENT_NOT_REQUIRED",
      "PAYMENT_PROVIDER_ERROR",
    ],
  },
  "payment-webhook": {
    method: "POST",
    auth: "provider_proof",
    tag: "payments",
    summary: "Payment notifications from Midtrans (signature_key) or Xendit (x-callback-token)",
    body: s.webhookBody,
    query: s.webhookQuery,
    response: { status: 200, description: "Stored once (duplicates change nothing) and applied.", schema: s.webhookAnswer },
    errors: [...DATABASE],
  },
  "payment-confirm": {
    method: "POST",
    auth: { permission: "sambatan.manage" },
    tag: "payments",
    summary: "Mark a pending participation paid by hand (cash, a checked transfer)",
    body: s.confirmPaymentBody,
    response: { status: 200, description: "The paid participation.", schema: s.participation },
    errors: [...DATABASE, "PARTICIPATION_NOT_FOUND", "PARTICIPATION_FINAL", "CAMPAIGN_CLOSED"],
  },
  "participants-list": {
    method: "GET",
    auth: { permission: "sambatan.manage" },
    tag: "payments",
    summary: "One page of participations (payment state, due time), newest first, by campaign and status",
    query: s.participantsListQuery,
    response: { status: 200, description: "A page of participations.", schema: s.page(s.participation) },
    errors: [...DATABASE, "CAMPAIGN_NOT_FOUND"],
  },
  "campaign-waitlist": {
    method: "GET",
    auth: { permission: "sambatan.manage" },
    tag: "participations",
    summary: "One page of a campaign's waiting list in queue order (oldest first), each waiting entry with its position",
    query: s.campaignWaitlistQuery,
    response: { status: 200, description: "A page of entries.", schema: s.page(s.waitlistEntry) },
    errors: [...DATABASE, "CAMPAIGN_NOT_FOUND"],
  },
  "refunds-list": {
    method: "GET",
    auth: { permission: "sambatan.manage" },
    tag: "payments",
    summary: "One page of refunds owed and made, newest first, by status and campaign",
    query: s.refundsListQuery,
    response: { status: 200, description: "A page of refunds.", schema: s.page(s.refund) },
    errors: [...DATABASE],
  },
  "refund-complete": {
    method: "POST",
    auth: { permission: "sambatan.manage" },
    tag: "payments",
    summary: "Record that a pending refund was paid out, or failed",
    body: s.completeRefundBody,
    response: { status: 200, description: "The refund.", schema: s.refund },
    errors: [...DATABASE, "REFUND_NOT_FOUND", "REFUND_FINAL"],
  },
  "campaign-audit": {
    method: "GET",
    auth: { permission: "sambatan.manage" },
    tag: "management",
    summary: "One page of a campaign's audit events, newest first",
    query: s.campaignAuditQuery,
    response: { status: 200, description: "A page of events.", schema: s.page(s.event) },
    errors: [...DATABASE, "CAMPAIGN_NOT_FOUND"],
  },
  "dashboard-summary": {
    method: "GET",
    auth: { permission: "sambatan.manage" },
    tag: "management",
    summary: "Counts per status, fill rate, deadlines within 24 h, amounts",
    response: { status: 200, description: "The summary.", schema: s.dashboardSummary },
    errors: [...DATABASE],
  },
  "product-sambatan-toggle": {
    method: "POST",
    auth: { permission: "sambatan.manage" },
    tag: "management",
    summary: "Enable or disable group buying of a product and set its campaign defaults",
    body: s.toggleProductBody,
    response: { status: 200, description: "The product.", schema: s.product },
    errors: [...DATABASE, "PRODUCT_NOT_FOUND"],
  },
  "campaign-cancel": {
    method: "POST",
    auth: { permission: "sambatan.manage" },
    tag: "management",
    summary: "Cancel a campaign: unpaid participations cancelled, paid ones refunded, the waiting list closed",
    body: s.cancelCampaignBody,
    response: { status: 200, description: "The cancelled campaign.", schema: s.campaign },
    errors: [...DATABASE, "CAMPAIGN_NOT_FOUND", "CAMPAIGN_CLOSED"],
  },
  "campaign-extend": {
    method: "POST",
    auth: { permission: "sambatan.manage" },
    tag: "management",
    summary: "Move an active or locked campaign's deadline later, once, by at most 30 days",
    body: s.extendCampaignBody,
    response: { status: 200, description: "The campaign with its new deadline.", schema: s.campaign },
    errors: [...DATABASE, "CAMPAIGN_NOT_FOUND", "CAMPAIGN_CLOSED", "CAMPAIGN_ALREADY_EXTENDED"],
  },
  "webhooks-create": {
    method: "POST",
    auth: { permission: "sambatan.manage" },
    tag: "webhooks",
    summary: "Subscribe a URL to notification events; answers the signing secret, once",
    body: s.webhooksCreateBody,
    response: { status: 201, description: "The endpoint, with its secret (shown only here).", schema: s.webhookEndpointCreated },
    errors: [...DATABASE],
  },
  "webhooks-list": {
    method: "GET",
    auth: { permission: "sambatan.manage" },
    tag: "webhooks",
    summary: "Every webhook endpoint, newest first (without secrets)",
    response: { status: 200, description: "The endpoints.", schema: s.webhookEndpointList },
    errors: [...DATABASE],
  },
  "webhooks-update": {
    method: "POST",
    auth: { permission: "sambatan.manage" },
    tag: "webhooks",
    summary: "Change an endpoint's URL, event types, description or active flag",
    body: s.webhooksUpdateBody,
    response: { status: 200, description: "The endpoint.", schema: s.webhookEndpoint },
    errors: [...DATABASE, "WEBHOOK_ENDPOINT_NOT_FOUND"],
  },
  "webhooks-delete": {
    method: "POST",
    auth: { permission: "sambatan.manage" },
    tag: "webhooks",
    summary: "Delete an endpoint with its secret and delivery history",
    body: s.webhooksDeleteBody,
    response: { status: 200, description: "Deleted.", schema: s.webhookEndpointDeleted },
    errors: [...DATABASE, "WEBHOOK_ENDPOINT_NOT_FOUND"],
  },
  "webhook-deliveries": {
    method: "GET",
    auth: { permission: "sambatan.manage" },
    tag: "webhooks",
    summary: "One page of deliveries with their attempts, newest first, by endpoint, status and event type",
    query: s.webhookDeliveriesQuery,
    response: { status: 200, description: "A page of deliveries.", schema: s.page(s.webhookDelivery) },
    errors: [...DATABASE, "WEBHOOK_ENDPOINT_NOT_FOUND"],
  },
  "webhook-redeliver": {
    method: "POST",
    auth: { permission: "sambatan.manage" },
    tag: "webhooks",
    summary: "Send one delivery again, or every dead delivery of an endpoint",
    body: s.webhookRedeliverBody,
    response: { status: 200, description: "How many deliveries are due again.", schema: s.redeliverAnswer },
    errors: [...DATABASE, "WEBHOOK_ENDPOINT_NOT_FOUND", "WEBHOOK_DELIVERY_NOT_FOUND"],
  },
  lifecycle: {
    method: "POST",
    auth: "secret",
    tag: "scheduler",
    summary: "The cron hook: runs every due job and answers the lifecycle run's summary",
    body: s.lifecycleHookBody,
    response: { status: 200, description: "The sambatan.lifecycle run (status skipped when it was not due).", schema: s.lifecycleSummary },
    errors: [...DATABASE],
  },
  "scheduler-status": {
    method: "GET",
    auth: { permission: "scheduled_job.read" },
    tag: "scheduler",
    summary: "Every job's status, with sambatan.lifecycle's at top level",
    query: s.schedulerStatusQuery,
    response: { status: 200, description: "The jobs' status.", schema: s.schedulerStatus },
    errors: [...DATABASE, "JOB_NOT_FOUND"],
  },
  "scheduler-trigger": {
    method: "POST",
    auth: { permission: "scheduled_job.execute" },
    tag: "scheduler",
    summary: "Run a job now (default sambatan.lifecycle); answers after the run",
    body: s.schedulerTriggerBody,
    response: {
      status: 200,
      description: "The finished execution; or, when the job (overlap queue_one) was running, status queued: one follow-up run starts as it finishes.",
      schema: s.triggerAnswer,
    },
    errors: [...DATABASE, "JOB_NOT_FOUND", "JOB_ALREADY_RUNNING", "JOB_PAUSED"],
  },
  "scheduler-requeue": {
    method: "POST",
    auth: { permission: "scheduled_job.execute" },
    tag: "scheduler",
    summary: "Run a dead execution's job again (attempt 1, triggered_by requeue); answers after the run",
    body: s.schedulerRequeueBody,
    response: { status: 200, description: "The finished new execution.", schema: s.triggerResult },
    errors: [...DATABASE, "JOB_NOT_FOUND", "EXECUTION_NOT_DEAD", "JOB_ALREADY_RUNNING", "JOB_PAUSED"],
  },
  "scheduler-history": {
    method: "GET",
    auth: { permission: "scheduled_job.read" },
    tag: "scheduler",
    summary: "One page of executions, newest first, by job and status",
    query: s.schedulerHistoryQuery,
    response: { status: 200, description: "A page of executions.", schema: s.page(s.execution) },
    errors: [...DATABASE, "JOB_NOT_FOUND"],
  },
  "scheduler-control": {
    method: "POST",
    auth: { permission: "scheduled_job.execute" },
    tag: "scheduler",
    summary: "Pause or resume a job, or set its run policies (action configure)",
    body: s.schedulerControlBody,
    response: { status: 200, description: "The job's status.", schema: s.jobStatus },
    errors: [...DATABASE, "JOB_NOT_FOUND"],
  },
  health: {
    method: "GET",
    auth: "none",
    tag: "operations",
    summary: "Liveness of the function and its database",
    response: { status: 200, description: "Up, database reachable.", schema: s.health },
    // The handler answers the outage itself, in its own shape rather than an error body.
    alsoAnswers: [{ status: 503, description: "Degraded: the database is unreachable.", schema: s.health, headers: ["Retry-After"] }],
    errors: [],
  },
  openapi: {
    method: "GET",
    auth: "none",
    tag: "operations",
    summary: "This OpenAPI 3.1 document",
    response: { status: 200, description: "The document.", schema: s.openApiDocument },
    errors: [],
  },
  metrics: {
    method: "GET",
    auth: { permission: "scheduled_job.read" },
    tag: "operations",
    summary: "Prometheus metrics computed from durable data",
    response: { status: 200, description: "Metrics in the text exposition format.", schema: s.prometheusText, contentType: PROMETHEUS_CONTENT_TYPE },
    errors: [...DATABASE],
  },
});

export type Endpoints = typeof ENDPOINTS;
export type Slug = keyof Endpoints;

/**
 * Every code `contract` can answer: those its RPCs raise, plus what the wrapper
 * answers for any endpoint of its method and auth rule. Ordered by status, then name.
 */
export function errorCodes(contract: Contract): ErrorCode[] {
  const codes = new Set<ErrorCode>(["VALIDATION_FAILED", "METHOD_NOT_ALLOWED", "INTERNAL", ...contract.errors]);
  if (contract.method === "POST") codes.add("PAYLOAD_TOO_LARGE").add("UNSUPPORTED_MEDIA_TYPE");
  if (contract.auth !== "none") codes.add("UNAUTHENTICATED");
  if (contract.auth === "user" || typeof contract.auth === "object") codes.add("FORBIDDEN");
  return [...codes].sort((a, b) => ERRORS[a].status - ERRORS[b].status || a.localeCompare(b));
}

/** `campaign-join` → `campaignJoin`: the OpenAPI operationId and the typed client's method name. */
export type OperationId<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<OperationId<Tail>>}` : S;

export function operationId<S extends string>(slug: S): OperationId<S> {
  return slug.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as OperationId<S>;
}
