// Input and output shapes of every endpoint, with the limits docs/API.md promises.
// Inputs are strict (unknown fields are rejected) and checked before any database
// work; the RPCs check the same limits again, so a direct caller gets them too.

import { z } from "zod";

// ---------------------------------------------------------------------------
// Building blocks

/** C0 controls and DEL; multi-line fields may still hold tab, CR and LF. */
const CONTROL = /[\u0000-\u001F\u007F]/;
const CONTROL_BUT_LINES = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/** Length in code points, as PostgreSQL's char_length counts it. */
const codePoints = (s: string) => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

interface TextOptions {
  min?: number;
  max: number;
  /** Allows tab, CR and LF (an address has lines). */
  multiline?: boolean;
}

/** Text that is not blank (when min ≥ 1), holds no control characters, and fits in `max` code points. */
export function text({ min = 0, max, multiline = false }: TextOptions) {
  return z.string()
    // A cheap bound first, so a huge string is never walked.
    .max(max * 2, { message: `at most ${max} characters` })
    .refine((s) => !(multiline ? CONTROL_BUT_LINES : CONTROL).test(s), { message: "must not contain control characters" })
    .refine((s) => codePoints(s) <= max, { message: `at most ${max} characters` })
    .refine((s) => min === 0 || codePoints(s.trim()) >= min, { message: min === 1 ? "must not be blank" : `at least ${min} characters` })
    // What the refinements check, for the OpenAPI document (JSON Schema lengths count code points too).
    .meta({
      minLength: min || undefined,
      maxLength: max,
      pattern: multiline ? "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$" : "^[^\\u0000-\\u001F\\u007F]*$",
      description: min ? "Not blank; no control characters." : "No control characters.",
    });
}

export const id = z.guid({ message: "must be a UUID" });

export const MAX_SLOTS = 100_000;
export const MAX_PRICE = 1_000_000_000_000;

const slots = z.int().min(1).max(MAX_SLOTS);
const price = z.int().min(1).max(MAX_PRICE);

const ONE_YEAR_MS = 366 * 24 * 3600 * 1000;

/** An ISO 8601 datetime with a zone, in the future and at most one year ahead. */
export const futureDeadline = z.iso.datetime({ offset: true, message: "must be an ISO 8601 datetime with a time zone" })
  .refine((s) => Date.parse(s) > Date.now(), { message: "must be in the future" })
  .refine((s) => {
    const limit = new Date();
    limit.setUTCFullYear(limit.getUTCFullYear() + 1);
    return Date.parse(s) <= Math.min(limit.getTime(), Date.now() + ONE_YEAR_MS);
  }, { message: "must be at most one year ahead" })
  .meta({ description: "ISO 8601 with a time zone, in the future and at most one year ahead." });

export const CAMPAIGN_STATUSES = ["active", "locked", "fulfilled", "expired", "cancelled"] as const;
export const PARTICIPATION_STATUSES = ["pending_payment", "paid", "confirmed", "cancelled", "refunded"] as const;

/** Where a participation's money came from; `manual` is a manager's confirmation (cash, a checked transfer). */
export const PAYMENT_PROVIDERS = ["midtrans", "xendit", "manual"] as const;
/** The providers that notify us (payment-webhook?provider=…). */
export const WEBHOOK_PROVIDERS = ["midtrans", "xendit"] as const;
export const REFUND_STATUSES = ["pending", "succeeded", "failed"] as const;
export const REFUND_REASONS = ["campaign_expired", "campaign_cancelled", "late_payment", "participation_cancelled"] as const;
/** What a provider's status means for us (shared/payments/notifications.ts maps each provider's own). */
export const PAYMENT_OUTCOMES = ["paid", "expired", "cancelled", "denied", "pending", "other"] as const;
export const NOTIFICATION_RESULTS = [
  "paid",
  "recorded",
  "amount_mismatch",
  "late_payment",
  "already_paid",
  "unknown_participation",
  "duplicate",
] as const;

/** Minutes a buyer has to pay after joining; null (or absent) leaves payment off, as before payments existed. */
export const paymentWindowMinutes = z.int().min(5).max(10080)
  .meta({ description: "Minutes a buyer has to pay after joining (5 to 10080, one week); null turns the window off." });

// Query strings are strings: numbers are parsed strictly ("1.5", "abc", "" and "1e2" are refused).
export const DEFAULT_LIMIT = 20;
export const limit = z.string()
  .regex(/^\d{1,4}$/, { message: "must be a whole number from 1 to 100" })
  .transform(Number)
  .pipe(z.int().min(1, { message: "must be at least 1" }).max(100, { message: "must be at most 100" }))
  .default(DEFAULT_LIMIT)
  .meta({ description: "Page size, 1 to 100.", default: String(DEFAULT_LIMIT) });

