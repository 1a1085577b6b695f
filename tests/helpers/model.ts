// A small reference model of the slot logic (join_campaign, cancel_participation,
// run_sambatan_lifecycle and the operator overrides) and of payments (provider
// notifications, confirm_payment, the release of unpaid reservations past their
// window, refunds and complete_refund), written from the rules in
// docs/API.md and the precedence of checks in the migrations. The model-based test
// drives random histories through it and through the database and demands the
// same outcome, SQLSTATE for SQLSTATE, after every step.
//
// Time is counted in whole minutes from the start of a history (the database sees
// the same minutes through sambatan.clock_offset). Rate-limit windows are "epochs":
// histories move the clock only in steps much longer than the one-minute window,
// and a history runs in far less than a minute of wall time, so joins count
// against the limit exactly when they were made since the last clock move.

export type CampaignStatus = "active" | "locked" | "fulfilled" | "expired" | "cancelled";
export type ParticipantStatus = "pending_payment" | "paid" | "confirmed" | "cancelled" | "refunded";
export type RefundReason = "campaign_expired" | "campaign_cancelled" | "late_payment" | "participation_cancelled";
export type EntryStatus = "waiting" | "offered" | "left" | "closed";
export type NotificationResult =
  | "paid" | "amount_mismatch" | "late_payment" | "already_paid" | "unknown_participation" | "duplicate";

export const SQLSTATE = {
  VALIDATION_FAILED: "SB003",
  CAMPAIGN_NOT_FOUND: "SB011",
  PARTICIPATION_NOT_FOUND: "SB012",
  REFUND_NOT_FOUND: "SB014",
  CAMPAIGN_FULL: "SB021",
  CAMPAIGN_CLOSED: "SB022",
  ALREADY_JOINED: "SB023",
  PARTICIPATION_FINAL: "SB024",
  WAITLIST_ENTRY_NOT_FOUND: "SB015",
  BUYER_LIMIT_EXCEEDED: "SB042",
  WAITLIST_ENTRY_FINAL: "SB061",
  CAMPAIGN_ALREADY_EXTENDED: "SB062",
  DEADLINE_PASSED: "SB030",
  SLOTS_INSUFFICIENT: "SB040",
  REFUND_FINAL: "SB060",
  RATE_LIMITED: "SB050",
} as const;
export type Sqlstate = (typeof SQLSTATE)[keyof typeof SQLSTATE];

export interface ModelCampaign {
  totalSlots: number;
  filledSlots: number;
  price: number;
  /** Minutes from the start of the history. */
  deadline: number;
  status: CampaignStatus;
  /** Payment window in minutes, or null (no window: nothing is collected). */
  window: number | null;
  /** The campaign rules: kept slots that succeed at the deadline, price tiers, cap per buyer. */
  minSlots: number;
  tiers: Tier[] | null;
  cap: number | null;
  extended: boolean;
}

export interface Tier { upToSlot: number; price: number }

/** buckets: slot_buckets, invisible in every outcome; only its combination with tiers is refused. */
export interface CampaignRules { minSlots?: number | null; tiers?: Tier[] | null; cap?: number | null; buckets?: number }

export interface ModelEntry {
  campaign: number;
  user: number;
  quantity: number;
  status: EntryStatus;
  /** The participation its offer became. */
  participant: number | null;
}

export interface ModelParticipant {
  campaign: number;
  user: number;
  quantity: number;
  amount: number;
  status: ParticipantStatus;
  /** The clock epoch (number of clock moves so far) it was created in. */
  epoch: number;
  /** Minutes from the start of the history; null without a window. */
  dueAt: number | null;
  paidAmount: number | null;
  /** The provider transaction it was paid by ("manual" by hand). */
  paidRef: string | null;
}

export interface ModelRefund {
  participant: number;
  reason: RefundReason;
  amount: number;
  status: "pending" | "succeeded" | "failed";
  /** The late payment's transaction, for late_payment refunds. */
  txn: string | null;
}

export type Outcome<T = undefined> = { ok: true; value: T } | { ok: false; code: Sqlstate };

export interface LifecycleSummary {
  released: number;
  fulfilled: number;
  expired: number;
  confirmed: number;
  refunded: number;
  more: boolean;
}

