// Webhooks and their deliveries, offered once the backend serves webhooks-list (the
// notifications work); redeliver where it serves webhook-redeliver.

import { call } from "../api.js";
import { announce, h, showError, table } from "../dom.js";
import { t, wib } from "../i18n.js";
import { badge } from "../widgets.js";

export async function render(root, ctx) {
  const page = await call("webhooks-list", { query: { limit: 50 } });
  const canRedeliver = ctx.features.has("webhook-redeliver");
  root.append(h("h1", { tabindex: "-1" }, t("webhooks")), table(t("deliveries"), [
    { label: t("time"), cell: (d) => wib(d.created_at) },
    { label: t("event"), cell: (d) => h("code", {}, d.event ?? d.url ?? d.id) },
    { label: t("status"), cell: (d) => badge(d.status ?? "pending") },
    { label: t("actions"), cell: (d) => (canRedeliver ? h("button", {
      type: "button",
      onclick: async () => {
        try {
          await call("webhook-redeliver", { body: { delivery_id: d.id } });
          announce(t("saved"));
        } catch (err) {
          showError(err);
        }
      },
    }, t("redeliver")) : "—") },
  ], page.items ?? []));
}
