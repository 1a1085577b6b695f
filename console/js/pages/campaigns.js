// Campaigns: filter by status and product, create one, and watch every bar fill live.

import { call, getConfig, liveCampaigns } from "../api.js";
import { announce, field, h, select, showError, table } from "../dom.js";
import { CAMPAIGN_STATUSES } from "../statuses.js";
import { isoToWibInput, rupiah, statusLabel, t, wib, wibInputToIso } from "../i18n.js";
import { badge, pager, progressBar, updateProgress } from "../widgets.js";

const filters = { status: "", product_id: "" };

export async function render(root, ctx) {
  const loaded = new Map(); // id → campaign, in list order
  const listBox = h("div", { id: "campaign-list" });
  const products = h("datalist", { id: "known-products" });

  const columns = [
    { label: t("title"), cell: (c) => h("a", { href: `#/campaigns/${c.id}` }, c.title) },
    { label: t("status"), cell: (c) => h("span", { class: "status-cell", dataset: { campaignId: c.id } }, badge(c.status)) },
    { label: t("progress"), cell: (c) => progressBar(c) },
    { label: t("pricePerSlot"), cell: (c) => rupiah(c.price_per_slot) },
    { label: t("deadline"), cell: (c) => wib(c.deadline) },
  ];
  const draw = () => {
    listBox.replaceChildren(table(t("campaigns"), columns, [...loaded.values()], { id: "campaigns-table" }));
    products.replaceChildren(...[...new Set([...loaded.values()].map((c) => c.product_id))].map((id) => h("option", { value: id })));
  };
  const query = () => ({ status: filters.status, product_id: filters.product_id });
  const list = pager(async (cursor) => {
    if (!cursor) loaded.clear();
    const page = await call("campaigns-list", { query: { ...query(), limit: 20, cursor } });
    for (const c of page.items) loaded.set(c.id, c);
    draw();
    return page.next_cursor;
  });

  // A changed row updates its bar and badge in place (focus and scroll stay put) and is announced.
  const apply = (row) => {
    const before = loaded.get(row.id);
    if (!before) return;
    const after = { ...before, ...row };
    loaded.set(row.id, after);
    const bar = listBox.querySelector(`.progress[data-campaign-id="${row.id}"]`);
    if (bar) updateProgress(bar, after);
    const cell = listBox.querySelector(`.status-cell[data-campaign-id="${row.id}"]`);
    if (cell && before.status !== after.status) cell.replaceChildren(badge(after.status));
    if (before.filled_slots !== after.filled_slots || before.status !== after.status) {
      announce(`${t("campaignProgress", { title: after.title, filled: after.filled_slots, total: after.total_slots })} · ${statusLabel(after.status)}`);
    }
  };
  const poll = async () => {
    if (loaded.size === 0) return;
    const page = await call("campaigns-list", { query: { ...query(), limit: Math.min(100, loaded.size) } });
    page.items.forEach(apply);
  };

  const status = select("status", [["", t("all")], ...CAMPAIGN_STATUSES.map((s) => [s, statusLabel(s)])], filters.status);
  const product = h("input", { name: "product_id", value: filters.product_id, list: "known-products", inputmode: "text", autocomplete: "off", pattern: "[0-9a-fA-F-]{36}" });
  const filterForm = h("form", {
    class: "inline", role: "search", "aria-label": t("filter"),
    onsubmit: async (e) => {
      e.preventDefault();
      filters.status = status.value;
      filters.product_id = product.value.trim();
      try {
        await list.first();
        announce(`${t("campaigns")}: ${loaded.size}`);
      } catch (err) {
        showError(err);
      }
    },
  }, field(t("status"), status), field(t("product"), product), h("button", { type: "submit" }, t("filter")));

  const config = getConfig();
  root.append(
    h("h1", { tabindex: "-1" }, t("campaigns")),
    h("p", { class: "muted" }, t("liveNote", { how: config.realtime ? t("liveRealtime") : t("livePolling", { seconds: config.pollMs / 1000 }) })),
    filterForm, products, listBox, list.button,
    createForm(ctx));
  await list.first();
  return liveCampaigns(apply, poll);
}

function createForm(ctx) {
  const inAWeek = isoToWibInput(new Date(Date.now() + 7 * 86_400_000).toISOString());
  const input = (name, attrs) => h("input", { name, required: true, ...attrs });
  const fields = {
    product_id: input("product_id", { list: "known-products", autocomplete: "off" }),
    title: input("title", { maxlength: 200 }),
    total_slots: input("total_slots", { type: "number", min: 1, max: 100000, step: 1, inputmode: "numeric" }),
    price_per_slot: input("price_per_slot", { type: "number", min: 1, step: 1, inputmode: "numeric" }),
    deadline: input("deadline", { type: "datetime-local", value: inAWeek }),
    payment_window_minutes: h("input", { name: "payment_window_minutes", type: "number", min: 5, max: 10080, step: 1, inputmode: "numeric" }),
    slot_buckets: h("input", { name: "slot_buckets", type: "number", min: 1, max: 64, step: 1, inputmode: "numeric" }),
  };
  const form = h("form", {
    class: "inline", id: "create-campaign",
    onsubmit: async (e) => {
      e.preventDefault();
      const body = {
        product_id: fields.product_id.value.trim(),
        title: fields.title.value.trim(),
        total_slots: Number(fields.total_slots.value),
        price_per_slot: Number(fields.price_per_slot.value),
        deadline: wibInputToIso(fields.deadline.value),
      };
      if (fields.payment_window_minutes.value) body.payment_window_minutes = Number(fields.payment_window_minutes.value);
      if (fields.slot_buckets.value) body.slot_buckets = Number(fields.slot_buckets.value);
      try {
        const created = await call("campaigns-create", { body });
        announce(t("created", { title: created.title }));
        ctx.navigate(`#/campaigns/${created.id}`);
      } catch (err) {
        showError(err);
      }
    },
  },
  field(t("product"), fields.product_id), field(t("title"), fields.title), field(t("totalSlots"), fields.total_slots),
  field(t("pricePerSlot"), fields.price_per_slot), field(t("deadline"), fields.deadline), field(t("paymentWindow"), fields.payment_window_minutes),
  field(t("slotBuckets"), fields.slot_buckets),
  h("button", { type: "submit", class: "primary" }, t("createCampaign")));
  return h("section", { "aria-labelledby": "create-title" }, h("h2", { id: "create-title" }, t("createCampaign")), form);
}
