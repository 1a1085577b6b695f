// One campaign: live progress, its participants (payment state, due times) with the
// manager's actions, its waiting list in queue order and its audit trail; cancel and
// extend while it is open.

import { call, liveCampaigns } from "../api.js";
import { announce, field, formDialog, h, select, showError, table } from "../dom.js";
import { isoToWibInput, number, rupiah, statusLabel, t, wib, wibInputToIso } from "../i18n.js";
import { PARTICIPATION_STATUSES, WAITLIST_STATUSES } from "../statuses.js";
import { badge, pager, progressBar, updateProgress } from "../widgets.js";

export async function render(root, ctx) {
  const id = ctx.params[0];
  let c = await call("campaign-get", { query: { id } });
  const bar = progressBar(c);
  const statusCell = h("span", {}, badge(c.status));
  const facts = h("dl", { class: "cards", id: "campaign-facts" });
  const drawFacts = () => facts.replaceChildren(...[
    [t("status"), statusCell],
    [t("progress"), bar],
    [t("pricePerSlot"), rupiah(c.price_per_slot)],
    [t("deadline"), wib(c.deadline)],
    [t("paymentWindow"), c.payment_window_minutes ?? "—"],
    [statusLabel("paid"), `${number(c.progress.paid_slots)} · ${rupiah(c.progress.amount_paid)}`],
    [statusLabel("refunds_pending"), rupiah(c.progress.refunds_pending)],
  ].map(([label, value]) => h("div", { class: "card" }, h("dt", {}, label), h("dd", {}, value))));
  drawFacts();

  // A manager's action changes the figures, the rows and the trail: reload all three.
  const reload = async () => {
    c = await call("campaign-get", { query: { id } });
    updateProgress(bar, c);
    statusCell.replaceChildren(badge(c.status));
    drawFacts();
    await Promise.all([people.load(), trail.load(), queue.load()]);
  };
  const people = participants(c, reload);
  const trail = audit(c);
  const queue = waitlist(c);

  const actions = h("div", { class: "buttons" });
  if (ctx.features.has("campaign-cancel") && ["active", "locked"].includes(c.status)) {
    actions.append(h("button", { type: "button", class: "danger", onclick: () => cancelCampaign(c, ctx) }, t("cancelCampaign")));
  }
  if (ctx.features.has("campaign-extend") && ["active", "locked"].includes(c.status)) {
    actions.append(h("button", { type: "button", onclick: () => extendCampaign(c, ctx) }, t("extendCampaign")));
  }

  root.append(
    h("p", {}, h("a", { href: "#/campaigns" }, `← ${t("campaigns")}`)),
    h("h1", { tabindex: "-1" }, c.title),
    facts, actions,
    people.section,
    queue.section,
    trail.section);
  await Promise.all([people.load(), trail.load(), queue.load()]);

  const apply = async (row) => {
    if (row.id !== c.id) return;
    const changed = row.filled_slots !== c.filled_slots || row.status !== c.status;
    if (!changed) return;
    await reload();
    announce(`${t("campaignProgress", { title: c.title, filled: c.filled_slots, total: c.total_slots })} · ${statusLabel(c.status)}`);
  };
  return liveCampaigns(apply, async () => apply(await call("campaign-get", { query: { id } })));
}

function participants(c, reload) {
  let status = "";
  const box = h("div", { id: "participants" });
  const columns = [
    { label: t("buyer"), cell: (p) => h("code", { title: p.user_id }, p.user_id.slice(0, 8)) },
    { label: t("status"), cell: (p) => badge(p.status) },
    { label: t("quantity"), cell: (p) => number(p.quantity) },
    { label: t("amount"), cell: (p) => rupiah(p.amount) },
    { label: t("dueAt"), cell: (p) => wib(p.payment_due_at) },
    { label: t("paidAt"), cell: (p) => (p.paid_at ? `${wib(p.paid_at)} · ${p.payment_provider ?? ""}` : "—") },
    { label: t("joinedAt"), cell: (p) => wib(p.created_at) },
    { label: t("actions"), cell: (p) => participantActions(p, reload) },
  ];
  const rows = [];
  const list = pager(async (cursor) => {
    if (!cursor) rows.length = 0;
    const page = await call("participants-list", { query: { campaign_id: c.id, status, limit: 50, cursor } });
    rows.push(...page.items);
    box.replaceChildren(table(t("participants"), columns, rows, { id: "participants-table" }));
    return page.next_cursor;
  });
  const filter = select("status", [["", t("all")], ...PARTICIPATION_STATUSES.map((s) => [s, statusLabel(s)])], status);
  filter.addEventListener("change", () => {
    status = filter.value;
    list.first().catch(showError);
  });
  const section = h("section", { "aria-labelledby": "participants-title" },
    h("h2", { id: "participants-title" }, t("participants")),
    h("form", { class: "inline", role: "search", "aria-label": `${t("participants")} · ${t("filter")}`, onsubmit: (e) => e.preventDefault() }, field(t("status"), filter)),
    box, list.button);
  return { section, load: () => list.first() };
}

