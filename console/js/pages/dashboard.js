// Dashboard: campaigns per status, fill rate, deadlines within a day, and the money.

import { call } from "../api.js";
import { h } from "../dom.js";
import { number, percent, rupiah, statusLabel, t, wib } from "../i18n.js";

const cards = (title, entries) =>
  h("section", { "aria-labelledby": title.id },
    h("h2", { id: title.id }, title.text),
    h("dl", { class: "cards" }, entries.map(([label, value, id]) => h("div", { class: "card", id }, h("dt", {}, label), h("dd", {}, value)))));

export async function render(root) {
  const s = await call("dashboard-summary");
  root.append(
    h("h1", { tabindex: "-1" }, t("dashboard")),
    h("p", { class: "muted" }, t("generatedAt", { time: wib(s.generated_at) })),
    cards({ id: "by-status", text: t("campaignsByStatus") },
      ["active", "locked", "fulfilled", "expired", "cancelled", "total"].map((k) => [statusLabel(k), number(s.campaigns[k] ?? 0), `count-${k}`])),
    cards({ id: "fill", text: t("progress") }, [
      [t("fillRate"), percent(s.fill_rate), "fill-rate"],
      [t("closingSoon"), number(s.closing_within_24h), "closing-soon"],
    ]),
    cards({ id: "money", text: t("amounts") },
      ["pending", "paid", "confirmed", "refunded", "refunds_pending"].map((k) => [statusLabel(k === "pending" ? "pending_payment" : k), rupiah(s.amounts[k]), `amount-${k}`])),
  );
}
