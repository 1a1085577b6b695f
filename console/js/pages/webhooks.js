// Webhooks: the shop's endpoints (create, with the signing secret shown once; active
// toggle; delete) and their deliveries, filtered by endpoint, status and event type,
// each with its redelivery.

import { call } from "../api.js";
import { announce, field, h, select, showError, table } from "../dom.js";
import { number, statusLabel, t, wib } from "../i18n.js";
import { NOTIFICATION_EVENT_TYPES, WEBHOOK_DELIVERY_STATUSES } from "../statuses.js";
import { badge, pager } from "../widgets.js";

export async function render(root) {
  const endpointsBox = h("div", { id: "endpoints" });
  const secretBox = h("div", { id: "secret-box", "aria-live": "polite" });
  const deliveriesBox = h("div", { id: "deliveries" });
  const filters = { endpoint_id: "", status: "", event_type: "" };
  let endpoints = [];

  const endpointSelect = h("select", { name: "endpoint_id" });
  const loadEndpoints = async () => {
    endpoints = (await call("webhooks-list")).items;
    endpointsBox.replaceChildren(table(t("endpoints"), [
      { label: t("url"), cell: (e) => h("span", {}, h("code", {}, e.url), e.description ? h("br") : null, e.description ? h("small", { class: "muted" }, e.description) : null) },
      { label: t("events"), cell: (e) => h("small", {}, e.event_types.join(", ")) },
      { label: t("status"), cell: (e) => h("span", { class: `badge ${e.active ? "on" : "off"}` }, e.active ? t("enabled") : t("paused")) },
      { label: t("actions"), cell: (e) => h("div", { class: "buttons" },
        h("button", {
          type: "button", "aria-label": `${e.active ? t("deactivate") : t("activate")} ${e.url}`,
          onclick: () => act(() => call("webhooks-update", { body: { endpoint_id: e.id, active: !e.active } }), t("saved")),
        }, e.active ? t("deactivate") : t("activate")),
        h("button", {
          type: "button", class: "danger", "aria-label": `${t("delete")} ${e.url}`,
          onclick: () => confirm(t("deleteEndpointConfirm", { url: e.url })) && act(() => call("webhooks-delete", { body: { endpoint_id: e.id } }), t("deleted")),
        }, t("delete"))) },
    ], endpoints, { id: "endpoints-table" }));
    endpointSelect.replaceChildren(...[["", t("all")], ...endpoints.map((e) => [e.id, e.url])].map(([v, l]) => h("option", { value: v, selected: v === filters.endpoint_id }, l)));
  };

  const rows = [];
  const deliveries = pager(async (cursor) => {
    if (!cursor) rows.length = 0;
    const page = await call("webhook-deliveries", { query: { ...filters, limit: 50, cursor } });
    rows.push(...page.items);
    const urlOf = (id) => endpoints.find((e) => e.id === id)?.url ?? id.slice(0, 8);
    deliveriesBox.replaceChildren(table(t("deliveries"), [
      { label: "#", cell: (d) => number(d.id) },
      { label: t("event"), cell: (d) => h("code", {}, d.event_type) },
      { label: t("endpoint"), cell: (d) => h("code", {}, urlOf(d.endpoint_id)) },
      { label: t("status"), cell: (d) => badge(d.status) },
      { label: t("attempt"), cell: (d) => number(d.attempts) },
      { label: t("lastAnswer"), cell: (d) => d.last_response_code ?? d.last_error ?? "—" },
      { label: t("time"), cell: (d) => wib(d.created_at) },
      { label: t("actions"), cell: (d) => h("button", {
        type: "button", "aria-label": `${t("redeliver")} #${d.id}`,
        onclick: () => act(() => call("webhook-redeliver", { body: { delivery_id: d.id } }), (r) => t("redelivered", { count: r.redelivered })),
      }, t("redeliver")) },
    ], rows, { id: "deliveries-table" }));
    return page.next_cursor;
  });

  const act = async (fn, message) => {
    try {
      const said = await fn();
      announce(typeof message === "function" ? message(said) : message);
    } catch (err) {
      showError(err);
    }
    await loadEndpoints().then(() => deliveries.first()).catch(showError);
  };

  const statusSelect = select("status", [["", t("all")], ...WEBHOOK_DELIVERY_STATUSES.map((s) => [s, statusLabel(s)])], "");
  const eventSelect = select("event_type", [["", t("all")], ...NOTIFICATION_EVENT_TYPES.map((e) => [e, e])], "");
  const filterForm = h("form", {
    class: "inline", role: "search", "aria-label": `${t("deliveries")} · ${t("filter")}`,
    onsubmit: (e) => {
      e.preventDefault();
      Object.assign(filters, { endpoint_id: endpointSelect.value, status: statusSelect.value, event_type: eventSelect.value });
      deliveries.first().catch(showError);
    },
  }, field(t("endpoint"), endpointSelect), field(t("status"), statusSelect), field(t("event"), eventSelect), h("button", { type: "submit" }, t("filter")));

  root.append(
    h("h1", { tabindex: "-1" }, t("webhooks")),
    h("section", { "aria-labelledby": "endpoints-title" }, h("h2", { id: "endpoints-title" }, t("endpoints")),
      createForm((created) => {
        secretBox.replaceChildren(h("div", { class: "card secret", role: "status" },
          h("p", {}, h("strong", {}, t("secretOnce"))),
          h("code", { id: "webhook-secret" }, created.secret)));
        return act(async () => created, t("saved"));
      }),
      secretBox, endpointsBox),
    h("section", { "aria-labelledby": "deliveries-title" }, h("h2", { id: "deliveries-title" }, t("deliveries")), filterForm, deliveriesBox, deliveries.button));
  await loadEndpoints();
  await deliveries.first();
}

/** webhooks-create: a URL, the event types it wants, a description. */
function createForm(onCreated) {
  const url = h("input", { name: "url", type: "url", required: true, maxlength: 2000, placeholder: "https://" });
  const description = h("input", { name: "description", maxlength: 500 });
  const boxes = NOTIFICATION_EVENT_TYPES.map((e) => h("label", { class: "check" }, h("input", { type: "checkbox", name: "event_types", value: e, checked: e.startsWith("participation.") }), " ", h("code", {}, e)));
  const form = h("form", {
    id: "create-webhook", class: "inline",
    onsubmit: async (e) => {
      e.preventDefault();
      const event_types = boxes.map((b) => b.querySelector("input")).filter((i) => i.checked).map((i) => i.value);
      try {
        const created = await call("webhooks-create", { body: { url: url.value.trim(), event_types, ...(description.value.trim() ? { description: description.value.trim() } : {}) } });
        form.reset();
        await onCreated(created);
      } catch (err) {
        showError(err);
      }
    },
  },
  field(t("url"), url), field(t("description"), description),
  h("fieldset", { class: "events" }, h("legend", {}, t("events")), boxes),
  h("button", { type: "submit", class: "primary" }, t("createEndpoint")));
  return form;
}
