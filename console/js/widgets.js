// Pieces several pages share: status badges, live progress bars, paging.

import { h } from "./dom.js";
import { number, statusLabel, t } from "./i18n.js";

export const badge = (status) => h("span", { class: `badge ${status}` }, statusLabel(status));

/** A native <progress> with its figures in words beside it; `updateProgress` changes both in place. */
export function progressBar(c) {
  const bar = h("div", { class: "progress", dataset: { campaignId: c.id } }, h("progress"), h("span"));
  updateProgress(bar, c);
  return bar;
}
export function updateProgress(bar, c) {
  const progress = bar.querySelector("progress");
  const words = t("slots", { filled: number(c.filled_slots), total: number(c.total_slots) });
  progress.max = c.total_slots;
  progress.value = c.filled_slots;
  progress.setAttribute("aria-label", t("campaignProgress", { title: c.title, filled: c.filled_slots, total: c.total_slots }));
  bar.dataset.filled = String(c.filled_slots);
  bar.querySelector("span").textContent = `${words} (${Math.round(Number(c.progress_percent ?? (100 * c.filled_slots) / c.total_slots))}%)`;
}

/** A "load more" button that appends the next page of a list; hidden on the last page. */
export function pager(load) {
  let cursor = null;
  const button = h("button", { type: "button", hidden: true }, t("loadMore"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      cursor = await load(cursor);
      button.hidden = !cursor;
    } finally {
      button.disabled = false;
    }
  });
  return {
    button,
    async first() {
      cursor = await load(null);
      button.hidden = !cursor;
    },
  };
}
