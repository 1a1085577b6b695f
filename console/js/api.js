// The console's only way to the backend: supabase-js, signed in as a manager, calling
// the edge functions (and, on Supabase, Realtime for live progress).

import { createClient } from "../vendor/supabase.js";
import { currentLang } from "./i18n.js";

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const DEV_SESSION = "sambatan.console.dev-session";
let config;
let client;
let session; // { access_token, user: { id, email } }

export async function loadConfig() {
  const res = await fetch("config.json", { cache: "no-store" });
  if (!res.ok) throw new Error(`config.json: ${res.status}`);
  config = await res.json();
  return config;
}
export const getConfig = () => config;

function claims(token) {
  try {
    const part = token.split(".")[1].replaceAll("-", "+").replaceAll("_", "/");
    return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "=")));
  } catch {
    return {};
  }
}

/** Whether the signed-in user may manage campaigns (what every console page needs). */
export function isManager() {
  const meta = claims(session?.access_token ?? "").app_metadata ?? {};
  return meta.role === "admin" || (Array.isArray(meta.permissions) && meta.permissions.includes("sambatan.manage"));
}
export const currentUser = () => session?.user ?? null;

/**
 * Builds the client. On Supabase, Supabase Auth keeps the session (email + password or
 * a magic link). On the local stack, the development sign-in's token is handed to
 * supabase-js as its access token (the stack has no /auth/v1).
 */
export async function startSession(onChange) {
  const opts = { auth: { persistSession: true, autoRefreshToken: true, detectSessionInUrl: true } };
  if (config.devSignIn) {
    const saved = JSON.parse(sessionStorage.getItem(DEV_SESSION) ?? "null");
    session = saved && saved.expires_at * 1000 > Date.now() + 30_000 ? saved : null;
    client = createClient(config.supabaseUrl, config.publishableKey, { accessToken: async () => session?.access_token ?? null });
    return session;
  }
  client = createClient(config.supabaseUrl, config.publishableKey, opts);
  client.auth.onAuthStateChange((_event, s) => {
    session = s ? { access_token: s.access_token, user: { id: s.user.id, email: s.user.email } } : null;
    onChange?.(session);
  });
  const { data } = await client.auth.getSession();
  const s = data.session;
  session = s ? { access_token: s.access_token, user: { id: s.user.id, email: s.user.email } } : null;
  return session;
}

export async function signInWithPassword(email, password) {
  const { error } = await client.auth.signInWithPassword({ email, password });
  if (error) throw new ApiError(error.status ?? 400, error.code ?? "AUTH", error.message);
}
export async function signInWithMagicLink(email) {
  const { error } = await client.auth.signInWithOtp({ email, options: { shouldCreateUser: false, emailRedirectTo: location.href.split("#")[0] } });
  if (error) throw new ApiError(error.status ?? 400, error.code ?? "AUTH", error.message);
}
/** Local stack only: asks it for a demo manager token. */
export async function devSignIn() {
  const res = await fetch("dev-sign-in", { method: "POST" });
  if (!res.ok) throw new ApiError(res.status, "DEV_SIGN_IN", `dev-sign-in: ${res.status}`);
  session = await res.json();
  sessionStorage.setItem(DEV_SESSION, JSON.stringify(session));
}
export async function signOut() {
  sessionStorage.removeItem(DEV_SESSION);
  if (!config.devSignIn) await client.auth.signOut();
  session = null;
}

/** Calls a function: GET with a query string, POST with a JSON body; throws ApiError on an error answer. */
export async function call(slug, { query, body } = {}) {
  const params = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined && v !== null && v !== "")) : null;
  const name = params && [...params].length ? `${slug}?${params}` : slug;
  const { data, error } = await client.functions.invoke(name, {
    method: body === undefined ? "GET" : "POST",
    body,
    headers: { "Accept-Language": currentLang() },
  });
  if (!error) return data;
  const res = error.context;
  if (res && typeof res.json === "function") {
    const answer = await res.json().catch(() => ({}));
    if (res.status === 401) onUnauthenticated?.();
    throw new ApiError(res.status, answer.error?.code ?? "HTTP_" + res.status, answer.error?.message ?? error.message, answer.error?.details);
  }
  throw new ApiError(0, "NETWORK", error.message);
}
let onUnauthenticated;
export const whenUnauthenticated = (fn) => (onUnauthenticated = fn);

/** The slugs this backend serves (from its OpenAPI document), so pages offer only what exists. */
export async function loadFeatures() {
  try {
    const res = await fetch(`${config.supabaseUrl}/functions/v1/openapi`);
    const doc = await res.json();
    return new Set(Object.keys(doc.paths ?? {}).map((p) => p.replace(/^\//, "")));
  } catch {
    return new Set();
  }
}

/**
 * Keeps campaign progress live: Realtime row changes on Supabase, or `poll()` every
 * pollMs where there is no Realtime (the local stack). Answers a stop function.
 */
export function liveCampaigns(onRow, poll) {
  if (config.realtime) {
    const channel = client.channel(`console-campaigns-${Math.random().toString(36).slice(2)}`)
      .on("postgres_changes", { event: "*", schema: "public", table: "sambatan_campaigns" }, (payload) => payload.new && onRow(payload.new))
      .subscribe();
    return () => client.removeChannel(channel);
  }
  let stopped = false;
  let timer;
  const tick = async () => {
    if (stopped) return;
    try {
      await poll();
    } catch {
      // A failed poll is retried on the next tick; the page shows the last good figures.
    }
    if (!stopped) timer = setTimeout(tick, config.pollMs);
  };
  timer = setTimeout(tick, config.pollMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
