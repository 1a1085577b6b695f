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
/** A waiting-list entry: `waiting` until it is offered a participation, leaves, or its campaign ends. */
export const WAITLIST_STATUSES = ["waiting", "offered", "left", "closed"] as const;
/** How far campaign-extend may move a deadline past the current one (the RPC checks it against the row). */
export const MAX_EXTENSION_DAYS = 30;
export const MAX_PRICE_TIERS = 20;
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

/** An extended deadline: ISO 8601 with a zone, in the future; the current deadline is at most a year ahead, so this is at most a year and 30 days. */
export const extendedDeadline = z.iso.datetime({ offset: true, message: "must be an ISO 8601 datetime with a time zone" })
  .refine((s) => Date.parse(s) > Date.now(), { message: "must be in the future" })
  .refine((s) => Date.parse(s) <= Date.now() + ONE_YEAR_MS + MAX_EXTENSION_DAYS * 24 * 3600 * 1000, {
    message: `must be at most one year and ${MAX_EXTENSION_DAYS} days ahead`,
  })
  .meta({ description: `ISO 8601 with a time zone, later than the current deadline and at most ${MAX_EXTENSION_DAYS} days past it.` });

/** One price tier: slots up to `up_to_slot` (counted from the first) cost `price_per_slot`. */
export const priceTier = z.strictObject({ up_to_slot: slots, price_per_slot: price });