const ACTIVE_PARTICIPATION: ParticipantStatus[] = ["pending_payment", "paid", "confirmed"];
const fail = (code: Sqlstate): { ok: false; code: Sqlstate } => ({ ok: false, code });
const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });

export class SambatanModel {
  /** Current clock in minutes from the start of the history. */
  now = 0;
  epoch = 0;
  readonly campaigns: ModelCampaign[] = [];
  readonly participants: ModelParticipant[] = [];
  readonly refunds: ModelRefund[] = [];
  readonly entries: ModelEntry[] = [];
  /** Notifications stored, by transaction and status word: a redelivery changes nothing. */
  readonly events = new Set<string>();

  /** rateLimit: successful joins per user per minute; 0 switches the limit off. */
  constructor(readonly rateLimit: number) {}

  advance(minutes: number): void {
    if (minutes < 2) throw new Error("clock moves must outlast the one-minute rate window");
    this.now += minutes;
    this.epoch += 1;
  }

  /** create_campaign as a manager; returns the new campaign's index. */
  createCampaign(totalSlots: number, price: number, deadline: number, window: number | null = null, rules: CampaignRules = {}): Outcome<number> {
    if (deadline <= this.now) return fail(SQLSTATE.VALIDATION_FAILED);
    if ((rules.buckets ?? 1) > 1 && rules.tiers) return fail(SQLSTATE.VALIDATION_FAILED);
    this.campaigns.push({
      totalSlots, filledSlots: 0, price, deadline, status: "active", window,
      minSlots: rules.minSlots ?? totalSlots, tiers: rules.tiers ?? null, cap: rules.cap ?? null, extended: false,
    });
    return ok(this.campaigns.length - 1);
  }

  /**
   * join_campaign by buyer `user`; campaign indexes outside the list stand for an
   * unknown campaign id. Returns the new participant's index.
   */
  join(user: number, campaign: number, quantity: number, waitlist = false): Outcome<{ participant: number } | { entry: number }> {
    if (quantity < 1 || quantity > 100_000) return fail(SQLSTATE.VALIDATION_FAILED);
    if (this.rateLimit > 0) {
      const recent = this.participants.filter((p) => p.user === user && p.epoch === this.epoch).length;
      if (recent >= this.rateLimit) return fail(SQLSTATE.RATE_LIMITED);
    }
    // Checked before the slot claim, so it wins over FULL/CLOSED/DEADLINE; a waiting
    // entry holds the buyer's place as a participation does.
    if (this.participants.some((p) => p.campaign === campaign && p.user === user && ACTIVE_PARTICIPATION.includes(p.status)) ||
      this.entries.some((e) => e.campaign === campaign && e.user === user && e.status === "waiting")) {
      return fail(SQLSTATE.ALREADY_JOINED);
    }
    const c = this.campaigns[campaign];
    if (!c) return fail(SQLSTATE.CAMPAIGN_NOT_FOUND);
    if (c.cap !== null && quantity > c.cap) return fail(SQLSTATE.BUYER_LIMIT_EXCEEDED);
    if (c.status === "active" && c.deadline > this.now && c.filledSlots + quantity <= c.totalSlots) {
      return ok({ participant: this.claim(campaign, user, quantity) });
    }
    if (waitlist && (c.status === "active" || c.status === "locked") && c.deadline > this.now && quantity <= c.totalSlots) {
      this.entries.push({ campaign, user, quantity, status: "waiting", participant: null });
      return ok({ entry: this.entries.length - 1 });
    }
    if (c.status === "locked") return fail(SQLSTATE.CAMPAIGN_FULL);
    if (c.status !== "active") return fail(SQLSTATE.CAMPAIGN_CLOSED);
    if (c.deadline <= this.now) return fail(SQLSTATE.DEADLINE_PASSED);
    return fail(SQLSTATE.SLOTS_INSUFFICIENT);
  }