export const cursor = z.string().min(1).max(512).regex(/^[A-Za-z0-9_-]+$/, { message: "is not a cursor" })
  .meta({ description: "Opaque: the previous page's next_cursor." });

export const idempotencyKey = z.string().min(1).max(255).regex(/^[\x20-\x7E]+$/, {
  message: "must be printable ASCII",
});

// ---------------------------------------------------------------------------
// Inputs, one per endpoint

export const createCampaignBody = z.strictObject({
  product_id: id,
  title: text({ min: 1, max: 200 }),
  total_slots: slots,
  price_per_slot: price,
  deadline: futureDeadline,
  /** Without it the product's default applies (the RPC fills it in). */
  payment_window_minutes: paymentWindowMinutes.nullish(),
});

export const listCampaignsQuery = z.strictObject({
  status: z.enum(CAMPAIGN_STATUSES).optional(),
  product_id: id.optional(),
  limit,
  cursor: cursor.optional(),
});

export const getCampaignQuery = z.strictObject({ id });

export const joinCampaignBody = z.strictObject({
  campaign_id: id,
  quantity: z.int().min(1).max(MAX_SLOTS),
  shipping_address: text({ min: 1, max: 500, multiline: true }),
  note: text({ max: 500, multiline: true }).nullish(),
});

export const joinCampaignHeaders = z.object({ "idempotency-key": idempotencyKey.optional() });

export const cancelParticipationBody = z.strictObject({
  participation_id: id,
  reason: text({ max: 500, multiline: true }).nullish(),
});

export const myParticipationsQuery = z.strictObject({
  status: z.enum(PARTICIPATION_STATUSES).optional(),
  limit,
  cursor: cursor.optional(),
});

export const campaignAuditQuery = z.strictObject({
  campaign_id: id,
  limit,
  cursor: cursor.optional(),
});

export const emptyQuery = z.strictObject({});

export const toggleProductBody = z.strictObject({
  product_id: id,
  enabled: z.boolean(),
  total_slots: slots.nullish(),
  price_per_slot: price.nullish(),
  deadline: futureDeadline.nullish(),
  payment_window_minutes: paymentWindowMinutes.nullish(),
});

export const checkoutBody = z.strictObject({ participation_id: id });

export const webhookQuery = z.strictObject({ provider: z.enum(WEBHOOK_PROVIDERS) });

// Provider notifications are loose on purpose: providers add fields over time, and a
// notification refused for an unknown field would be retried forever. Only what we
// read is required, with the type the provider documents (Midtrans sends strings).
export const midtransNotification = z.looseObject({
  order_id: z.string().min(1).max(100),
  transaction_id: z.string().min(1).max(100),
  transaction_status: z.string().min(1).max(50),
  status_code: z.string().min(1).max(10),
  gross_amount: z.string().min(1).max(30),
  signature_key: z.string().min(1).max(256),
  fraud_status: z.string().max(50).optional(),
  payment_type: z.string().max(50).optional(),
  transaction_time: z.string().max(50).optional(),
  settlement_time: z.string().max(50).optional(),
  expiry_time: z.string().max(50).optional(),
  currency: z.string().max(10).optional(),
}).meta({ title: "MidtransNotification", description: "Midtrans HTTP notification (order_id is the participation id)." });

export const xenditInvoiceCallback = z.looseObject({
  id: z.string().min(1).max(100),
  external_id: z.string().min(1).max(255),
  status: z.string().min(1).max(50),
  amount: z.number().nonnegative(),
  paid_amount: z.number().nonnegative().optional(),
  currency: z.string().max(10).optional(),
  payment_method: z.string().max(50).optional(),
  payment_channel: z.string().max(50).optional(),
  paid_at: z.string().max(50).optional(),
  created: z.string().max(50).optional(),
  updated: z.string().max(50).optional(),
}).meta({ title: "XenditInvoiceCallback", description: "Xendit invoice callback (external_id is the participation id)." });

export const webhookBody = z.union([midtransNotification, xenditInvoiceCallback]);

export const confirmPaymentBody = z.strictObject({
  participation_id: id,
  /** What the shop checked: a transfer's reference, a receipt number. */
  reference: text({ min: 1, max: 200 }),
});

