// Payments and refunds: what buyers still owe (mark paid), and what the shop owes back
// (record a refund paid out or failed).

import { call } from "../api.js";
import { announce, field, formDialog, h, select, showError, table } from "../dom.js";
import { number, rupiah, statusLabel, t, wib } from "../i18n.js";
import { REFUND_STATUSES } from "../statuses.js";
import { badge, pager } from "../widgets.js";
import { participantActions } from "./campaign.js";

export async function render(root) {
  const owed = pendingPayments();
  const back = refunds();
  root.append(h("h1", { tabindex: "-1" }, t("payments")), owed.section, back.section);
  await Promise.all([owed.load(), back.load()]);
}

const campaignLink = (id) => h("a", { href: `#/campaigns/${id}` }, id.slice(0, 8));

function pendingPayments() {
  const box = h("div", { id: "pending-payments" });
  const rows = [];
  const list = pager(async (cursor) => {
    if (!cursor) rows.length = 0;
    const page = await call("participants-list", { query: { status: "pending_payment", limit: 50, cursor } });
    rows.push(...page.items);
    box.replaceChildren(table(t("pendingPayments"), [
      { label: t("dueAt"), cell: (p) => wib(p.payment_due_at) },
      { label: t("campaign"), cell: (p) => campaignLink(p.campaign_id) },
      { label: t("buyer"), cell: (p) => h("code", { title: p.user_id }, p.user_id.slice(0, 8)) },
      { label: t("quantity"), cell: (p) => number(p.quantity) },
      { label: t("amount"), cell: (p) => rupiah(p.amount) },
      { label: t("actions"), cell: (p) => participantActions(p, () => list.first()) },
    ], rows, { id: "pending-table" }));
    return page.next_cursor;
  });
  return { section: h("section", { "aria-labelledby": "pending-title" }, h("h2", { id: "pending-title" }, t("pendingPayments")), box, list.button), load: () => list.first() };
}

function refunds() {
  let status = "pending";
  const box = h("div", { id: "refunds" });
  const rows = [];
  const list = pager(async (cursor) => {
    if (!cursor) rows.length = 0;
    const page = await call("refunds-list", { query: { status, limit: 50, cursor } });
    rows.push(...page.items);
    box.replaceChildren(table(t("refunds"), [
      { label: t("time"), cell: (r) => wib(r.created_at) },
      { label: t("campaign"), cell: (r) => campaignLink(r.campaign_id) },
      { label: t("buyer"), cell: (r) => h("code", { title: r.user_id }, r.user_id.slice(0, 8)) },
      { label: t("amount"), cell: (r) => rupiah(r.amount) },
      { label: t("refundReason"), cell: (r) => h("code", {}, r.reason) },
      { label: t("status"), cell: (r) => badge(r.status) },
      { label: t("actions"), cell: (r) => (r.status === "pending" ? h("button", { type: "button", onclick: () => complete(r) }, t("completeRefund")) : r.provider_reference ?? "—") },
    ], rows, { id: "refunds-table" }));
    return page.next_cursor;
  });
  const complete = async (r) => {
    const values = await formDialog(t("completeRefund"), [
      field(t("outcome"), select("status", [["succeeded", t("refundSucceeded")], ["failed", t("refundFailed")]], "succeeded")),
      field(t("reference"), h("input", { name: "reference", maxlength: 200 })),
    ], t("save"));
    if (!values) return;
    try {
      await call("refund-complete", { body: { refund_id: r.id, status: values.status, reference: values.reference.trim() || null } });
      announce(t("refundDone"));
      await list.first();
    } catch (err) {
      showError(err);
    }
  };
  const filter = select("status", [["", t("all")], ...REFUND_STATUSES.map((s) => [s, statusLabel(s)])], status);
  filter.addEventListener("change", () => {
    status = filter.value;
    list.first().catch(showError);
  });
  return {
    section: h("section", { "aria-labelledby": "refunds-title" },
      h("h2", { id: "refunds-title" }, t("refunds")),
      h("form", { class: "inline", role: "search", "aria-label": `${t("refunds")} · ${t("filter")}`, onsubmit: (e) => e.preventDefault() }, field(t("status"), filter)),
      box, list.button),
    load: () => list.first(),
  };
}
