// Sign-in: Supabase Auth (email + password, or a magic link) on Supabase; on the local
// stack a development sign-in instead, which it alone offers and labels as local only.

import * as api from "../api.js";
import { announce, field, h, showError } from "../dom.js";
import { t } from "../i18n.js";

export async function render(root, ctx) {
  const config = api.getConfig();
  const parts = [h("h1", { tabindex: "-1" }, t("signInTitle"))];
  if (api.currentUser() && !api.isManager()) parts.push(h("p", { class: "note" }, t("notManager")));

  if (config.devSignIn) {
    parts.push(h("section", { "aria-labelledby": "dev-title", class: "signin" },
      h("h2", { id: "dev-title" }, t("devSignIn")),
      h("p", { class: "note", id: "dev-note" }, t("devSignInNote")),
      h("button", {
        type: "button", class: "primary", id: "dev-sign-in", "aria-describedby": "dev-note",
        onclick: async () => {
          try {
            await api.devSignIn();
            ctx.refresh();
          } catch (err) {
            showError(err);
          }
        },
      }, t("devSignInButton")),
      h("p", { class: "muted" }, t("emailNeedsSupabase"))));
    root.append(...parts);
    return;
  }

  const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const passwordForm = h("form", {
    class: "signin",
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api.signInWithPassword(email.value, password.value);
        ctx.refresh();
      } catch (err) {
        showError(err);
      }
    },
  }, field(t("email"), email), field(t("password"), password), h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, t("signInPassword"))));

  const magicEmail = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
  const magicForm = h("form", {
    class: "signin",
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api.signInWithMagicLink(magicEmail.value);
        announce(t("magicSent", { email: magicEmail.value }));
      } catch (err) {
        showError(err);
      }
    },
  }, h("h2", {}, t("orMagic")), field(t("email"), magicEmail), h("div", { class: "buttons" }, h("button", { type: "submit" }, t("magicLink"))));
  root.append(...parts, passwordForm, magicForm);
}
