// The operator console at /console on the local stack: its static files, supabase-js
// as an ES module, its config.json (polling, no Realtime here) and the development
// sign-in, which mints a demo manager's token. That sign-in exists only in this local
// stack (dev/ is never deployed): on Supabase managers sign in with Supabase Auth.

import { readFile } from "node:fs/promises";
import { extname, join, normalize } from "node:path";
import { CONSOLE_DIR, consoleConfig, consoleFiles, CONTENT_TYPES, SUPABASE_MODULE, supabaseModule } from "../console-files.mjs";
import { DEMO_USERS, type PrivateJwk, userToken } from "./keys.ts";

export interface ConsoleOptions {
  baseUrl: string;
  publishableKey: string;
  signingKey: PrivateJwk;
  /** How often the console polls progress (the stack has no Realtime). */
  pollMs: number;
}

// Same-origin only: the console loads nothing from elsewhere, and nothing may frame it.
const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

export function consoleRoutes(options: ConsoleOptions): (req: Request) => Promise<Response | undefined> {
  const files = new Set(consoleFiles());
  const config = consoleConfig({ supabaseUrl: options.baseUrl, publishableKey: options.publishableKey, realtime: false, devSignIn: true, pollMs: options.pollMs });
  let vendor: string | undefined;
  const answer = (body: BodyInit, type: string, status = 200) =>
    new Response(body, { status, headers: { "content-type": type, ...SECURITY_HEADERS } });

  return async (req) => {
    const { pathname } = new URL(req.url);
    if (pathname === "/console") return Response.redirect(new URL("/console/", req.url), 308);
    if (!pathname.startsWith("/console/")) return undefined;
    const rest = pathname.slice("/console/".length) || "index.html";
    if (rest === "dev-sign-in") {
      if (req.method !== "POST") return answer(JSON.stringify({ error: { code: "METHOD_NOT_ALLOWED" } }), CONTENT_TYPES[".json"], 405);
      const { sub, email, permissions } = DEMO_USERS.manager;
      const expiresIn = 3600;
      const token = await userToken(options.signingKey, { url: options.baseUrl, sub, email, permissions: [...permissions], expiresIn });
      return answer(JSON.stringify({ access_token: token, expires_at: Math.floor(Date.now() / 1000) + expiresIn, user: { id: sub, email } }), CONTENT_TYPES[".json"]);
    }
    if (req.method !== "GET" && req.method !== "HEAD") return answer("method not allowed", "text/plain", 405);
    if (rest === "config.json") return answer(JSON.stringify(config), CONTENT_TYPES[".json"]);
    if (rest === SUPABASE_MODULE) return answer(vendor ??= supabaseModule(), CONTENT_TYPES[".mjs"]);
    // Only the files listed at start: no path outside console/ can be named.
    const file = normalize(rest).split("\\").join("/");
    if (!files.has(file)) return undefined;
    return answer(await readFile(join(CONSOLE_DIR, file)), CONTENT_TYPES[extname(file) as keyof typeof CONTENT_TYPES]);
  };
}
