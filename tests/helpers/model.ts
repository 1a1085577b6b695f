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
export type RefundReason = "campaign_expired" | "late_payment" | "participation_cancelled";
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
  createCampaign(totalSlots: number, price: number, deadline: number, window: number | null = null): Outcome<number> {
    if (deadline <= this.now) return fail(SQLSTATE.VALIDATION_FAILED);
    this.campaigns.push({ totalSlots, filledSlots: 0, price, deadline, status: "active", window });
    return ok(this.campaigns.length - 1);
  }

  /**
   * join_campaign by buyer `user`; campaign indexes outside the list stand for an
   * unknown campaign id. Returns the new participant's index.
   */
  join(user: number, campaign: number, quantity: number): Outcome<number> {
    if (quantity < 1 || quantity > 100_000) return fail(SQLSTATE.VALIDATION_FAILED);
    if (this.rateLimit > 0) {
      const recent = this.participants.filter((p) => p.user === user && p.epoch === this.epoch).length;
      if (recent >= this.rateLimit) return fail(SQLSTATE.RATE_LIMITED);
    }
    // Checked before the slot claim, so it wins over FULL/CLOSED/DEADLINE.
    if (this.participants.some((p) => p.campaign === campaign && p.user === user && ACTIVE_PARTICIPATION.includes(p.status))) {
      return fail(SQLSTATE.ALREADY_JOINED);
    }
    const c = this.campaigns[campaign];
    if (!c) return fail(SQLSTATE.CAMPAIGN_NOT_FOUND);
    if (c.status === "active" && c.deadline > this.now && c.filledSlots + quantity <= c.totalSlots) {
      c.filledSlots += quantity;
      if (c.filledSlots === c.totalSlots) c.status = "locked";
      this.participants.push({
        campaign, user, quantity, amount: quantity * c.price, status: "pending_payment", epoch: this.epoch,
        dueAt: c.window === null ? null : this.now + c.window, paidAmount: null, paidRef: null,
      });
      return ok(this.participants.length - 1);
    }
    if (c.status === "locked") return fail(SQLSTATE.CAMPAIGN_FULL);
    if (c.status !== "active") return fail(SQLSTATE.CAMPAIGN_CLOSED);
    if (c.deadline <= this.now) return fail(SQLSTATE.DEADLINE_PASSED);
    return fail(SQLSTATE.SLOTS_INSUFFICIENT);
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
    return ok(undefined);
  }

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
    const full = indexes.filter((i) => this.fulfillable(i)).sort(byDeadline).slice(0, batch);
    const overdue = indexes
      .filter((i) => this.campaigns[i].status === "active" && this.campaigns[i].deadline <= this.now)
      .sort(byDeadline)
      .slice(0, batch);
    let confirmed = 0;
    let refunded = 0;
    for (const i of full) confirmed += this.fulfil(i);
    for (const i of overdue) refunded += this.expire(i);
    const more = indexes.some((i) =>
      this.fulfillable(i) || (this.campaigns[i].status === "active" && this.campaigns[i].deadline <= this.now) ||
      (this.isOpen(this.campaigns[i]) && this.due(i).length > 0)
    );
    return { released, fulfilled: full.length, expired: overdue.length, confirmed, refunded, more };
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
    return this.settle(campaign, "confirmed");
  }

  /** filled_slots keeps how far the campaign got: refunds do not release slots. */
  private expire(campaign: number): number {
    this.campaigns[campaign].status = "expired";
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
