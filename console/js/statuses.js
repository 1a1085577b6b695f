// The API's enumerations (shared/schemas.ts), for filters.
export const CAMPAIGN_STATUSES = ["active", "locked", "fulfilled", "expired", "cancelled"];
export const PARTICIPATION_STATUSES = ["pending_payment", "paid", "confirmed", "cancelled", "refunded"];
export const REFUND_STATUSES = ["pending", "succeeded", "failed"];
export const EXECUTION_STATUSES = ["running", "succeeded", "failed", "dead", "skipped"];
export const WAITLIST_STATUSES = ["waiting", "offered", "left", "closed"];
export const WEBHOOK_DELIVERY_STATUSES = ["pending", "succeeded", "retrying", "dead"];
export const NOTIFICATION_EVENT_TYPES = [
  "campaign.locked", "campaign.fulfilled", "campaign.expired", "campaign.cancelled", "campaign.deadline_soon",
  "participation.joined", "participation.paid", "participation.payment_due_soon", "participation.released",
  "waitlist.offered", "refund.owed", "job.failed", "job.stale",
];