/** Mark paid (payment-confirm) and cancel (participation-cancel), for what each status allows. */
export function participantActions(p, reload) {
  const buttons = h("div", { class: "buttons" });
  if (p.status === "pending_payment") {
    buttons.append(h("button", {
      type: "button", class: "primary", "aria-label": `${t("markPaid")} ${p.id.slice(0, 8)}`,
      onclick: async () => {
        const values = await formDialog(t("markPaid"), [field(t("reference"), h("input", { name: "reference", required: true, maxlength: 200 }))], t("markPaid"));
        if (!values) return;
        try {
          await call("payment-confirm", { body: { participation_id: p.id, reference: values.reference.trim() } });
          announce(t("paidDone"));
          await reload();
        } catch (err) {
          showError(err);
        }
      },
    }, t("markPaid")));
  }
  if (p.status === "pending_payment" || p.status === "paid") {
    buttons.append(h("button", {
      type: "button", class: "danger", "aria-label": `${t("cancelParticipation")} ${p.id.slice(0, 8)}`,
      onclick: async () => {
        const values = await formDialog(t("cancelParticipation"), [field(t("reason"), h("textarea", { name: "reason", maxlength: 500, rows: 3 }))], t("cancelParticipation"));
        if (!values) return;
        try {
          await call("participation-cancel", { body: { participation_id: p.id, reason: values.reason.trim() || null } });
          announce(t("cancelledDone"));
          await reload();
        } catch (err) {
          showError(err);
        }
      },
    }, t("cancelParticipation")));
  }
  return buttons;
}

/** The campaign's waiting list (campaign-waitlist), oldest first: the order slots are offered in. */
function waitlist(c) {
  let status = "";
  const box = h("div", { id: "waitlist" });
  const rows = [];
  const list = pager(async (cursor) => {
    if (!cursor) rows.length = 0;
    const page = await call("campaign-waitlist", { query: { campaign_id: c.id, status, limit: 50, cursor } });
    rows.push(...page.items);
    box.replaceChildren(table(t("waitlist"), [
      { label: "#", cell: (e) => (e.position === null ? "—" : number(e.position)) },
      { label: t("buyer"), cell: (e) => h("code", { title: e.user_id }, e.user_id.slice(0, 8)) },
      { label: t("quantity"), cell: (e) => number(e.quantity) },
      { label: t("status"), cell: (e) => badge(e.status) },
      { label: t("joinedAt"), cell: (e) => wib(e.created_at) },
    ], rows, { id: "waitlist-table" }));
    return page.next_cursor;
  });
  const filter = select("status", [["", t("all")], ...WAITLIST_STATUSES.map((s) => [s, statusLabel(s)])], status);
  filter.addEventListener("change", () => {
    status = filter.value;
    list.first().catch(showError);
  });
  const section = h("section", { "aria-labelledby": "waitlist-title" },
    h("h2", { id: "waitlist-title" }, t("waitlist")),
    h("form", { class: "inline", role: "search", "aria-label": `${t("waitlist")} · ${t("filter")}`, onsubmit: (e) => e.preventDefault() }, field(t("status"), filter)),
    box, list.button);
  return { section, load: () => list.first() };
}

function audit(c) {
  const box = h("div", { id: "audit" });
  const rows = [];
  const list = pager(async (cursor) => {
    if (!cursor) rows.length = 0;
    const page = await call("campaign-audit", { query: { campaign_id: c.id, limit: 50, cursor } });
    rows.push(...page.items);
    box.replaceChildren(table(t("audit"), [
      { label: t("time"), cell: (e) => wib(e.created_at) },
      { label: t("event"), cell: (e) => h("code", {}, e.event) },
      { label: t("actor"), cell: (e) => (e.actor ? h("code", { title: e.actor }, e.actor.slice(0, 8)) : e.actor_role ?? "—") },
      { label: t("details"), cell: (e) => h("code", { class: "muted" }, JSON.stringify(e.metadata)) },
    ], rows, { id: "audit-table" }));
    return page.next_cursor;
  });
  const section = h("section", { "aria-labelledby": "audit-title" }, h("h2", { id: "audit-title" }, t("audit")), box, list.button);
  return { section, load: () => list.first() };
}

async function cancelCampaign(c, ctx) {
  const values = await formDialog(t("cancelCampaign"), [field(t("reason"), h("textarea", { name: "reason", required: true, maxlength: 500, rows: 3 }))], t("cancelCampaign"));
  if (!values) return;
  try {
    await call("campaign-cancel", { body: { campaign_id: c.id, reason: values.reason.trim() } });
    announce(t("cancelledDone"));
    ctx.refresh();
  } catch (err) {
    showError(err);
  }
}

async function extendCampaign(c, ctx) {
  const input = h("input", { name: "deadline", type: "datetime-local", required: true, value: isoToWibInput(c.deadline) });
  const values = await formDialog(t("extendCampaign"), [field(t("newDeadline"), input)], t("extendCampaign"));
  if (!values) return;
  try {
    await call("campaign-extend", { body: { campaign_id: c.id, deadline: wibInputToIso(values.deadline) } });
    announce(t("extendedDone"));
    ctx.refresh();
  } catch (err) {
    showError(err);
  }
}