export const refundsListQuery = z.strictObject({
  status: z.enum(REFUND_STATUSES).optional(),
  campaign_id: id.optional(),
  limit,
  cursor: cursor.optional(),
});

export const completeRefundBody = z.strictObject({
  refund_id: id,
  status: z.enum(["succeeded", "failed"]),
  reference: text({ min: 1, max: 200 }).nullish(),
});

export const LIFECYCLE_JOB = "sambatan.lifecycle";
export const jobName = z.string().min(1).max(100).regex(/^[a-z][a-z0-9_.-]*$/, { message: "is not a job name" });
export const EXECUTION_STATUSES = ["running", "succeeded", "failed", "skipped"] as const;

/** What pg_cron's dispatch posts through pg_net (informational; the hook runs whatever is due). */
export const lifecycleHookBody = z.strictObject({
  source: z.string().max(50).optional(),
  sent_at: z.string().max(50).optional(),
});

export const schedulerStatusQuery = z.strictObject({ job: jobName.optional() });

export const schedulerTriggerBody = z.strictObject({ job: jobName.default(LIFECYCLE_JOB) });

export const schedulerHistoryQuery = z.strictObject({
  job: jobName.optional(),
  status: z.enum(EXECUTION_STATUSES).optional(),
  limit,
  cursor: cursor.optional(),
});

export const schedulerControlBody = z.strictObject({
  job: jobName,
  action: z.enum(["pause", "resume"]),
});


// Webhooks (notifications to a shop's systems, Standard Webhooks)

/** Every notification event type (docs/API.md says what each carries). */
export const NOTIFICATION_EVENT_TYPES = [
  "campaign.locked",
  "campaign.fulfilled",
  "campaign.expired",
  "campaign.cancelled",
  "campaign.deadline_soon",
  "participation.joined",
  "participation.paid",
  "participation.payment_due_soon",
  "participation.released",
  "waitlist.offered",
  "refund.owed",
  "job.failed",
] as const;
export const WEBHOOK_DELIVERY_STATUSES = ["pending", "succeeded", "retrying", "dead"] as const;
export const DELIVER_JOB = "notifications.deliver";