  /** The price of slots filled+1 … filled+quantity, each at its tier (or the flat price). */
  priceOf(campaign: number, quantity: number): number {
    const c = this.campaigns[campaign];
    if (c.tiers === null) return quantity * c.price;
    let amount = 0;
    for (let slot = c.filledSlots + 1; slot <= c.filledSlots + quantity; slot++) {
      amount += c.tiers.find((t) => slot <= t.upToSlot)!.price;
    }
    return amount;
  }

  /** Claims slots for a new pending participation; returns its index. */
  private claim(campaign: number, user: number, quantity: number): number {
    const c = this.campaigns[campaign];
    const amount = this.priceOf(campaign, quantity);
    c.filledSlots += quantity;
    if (c.filledSlots === c.totalSlots) c.status = "locked";
    this.participants.push({
      campaign, user, quantity, amount, status: "pending_payment", epoch: this.epoch,
      dueAt: c.window === null ? null : this.now + c.window, paidAmount: null, paidRef: null,
    });
    return this.participants.length - 1;
  }

  /** Free slots go to the earliest waiting entries that fit, in order; returns how many were offered. */
  private offer(campaign: number): number {
    const c = this.campaigns[campaign];
    if (c.status !== "active" || c.deadline <= this.now) return 0;
    let n = 0;
    for (const e of this.entries) {
      if (e.campaign !== campaign || e.status !== "waiting") continue;
      if (c.filledSlots === c.totalSlots) break;
      if (e.quantity > c.totalSlots - c.filledSlots) continue;
      e.participant = this.claim(campaign, e.user, e.quantity);
      e.status = "offered";
      n++;
    }
    return n;
  }

  private closeEntries(campaign: number): void {
    for (const e of this.entries) if (e.campaign === campaign && e.status === "waiting") e.status = "closed";
  }

  /** leave_waitlist by buyer `user`; indexes outside the list stand for an unknown id. */
  leave(user: number, entry: number): Outcome {
    const e = this.entries[entry];
    if (!e || e.user !== user) return fail(SQLSTATE.WAITLIST_ENTRY_NOT_FOUND);
    if (e.status !== "waiting") return fail(SQLSTATE.WAITLIST_ENTRY_FINAL);
    e.status = "left";
    return ok(undefined);
  }

  /** cancel_campaign by a manager: unpaid cancelled, paid refunded (campaign_cancelled), entries closed. */
  cancelCampaign(campaign: number): Outcome {
    const c = this.campaigns[campaign];
    if (!c) return fail(SQLSTATE.CAMPAIGN_NOT_FOUND);
    if (!this.isOpen(c)) return fail(SQLSTATE.CAMPAIGN_CLOSED);
    c.status = "cancelled";
    this.participants.forEach((p, i) => {
      if (p.campaign !== campaign) return;
      if (p.status === "paid") {
        p.status = "refunded";
        this.owe(i, "campaign_cancelled", p.paidAmount!);
      } else if (p.status === "pending_payment") {
        p.status = "cancelled";
        c.filledSlots -= p.quantity;
      }
    });
    this.closeEntries(campaign);
    return ok(undefined);
  }

  /** extend_campaign by a manager: `by` minutes later, once, at most 30 days, while open and before the deadline. */
  extend(campaign: number, by: number): Outcome {
    const c = this.campaigns[campaign];
    if (!c) return fail(SQLSTATE.CAMPAIGN_NOT_FOUND);
    if (!this.isOpen(c) || c.deadline <= this.now) return fail(SQLSTATE.CAMPAIGN_CLOSED);
    if (c.extended) return fail(SQLSTATE.CAMPAIGN_ALREADY_EXTENDED);
    if (by <= 0 || by > 30 * 24 * 60) return fail(SQLSTATE.VALIDATION_FAILED);
    c.deadline += by;
    c.extended = true;
    return ok(undefined);
  }