export const priceTiers = z.array(priceTier).min(1).max(MAX_PRICE_TIERS)
  .superRefine((tiers, ctx) => {
    tiers.forEach((t, i) => {
      if (i > 0 && t.up_to_slot <= tiers[i - 1].up_to_slot) {
        ctx.addIssue({ code: "custom", path: [i, "up_to_slot"], message: "must be greater than the previous tier's" });
      }
    });
  })
  .meta({ description: `Early-bird pricing: 1 to ${MAX_PRICE_TIERS} tiers, strictly ascending in up_to_slot, the last ending at total_slots. Each slot costs the price of the tier it falls in when it is claimed.` });

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
  /** With price_tiers it may be left out: it is then the first tier's price. */
  price_per_slot: price.nullish(),
  deadline: futureDeadline,
  /** Without it the product's default applies (the RPC fills it in). */
  payment_window_minutes: paymentWindowMinutes.nullish(),
  min_slots: slots.nullish()
    .meta({ description: "Slots kept (paid, or held without a payment window) at the deadline for the campaign to succeed; 1 to total_slots, default total_slots." }),
  price_tiers: priceTiers.nullish(),
  max_slots_per_buyer: slots.nullish().meta({ description: "The most slots one buyer may hold or wait for; default no limit." }),
  slot_buckets: z.int().min(1).max(64).nullish()
    .meta({ description: "Rows joins claim slots from, 1 to 64 (default 1): more than 1 lets a flash sale's joins commit side by side. Not with price_tiers." }),
}).superRefine((b, ctx) => {
  // Cross-field rules zod can see; the RPC checks them again for direct callers.
  if (b.price_per_slot == null && b.price_tiers == null) {
    ctx.addIssue({ code: "custom", path: ["price_per_slot"], message: "is required without price_tiers" });
  }
  if ((b.slot_buckets ?? 1) > 1 && b.price_tiers != null) {
    ctx.addIssue({ code: "custom", path: ["slot_buckets"], message: "cannot be combined with price_tiers" });
  }
  if (b.min_slots != null && b.min_slots > b.total_slots) {
    ctx.addIssue({ code: "custom", path: ["min_slots"], message: "must be at most total_slots" });
  }
  const last = b.price_tiers?.at(-1);
  if (last && last.up_to_slot !== b.total_slots) {
    ctx.addIssue({ code: "custom", path: ["price_tiers", b.price_tiers!.length - 1, "up_to_slot"], message: "the last tier must end at total_slots" });
  }
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
  waitlist: z.boolean().optional()
    .meta({ description: "On a full campaign, wait in line (202 with the entry) instead of 409 CAMPAIGN_FULL / 422 SLOTS_INSUFFICIENT." }),
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

export const leaveWaitlistBody = z.strictObject({ entry_id: id });

export const myWaitlistQuery = z.strictObject({
  status: z.enum(WAITLIST_STATUSES).optional(),
  limit,
  cursor: cursor.optional(),
});

export const cancelCampaignBody = z.strictObject({
  campaign_id: id,
  reason: text({ min: 1, max: 500, multiline: true }),
});

export const extendCampaignBody = z.strictObject({
  campaign_id: id,
  deadline: extendedDeadline,
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

export const campaignWaitlistQuery = z.strictObject({
  campaign_id: id,
  status: z.enum(WAITLIST_STATUSES).optional(),
  limit,
  cursor: cursor.optional(),
});

export const participantsListQuery = z.strictObject({
  campaign_id: id.optional(),
  status: z.enum(PARTICIPATION_STATUSES).optional(),
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
export const EXECUTION_STATUSES = ["running", "succeeded", "failed", "dead", "skipped"] as const;
export const TRIGGERS = ["cron", "manual", "retry", "requeue"] as const;

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

/** A job's run policies an operator may set (scheduler-control, action configure). */
export const jobSettings = z.strictObject({
  overlap: z.enum(["skip", "queue_one"]).optional(),
  timeout_seconds: z.int().min(1).max(86400).optional(),
  heartbeat_seconds: z.int().min(1).max(3600).optional(),
  history: z.enum(["all", "errors_only"]).optional(),
  alert_after_seconds: z.int().min(60).max(31536000).nullable().optional(),
  max_attempts: z.int().min(1).max(10).optional(),
  retention_days: z.int().min(1).max(3650).optional(),
}).refine((v) => Object.keys(v).length > 0, { message: "names at least one setting" });

export const schedulerControlBody = z.discriminatedUnion("action", [
  z.strictObject({ job: jobName, action: z.enum(["pause", "resume"]) }),
  z.strictObject({ job: jobName, action: z.literal("configure"), settings: jobSettings }),
]);

export const schedulerRequeueBody = z.strictObject({ execution_id: z.int().min(1) });


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
  "job.stale",
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
  min_slots: z.int(),
  price_tiers: z.array(z.strictObject({ up_to_slot: z.int(), price_per_slot: z.int() })).nullable(),
  max_slots_per_buyer: z.int().nullable(),
  slot_buckets: z.int(),
  extended_at: nullableTimestamp,
  cancel_reason: z.string().nullable(),
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

/** The tier the next slot falls in, and how many slots are left at its price. */
export const currentTier = z.strictObject({ up_to_slot: z.int(), price_per_slot: z.int(), slots_left: z.int() });

export const campaignWithProgress = campaign.extend({
  progress,
  current_tier: currentTier.nullable().meta({ description: "Null without price tiers (or when every slot is taken)." }),
});

export const participation = z.strictObject({
  id,
  campaign_id: id,
  user_id: id,
  quantity: z.int(),
  amount: z.int(),
  status: z.enum(PARTICIPATION_STATUSES),
  shipping_address: z.string().nullable().meta({ description: "Null once redacted (see redacted_at)." }),
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
  redacted_at: nullableTimestamp.meta({
    description: "When the shipping address and note were removed (retention after the participation was final, or account deletion).",
  }),
});

export const waitlistEntry = z.strictObject({
  id,
  campaign_id: id,
  user_id: id,
  quantity: z.int(),
  shipping_address: z.string(),
  note: z.string().nullable(),
  position: z.int().nullable().meta({ description: "1 + the waiting entries of the campaign made before it; null once not waiting." }),
  status: z.enum(WAITLIST_STATUSES),
  participation_id: id.nullable().meta({ description: "The participation it was offered (pending_payment when made)." }),
  created_at: timestamp,
  updated_at: timestamp,
});

/** What campaign-join answers (202) when the buyer was put on the waiting list. */
export const waitlisted = z.strictObject({
  waitlist_entry: z.strictObject({
    id,
    campaign_id: id,
    quantity: z.int(),
    position: z.int().nullable(),
    status: z.enum(WAITLIST_STATUSES),
    created_at: timestamp,
  }),
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

export const joinResult = z.union([
  z.strictObject({ participation, replayed: z.boolean() }),
  waitlisted.extend({ replayed: z.boolean() }),
]);

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
  triggered_by: z.enum(TRIGGERS),
  started_at: timestamp,
  finished_at: nullableTimestamp,
  deadline_at: nullableTimestamp.meta({ description: "When the run's hard limit (the job's timeout) ends" }),
  duration_ms: z.int().nullable(),
  message: z.string().nullable(),
  error: z.string().nullable(),
  result: z.record(z.string(), z.unknown()).nullable(),
  requeue_of: z.int().nullable().meta({ description: "For a requeued run: the dead execution it runs again" }),
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
  timeout_seconds: z.int().meta({ description: "Hard limit of one run" }),
  heartbeat_seconds: z.int().meta({ description: "A runner silent this long loses its lease" }),
  overlap: z.enum(["skip", "queue_one"]),
  queued_at: nullableTimestamp.meta({ description: "A queue_one request waiting for the running run to finish" }),
  history: z.enum(["all", "errors_only"]),
  retention_days: z.int(),
  alert_after_seconds: z.int().nullable().meta({ description: "job.stale is posted after this long without a success (null: off)" }),
  stale_alerted_at: nullableTimestamp,
  last_success_at: nullableTimestamp,
  dead_executions: z.int().meta({ description: "Dead executions not yet requeued" }),
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

/** A trigger of a queue_one job while it ran: one follow-up run is queued behind it. */
export const queuedResult = z.strictObject({
  status: z.literal("queued"),
  job: z.string(),
  running_execution_id: z.int().nullable(),
  queued_at: timestamp,
});

export const triggerAnswer = z.discriminatedUnion("status", [triggerResult, queuedResult]);

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
export type WaitlistEntry = z.infer<typeof waitlistEntry>;
export type Waitlisted = z.infer<typeof waitlisted>;
export type CheckoutAnswer = z.infer<typeof checkoutAnswer>;
export type PaymentOutcome = (typeof PAYMENT_OUTCOMES)[number];
export type NotificationResult = (typeof NOTIFICATION_RESULTS)[number];
export type MidtransNotification = z.infer<typeof midtransNotification>;
export type XenditInvoiceCallback = z.infer<typeof xenditInvoiceCallback>;

/** What my-data answers: everything held about the caller (UU PDP right of access). */
export const myData = z.strictObject({
  user_id: id,
  generated_at: timestamp,
  retention_days: z.int().meta({ description: "Days after a participation is final until its address and note are redacted." }),
  participations: z.array(participation.extend({ campaign_title: z.string() })),
  payment_transactions: z.array(z.strictObject({
    id,
    participation_id: id,
    provider: z.enum(PAYMENT_PROVIDERS),
    provider_transaction_id: z.string(),
    redirect_url: z.string().nullable(),
    expires_at: nullableTimestamp,
    created_at: timestamp,
  })),
  payment_events: z.array(z.strictObject({
    id: z.int(),
    participation_id: id,
    provider: z.enum(PAYMENT_PROVIDERS),
    provider_transaction_id: z.string(),
    status: z.string(),
    outcome: z.enum(PAYMENT_OUTCOMES),
    result: z.string(),
    amount: z.int().nullable(),
    created_at: timestamp,
  })),
  refunds: z.array(refund),
  waitlist_entries: z.array(z.record(z.string(), z.unknown()))
    .meta({ description: "Waiting-list entries as stored (empty where the waiting list is not installed)." }),
  audit_events: z.array(event.extend({ actor: id.nullable().meta({ description: "The buyer, or null when someone else acted." }) })),
  idempotency_keys: z.array(z.strictObject({ key: z.string(), created_at: timestamp, expires_at: timestamp })),
}).meta({ title: "MyData" });
