// A few DOM helpers (element builder, tables, dialogs, announcements): enough to keep
// pages short without a framework.

import { t } from "./i18n.js";

/** An element: `h("button", { type: "button", onclick }, "Simpan")`. Null/false children are dropped. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "class") el.className = value;
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name in el && typeof value !== "string") el[name] = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  el.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false).map((c) => (c instanceof Node ? c : String(c))));
  return el;
}

let ids = 0;
export const uid = (prefix = "id") => `${prefix}-${++ids}`;

/** A labelled form field; `control` gets the id the label points at. */
export function field(label, control, hint) {
  control.id ||= uid("f");
  const hintEl = hint ? h("small", { id: `${control.id}-hint`, class: "hint" }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: control.id }, label), control, hintEl);
}

/** A select of `options` ([value, label] pairs) with `value` chosen. */
export function select(name, options, value) {
  return h("select", { name }, options.map(([v, label]) => h("option", { value: v, selected: v === value }, label)));
}

/**
 * A table with a caption and header cells, wrapped in a focusable scroll region so a
 * wide table scrolls on a phone and by keyboard.
 */
export function table(caption, columns, rows, { empty = t("none"), id } = {}) {
  const captionId = uid("cap");
  const body = rows.length
    ? rows.map((row) => h("tr", {}, columns.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c.cell(row)) : h("td", { "data-label": c.label }, c.cell(row))))))
    : [h("tr", {}, h("td", { colspan: columns.length, class: "empty" }, empty))];
  return h("div", { class: "table-wrap", role: "region", "aria-labelledby": captionId, tabindex: "0", id },
    h("table", {},
      h("caption", { id: captionId }, caption),
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.label)))),
      h("tbody", {}, body)));
}

/** Says `message` politely to screen readers and shows it in the status line (a success clears an old error). */
export function announce(message) {
  clearError();
  const region = document.getElementById("status");
  region.textContent = "";
  // A fresh text node is read even when the same words come twice.
  requestAnimationFrame(() => (region.textContent = message));
}

/** Shows an error where everyone notices it (role=alert). */
export function showError(err) {
  const box = document.getElementById("alert");
  box.hidden = false;
  box.replaceChildren(h("strong", {}, `${t("error")}: `), err?.message ?? String(err), err?.code ? h("code", {}, ` ${err.code}`) : null,
    h("button", { type: "button", class: "link", onclick: () => (box.hidden = true) }, t("close")));
}
export function clearError() {
  const box = document.getElementById("alert");
  box.hidden = true;
  box.replaceChildren();
}

/**
 * A modal form in a native <dialog> (focus moves in, Escape closes, focus returns):
 * resolves to the form's values, or null when cancelled.
 */
export function formDialog(title, fields, submitLabel) {
  return new Promise((resolve) => {
    const titleId = uid("dlg");
    const opener = document.activeElement;
    const form = h("form", { method: "dialog" },
      h("h2", { id: titleId }, title),
      fields,
      h("div", { class: "buttons" },
        h("button", { type: "submit", value: "ok", class: "primary" }, submitLabel),
        h("button", { type: "button", onclick: () => dialog.close("cancel") }, t("cancel"))));
    const dialog = h("dialog", { "aria-labelledby": titleId }, form);
    dialog.addEventListener("close", () => {
      const values = dialog.returnValue === "ok" ? Object.fromEntries(new FormData(form)) : null;
      dialog.remove();
      opener?.focus?.();
      resolve(values);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