const webhookUrl = z.string().min(8).max(2000)
  .regex(/^https?:\/\/[^\s/?#]+(\/\S*)?$/, { message: "must be an http or https URL" })
  .meta({ description: "Where events are POSTed (http or https)." });
const eventTypes = z.array(z.enum(NOTIFICATION_EVENT_TYPES)).min(1).max(20);

export const webhooksCreateBody = z.strictObject({
  url: webhookUrl,
  event_types: eventTypes,
  description: text({ max: 500 }).optional(),
});

export const webhooksUpdateBody = z.strictObject({
  endpoint_id: id,
  url: webhookUrl.optional(),
  event_types: eventTypes.optional(),
  description: text({ max: 500 }).optional(),
  active: z.boolean().optional(),
});

export const webhooksDeleteBody = z.strictObject({ endpoint_id: id });

export const webhookDeliveriesQuery = z.strictObject({
  endpoint_id: id.optional(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(),
  event_type: z.enum(NOTIFICATION_EVENT_TYPES).optional(),
  limit,
  cursor: cursor.optional(),
});

export const webhookRedeliverBody = z.strictObject({
  delivery_id: z.int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  endpoint_id: id.optional(),
}).refine((b) => (b.delivery_id === undefined) !== (b.endpoint_id === undefined), {
  message: "give delivery_id (one delivery) or endpoint_id (its dead deliveries), not both",
});

// ---------------------------------------------------------------------------
// Outputs (what the RPCs return and the endpoints answer)

const timestamp = z.iso.datetime();
const nullableTimestamp = timestamp.nullable();

export const campaign = z.strictObject({
  id,
  product_id: id,
  title: z.string(),
  status: z.enum(CAMPAIGN_STATUSES),
  total_slots: z.int(),
  filled_slots: z.int(),
  available_slots: z.int(),
  progress_percent: z.number(),
  price_per_slot: z.int(),
  deadline: timestamp,
  created_by: id.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
  locked_at: nullableTimestamp,
  fulfilled_at: nullableTimestamp,
  expired_at: nullableTimestamp,
  cancelled_at: nullableTimestamp,
  payment_window_minutes: z.int().nullable(),
});

export const progress = z.strictObject({
  total_slots: z.int(),
  filled_slots: z.int(),
  available_slots: z.int(),
  percent: z.number(),
  participant_count: z.int(),
  total_contribution: z.int(),
  paid_slots: z.int(),
  unpaid_slots: z.int(),
  amount_paid: z.int(),
  refunds_pending: z.int(),
});

export const campaignWithProgress = campaign.extend({ progress });

export const participation = z.strictObject({
  id,
  campaign_id: id,
  user_id: id,
  quantity: z.int(),
  amount: z.int(),
  status: z.enum(PARTICIPATION_STATUSES),
  shipping_address: z.string(),
  note: z.string().nullable(),
  created_at: timestamp,
  updated_at: timestamp,
  cancelled_at: nullableTimestamp,
  cancel_reason: z.string().nullable(),
  payment_due_at: nullableTimestamp,
  paid_at: nullableTimestamp,
  payment_provider: z.enum(PAYMENT_PROVIDERS).nullable(),
  payment_reference: z.string().nullable(),
  paid_amount: z.int().nullable(),
});

/** What participation-checkout answers: where the buyer pays, and until when. */
export const checkoutAnswer = z.strictObject({
  provider: z.enum(PAYMENT_PROVIDERS),
  redirect_url: z.url().nullable().meta({ description: "The provider's payment page; null for manual payment." }),
  token: z.string().nullable().optional().meta({ description: "Midtrans Snap token (for snap.js); absent otherwise." }),
  expires_at: nullableTimestamp,
});

export const webhookAnswer = z.strictObject({ received: z.literal(true), result: z.enum(NOTIFICATION_RESULTS) });

export const refund = z.strictObject({
  id,
  participation_id: id,
  campaign_id: id,
  user_id: id,
  amount: z.int(),
  reason: z.enum(REFUND_REASONS),
  status: z.enum(REFUND_STATUSES),
  provider: z.string().nullable(),
  provider_reference: z.string().nullable(),
  created_at: timestamp,
  updated_at: timestamp,
  completed_at: nullableTimestamp,
});

export const event = z.strictObject({
  id: z.int(),
  campaign_id: id,
  participation_id: id.nullable(),
  event: z.string(),
  actor: id.nullable(),
  actor_role: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.unknown()),
  created_at: timestamp,
});

export const product = z.strictObject({
  id,
  name: z.string(),
  base_price: z.int(),
  sambatan_enabled: z.boolean(),
  sambatan_total_slots: z.int().nullable(),
  sambatan_price_per_slot: z.int().nullable(),
  sambatan_deadline: nullableTimestamp,
  sambatan_payment_window_minutes: z.int().nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});

export function page<T extends z.ZodType>(item: T) {
  return z.strictObject({ items: z.array(item), next_cursor: z.string().nullable() });
}

export const joinResult = z.strictObject({ participation, replayed: z.boolean() });

export const dashboardSummary = z.strictObject({
  campaigns: z.strictObject({
    active: z.int(),
    locked: z.int(),
    fulfilled: z.int(),
    expired: z.int(),
    cancelled: z.int(),
    total: z.int(),
  }),
  fill_rate: z.number(),
  closing_within_24h: z.int(),
  amounts: z.strictObject({ pending: z.int(), paid: z.int(), confirmed: z.int(), refunded: z.int(), refunds_pending: z.int() }),
  generated_at: timestamp,
});

export const health = z.strictObject({
  status: z.enum(["ok", "degraded"]),
  database: z.enum(["ok", "unreachable"]),
  version: z.string(),
  time: timestamp,
});

export const execution = z.strictObject({
  id: z.int(),
  job: z.string(),
  status: z.enum(EXECUTION_STATUSES),
  attempt: z.int(),
  triggered_by: z.enum(["cron", "manual", "retry"]),
  started_at: timestamp,
  finished_at: nullableTimestamp,
  duration_ms: z.int().nullable(),
  message: z.string().nullable(),
  error: z.string().nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
});

export const jobStatus = z.strictObject({
  job: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  schedule: z.string(),
  time_zone: z.string().meta({ description: "IANA zone the schedule is read in (default UTC)" }),
  interval_minutes: z.int().nullable(),
  is_running: z.boolean(),
  running_execution_id: z.int().nullable(),
  next_run_time: nullableTimestamp,
  next_runs: z.array(timestamp).max(5).meta({ description: "The next five run times (empty while paused)" }),
  next_retry_at: nullableTimestamp,
  max_attempts: z.int(),
  backoff_seconds: z.int(),
  timeout_seconds: z.int(),
  retention_days: z.int(),
  last_run: execution.nullable(),
});

/** Every job, plus sambatan.lifecycle's fields at top level (the shape docs/API.md promises). */
export const schedulerStatus = z.strictObject({
  jobs: z.array(jobStatus),
  is_running: z.boolean(),
  next_run_time: nullableTimestamp,
  interval_minutes: z.int().nullable(),
  last_run: execution.nullable(),
});

export const triggerResult = z.strictObject({
  status: z.literal("triggered"),
  execution_id: z.int(),
  triggered_at: timestamp,
  execution,
});

export const lifecycleSummary = z.strictObject({
  execution_id: z.int().nullable(),
  status: z.enum(EXECUTION_STATUSES),
  fulfilled: z.int(),
  expired: z.int(),
  confirmed: z.int(),
  refunded: z.int(),
  released: z.int(),
  duration_ms: z.int(),
  jobs: z.array(execution),
});

export const webhookEndpoint = z.strictObject({
  id,
  url: z.string(),
  description: z.string(),
  event_types: z.array(z.enum(NOTIFICATION_EVENT_TYPES)),
  active: z.boolean(),
  created_by: id.nullable(),
  created_at: timestamp,
  updated_at: timestamp,
});

export const webhookEndpointCreated = webhookEndpoint.extend({
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/)
    .meta({ description: "The signing secret (Standard Webhooks). Shown only here: store it now." }),
});

export const webhookEndpointList = z.strictObject({ items: z.array(webhookEndpoint) });
export const webhookEndpointDeleted = z.strictObject({ id, deleted: z.literal(true) });

export const webhookDelivery = z.strictObject({
  id: z.int(),
  event_id: id,
  endpoint_id: id,
  event_type: z.enum(NOTIFICATION_EVENT_TYPES),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES),
  attempts: z.int(),
  next_attempt_at: nullableTimestamp,
  last_response_code: z.int().nullable(),
  last_error: z.string().nullable(),
  succeeded_at: nullableTimestamp,
  created_at: timestamp,
  updated_at: timestamp,
  payload: z.strictObject({ id, type: z.string(), timestamp, data: z.record(z.string(), z.unknown()) }),
  history: z.array(z.strictObject({
    attempt: z.int(),
    status: z.enum(["succeeded", "failed", "timeout"]),
    response_code: z.int().nullable(),
    latency_ms: z.int().nullable(),
    error: z.string().nullable(),
    path: z.enum(["function", "database"]),
    created_at: timestamp,
  })).meta({ description: "Its attempts, oldest first (the last 50)." }),
});