  /**
   * cancel_participation by buyer `actor` (or a manager when actor is "manager");
   * participant indexes outside the list stand for an unknown id.
   */
  cancel(actor: number | "manager", participant: number): Outcome {
    const p = this.participants[participant];
    // Another buyer's participation is reported as missing.
    if (!p || (actor !== "manager" && p.user !== actor)) return fail(SQLSTATE.PARTICIPATION_NOT_FOUND);
    if (p.status !== "pending_payment" && p.status !== "paid") return fail(SQLSTATE.PARTICIPATION_FINAL);
    const c = this.campaigns[p.campaign];
    // An active campaign may be cancelled from even past its deadline (until the
    // lifecycle expires it); a locked one only while its deadline is ahead.
    if (!(c.status === "active" || (c.status === "locked" && c.deadline > this.now))) {
      return fail(SQLSTATE.CAMPAIGN_CLOSED);
    }
    if (p.status === "paid") {
      // A paid participation is refunded what it paid.
      p.status = "refunded";
      this.owe(participant, "participation_cancelled", p.paidAmount!);
    } else {
      p.status = "cancelled";
    }
    c.filledSlots -= p.quantity;
    c.status = "active";
    this.offered += this.offer(p.campaign);
    return ok(undefined);
  }

  /** Offers made so far (for the test's tally). */
  offered = 0;

  /**
   * A provider's `paid` notification for participant index `participant` (outside
   * the list: an unknown order id) with transaction `txn` and status word `word`.
   */
  notifyPaid(participant: number, txn: string, word: string, amount: number): NotificationResult {
    const key = `${txn}|${word}`;
    if (this.events.has(key)) return "duplicate";
    this.events.add(key);
    const p = this.participants[participant];
    if (!p) return "unknown_participation";
    if (p.paidRef === txn) return "already_paid";
    if (this.refunds.some((r) => r.participant === participant && r.txn === txn)) return "already_paid";
    const c = this.campaigns[p.campaign];
    if (p.status === "pending_payment" && (c.status === "active" || c.status === "locked")) {
      if (amount !== p.amount) return "amount_mismatch";
      this.markPaid(p, txn);
      return "paid";
    }
    this.owe(participant, "late_payment", amount, txn);
    return "late_payment";
  }

  /** confirm_payment by a manager. */
  confirmPayment(participant: number): Outcome {
    const p = this.participants[participant];
    if (!p) return fail(SQLSTATE.PARTICIPATION_NOT_FOUND);
    if (p.status !== "pending_payment") return fail(SQLSTATE.PARTICIPATION_FINAL);
    const c = this.campaigns[p.campaign];
    if (c.status !== "active" && c.status !== "locked") return fail(SQLSTATE.CAMPAIGN_CLOSED);
    this.markPaid(p, "manual");
    return ok(undefined);
  }

  /** complete_refund by a manager; indexes outside the list stand for an unknown id. */
  completeRefund(refund: number, status: "succeeded" | "failed"): Outcome {
    const r = this.refunds[refund];
    if (!r) return fail(SQLSTATE.REFUND_NOT_FOUND);
    if (r.status !== "pending") return fail(SQLSTATE.REFUND_FINAL);
    r.status = status;
    return ok(undefined);
  }

  private markPaid(p: ModelParticipant, ref: string): void {
    p.status = "paid";
    p.paidAmount = p.amount;
    p.paidRef = ref;
  }

  private owe(participant: number, reason: RefundReason, amount: number, txn: string | null = null): void {
    this.refunds.push({ participant, reason, amount, status: "pending", txn });
  }

  /** Unpaid participations of an open campaign whose window has passed. */
  private due(campaign: number): ModelParticipant[] {
    return this.participants.filter((p) =>
      p.campaign === campaign && p.status === "pending_payment" && p.dueAt !== null && p.dueAt <= this.now
    );
  }

  private isOpen(c: ModelCampaign): boolean {
    return c.status === "active" || c.status === "locked";
  }

  /** A locked campaign may be fulfilled: without a window, or with nothing unpaid in it. */
  private fulfillable(i: number): boolean {
    const c = this.campaigns[i];
    return c.status === "locked" &&
      (c.window === null || !this.participants.some((p) => p.campaign === i && p.status === "pending_payment"));
  }

