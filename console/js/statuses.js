// The API's enumerations (shared/schemas.ts), for filters.
export const CAMPAIGN_STATUSES = ["active", "locked", "fulfilled", "expired", "cancelled"];
export const PARTICIPATION_STATUSES = ["pending_payment", "paid", "confirmed", "cancelled", "refunded"];
export const REFUND_STATUSES = ["pending", "succeeded", "failed"];
export const EXECUTION_STATUSES = ["running", "succeeded", "failed", "dead", "skipped"];