export const redeliverAnswer = z.strictObject({ redelivered: z.int() });

/** One delivery the runner is to send, signed by the database (the secret never leaves it). */
export const claimedDelivery = z.strictObject({
  delivery_id: z.int(),
  attempt: z.int(),
  url: z.string(),
  headers: z.record(z.string(), z.string()),
  body: z.string(),
  timeout_ms: z.int(),
});
export type ClaimedDelivery = z.infer<typeof claimedDelivery>;

/** What the `metrics` RPC answers: metric families for the Prometheus renderer. */
export const metricFamilies = z.array(z.strictObject({
  name: z.string(),
  type: z.enum(["counter", "gauge", "summary", "histogram", "untyped"]),
  help: z.string(),
  samples: z.array(z.strictObject({
    labels: z.record(z.string(), z.string()),
    value: z.number(),
    suffix: z.string().optional(),
  })),
}));

export const prometheusText = z.string().meta({ description: "Prometheus text exposition format 0.0.4." });

export const openApiDocument = z.looseObject({ openapi: z.string() }).meta({ description: "This OpenAPI 3.1 document." });

/** Every error answer: `codes` narrows `code` to those one status can carry. */
export function errorBody<const C extends readonly [string, ...string[]]>(codes: C) {
  return z.strictObject({
    error: z.strictObject({
      code: z.enum(codes),
      message: z.string().meta({ description: "Indonesian by default, English with Accept-Language: en." }),
      details: z.record(z.string(), z.unknown()),
    }),
  });
}

export type Campaign = z.infer<typeof campaign>;
export type Execution = z.infer<typeof execution>;
export type Participation = z.infer<typeof participation>;
export type JoinResult = z.infer<typeof joinResult>;
export type Refund = z.infer<typeof refund>;
export type CheckoutAnswer = z.infer<typeof checkoutAnswer>;
export type PaymentOutcome = (typeof PAYMENT_OUTCOMES)[number];
export type NotificationResult = (typeof NOTIFICATION_RESULTS)[number];
export type MidtransNotification = z.infer<typeof midtransNotification>;
export type XenditInvoiceCallback = z.infer<typeof xenditInvoiceCallback>;