  /** One run_sambatan_lifecycle(batch): up to `batch` locked and up to `batch` overdue campaigns, earliest deadline first. */
  lifecycle(batch: number): LifecycleSummary {
    const byDeadline = (a: number, b: number) => this.campaigns[a].deadline - this.campaigns[b].deadline;
    const indexes = this.campaigns.map((_, i) => i);
    // (1) Release first: a campaign it reopens may expire or refill in the same run.
    let released = 0;
    const releasing = indexes.filter((i) => this.isOpen(this.campaigns[i]) && this.due(i).length > 0)
      .sort(byDeadline).slice(0, batch);
    for (const i of releasing) {
      for (const p of this.due(i)) {
        p.status = "cancelled";
        this.campaigns[i].filledSlots -= p.quantity;
        released++;
      }
      this.campaigns[i].status = "active";
    }
    for (const i of releasing) this.offered += this.offer(i);
    const full = indexes.filter((i) => this.fulfillable(i)).sort(byDeadline).slice(0, batch);
    const overdue = indexes
      .filter((i) => this.campaigns[i].status === "active" && this.campaigns[i].deadline <= this.now)
      .sort(byDeadline)
      .slice(0, batch);
    let confirmed = 0;
    let refunded = 0;
    // At the deadline a campaign that kept min_slots (paid, or held without a window) is fulfilled.
    const reached = (i: number) => {
      const c = this.campaigns[i];
      const kept = this.participants.filter((p) => p.campaign === i &&
        (p.status === "paid" || (p.status === "pending_payment" && c.window === null))).reduce((s, p) => s + p.quantity, 0);
      return c.minSlots < c.totalSlots && kept >= c.minSlots;
    };
    const minMet = overdue.filter(reached);
    for (const i of full) confirmed += this.fulfil(i);
    for (const i of minMet) confirmed += this.fulfil(i);
    for (const i of overdue.filter((i) => !minMet.includes(i))) refunded += this.expire(i);
    const more = indexes.some((i) =>
      this.fulfillable(i) || (this.campaigns[i].status === "active" && this.campaigns[i].deadline <= this.now) ||
      (this.isOpen(this.campaigns[i]) && this.due(i).length > 0)
    );
    return { released, fulfilled: full.length + minMet.length, expired: overdue.length - minMet.length, confirmed, refunded, more };
  }

  /** complete_sambatan_campaign (operator): fulfils an active or locked campaign now. */
  complete(campaign: number): Outcome<CampaignStatus> {
    const c = this.campaigns[campaign];
    if (!c) return fail(SQLSTATE.CAMPAIGN_NOT_FOUND);
    if (c.status !== "active" && c.status !== "locked") return fail(SQLSTATE.CAMPAIGN_CLOSED);
    this.fulfil(campaign);
    return ok(c.status);
  }

  /** fail_sambatan_campaign (operator): expires an active or locked campaign now and refunds it. */
  failCampaign(campaign: number): Outcome<CampaignStatus> {
    const c = this.campaigns[campaign];
    if (!c) return fail(SQLSTATE.CAMPAIGN_NOT_FOUND);
    if (c.status !== "active" && c.status !== "locked") return fail(SQLSTATE.CAMPAIGN_CLOSED);
    this.expire(campaign);
    return ok(c.status);
  }

  private fulfil(campaign: number): number {
    this.campaigns[campaign].status = "fulfilled";
    this.closeEntries(campaign);
    return this.settle(campaign, "confirmed");
  }

  /** filled_slots keeps how far the campaign got: refunds do not release slots. */
  private expire(campaign: number): number {
    this.campaigns[campaign].status = "expired";
    this.closeEntries(campaign);
    return this.settle(campaign, "refunded");
  }

  /**
   * Paid participations, and pending ones without a window, go to `to` (a refund
   * owed for what was paid when refunded); pending ones with a window are cancelled
   * and their slots released. Returns how many went to `to`.
   */
  private settle(campaign: number, to: ParticipantStatus): number {
    const c = this.campaigns[campaign];
    let n = 0;
    this.participants.forEach((p, i) => {
      if (p.campaign !== campaign || (p.status !== "pending_payment" && p.status !== "paid")) return;
      if (p.status === "pending_payment" && c.window !== null) {
        p.status = "cancelled";
        c.filledSlots -= p.quantity;
        return;
      }
      if (p.status === "paid" && to === "refunded") this.owe(i, "campaign_expired", p.paidAmount!);
      p.status = to;
      n++;
    });
    return n;
  }
}
