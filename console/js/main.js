// Boot, sign-in gate, navigation and the hash router. Each page is a module with
// `render(root, ctx)` that may answer a cleanup function (stops its live updates).

import * as api from "./api.js";
import { announce, clearError, h, showError } from "./dom.js";
import { currentLang, setLang, t } from "./i18n.js";
import * as dashboard from "./pages/dashboard.js";
import * as campaigns from "./pages/campaigns.js";
import * as campaign from "./pages/campaign.js";
import * as payments from "./pages/payments.js";
import * as scheduler from "./pages/scheduler.js";
import * as signin from "./pages/signin.js";
import * as webhooks from "./pages/webhooks.js";

/** The pages, in menu order; `needs` names the endpoint that must exist for the page to be offered. */
const PAGES = [
  { path: "dashboard", label: "dashboard", page: dashboard },
  { path: "campaigns", label: "campaigns", page: campaigns },
  { path: "payments", label: "payments", page: payments },
  { path: "scheduler", label: "scheduler", page: scheduler },
  { path: "webhooks", label: "webhooks", page: webhooks, needs: "webhooks-list" },
];

const main = document.getElementById("main");
let cleanup = null;
let features = new Set();
let shown = 0;

function route() {
  const [, first = "dashboard", ...rest] = (location.hash || "#/dashboard").split("/");
  return { first: decodeURIComponent(first || "dashboard"), rest: rest.map(decodeURIComponent) };
}

function chrome() {
  document.getElementById("brand").textContent = t("appName");
  document.querySelector(".skip").textContent = t("skip");
  document.getElementById("lang-label").textContent = t("language");
  document.getElementById("lang").value = currentLang();
  const out = document.getElementById("sign-out");
  out.textContent = t("signOut");
  const user = api.currentUser();
  out.hidden = !user;
  document.getElementById("who").textContent = user ? t("signedInAs", { email: user.email ?? user.id }) : "";
  const nav = document.getElementById("nav");
  nav.setAttribute("aria-label", t("nav"));
  nav.hidden = !user;
  const here = route().first;
  nav.replaceChildren(h("ul", {}, PAGES.filter((p) => !p.needs || features.has(p.needs)).map((p) =>
    h("li", {}, h("a", { href: `#/${p.path}`, "aria-current": here === p.path ? "page" : null }, t(p.label))))));
}

async function show() {
  cleanup?.();
  cleanup = null;
  clearError();
  chrome();
  const signedIn = api.currentUser() && api.isManager();
  const { first, rest } = route();
  let page;
  if (!signedIn) page = signin;
  else if (first === "campaigns" && rest[0]) page = campaign;
  else page = PAGES.find((p) => p.path === first && (!p.needs || features.has(p.needs)))?.page ?? dashboard;
  main.replaceChildren(h("p", {}, t("loading")));
  main.setAttribute("aria-busy", "true");
  const ctx = { params: rest, features, refresh: show, navigate: (hash) => (location.hash = hash) };
  try {
    const root = h("div", { class: "page" });
    cleanup = (await page.render(root, ctx)) ?? null;
    main.replaceChildren(root);
  } catch (err) {
    main.replaceChildren(h("h1", { tabindex: "-1" }, t("error")));
    showError(err);
  }
  main.removeAttribute("aria-busy");
  const heading = main.querySelector("h1");
  document.title = `${heading?.textContent ?? ""} · ${t("appName")}`;
  // Moving focus to the new heading tells keyboard and screen-reader users the page
  // changed; on the first page it stays at the top, where the skip link is.
  if (shown++ > 0 && (document.activeElement?.closest?.("nav, main") || document.activeElement === document.body)) heading?.focus();
}

async function boot() {
  try {
    await api.loadConfig();
    await api.startSession(() => show());
    features = await api.loadFeatures();
  } catch (err) {
    main.replaceChildren(h("h1", {}, t("error")));
    showError(err);
    return;
  }
  api.whenUnauthenticated(async () => {
    await api.signOut();
    show();
  });
  document.getElementById("lang").addEventListener("change", (e) => {
    setLang(e.target.value);
    show();
    announce(e.target.selectedOptions[0].textContent);
  });
  document.getElementById("sign-out").addEventListener("click", async () => {
    await api.signOut();
    location.hash = "#/dashboard";
    show();
  });
  // The skip link must not change the hash: the hash is the router's.
  document.querySelector(".skip").addEventListener("click", (e) => {
    e.preventDefault();
    main.focus();
  });
  window.addEventListener("hashchange", show);
  await show();
  document.body.dataset.ready = "true";
}

boot();
