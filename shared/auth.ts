// Who is calling: @supabase/server verifies JWTs against the JWKS and compares API
// keys in constant time; this file decides what each endpoint accepts and turns
// the result into a database caller. Its failures become our error body.

import { createHash } from "node:crypto";
import { extractCredentials, verifyCredentials } from "@supabase/server/core";
import type { Config } from "./config.ts";
import { DomainError } from "./errors.ts";
import { assertCallerRole, type Caller, CALLER_ROLES } from "./db/port.ts";
import type { AuthRule, Permission } from "./endpoints.ts";
import { proveNotification } from "./payments/webhook.ts";

// The rules themselves are contract vocabulary, declared beside the contracts so the
// typed client needs nothing of this server-side file.
export { type AuthRule, type Permission, PERMISSIONS } from "./endpoints.ts";

export interface Authenticated {
  caller: Caller;
  /** Which credential matched, for the log. */
  via: "none" | "user" | "publishable" | "secret" | "provider";
  userId?: string;
}

type ServerMode = "user" | "publishable:*" | "secret:*";

function modesFor(rule: AuthRule): ServerMode[] {
  if (rule === "publishable_or_user") return ["user", "publishable:*", "secret:*"];
  if (rule === "secret") return ["secret:*"];
  return ["user", "secret:*"];
}

const anon: Caller = { role: "anon", claims: { role: "anon" } };
const serviceRole: Caller = { role: "service_role", claims: { role: "service_role" } };

function serverEnv(config: Config) {
  return {
    url: config.supabaseUrl,
    publishableKeys: config.publishableKeys,
    secretKeys: config.secretKeys,
    // Never null: @supabase/server would then read the process environment itself.
    jwks: config.jwks ?? (config.jwksUrl ? new URL(config.jwksUrl) : { keys: [] }),
  };
}

const unauthenticated = (reason: string) => new DomainError("UNAUTHENTICATED", { reason });

type Verification = Awaited<ReturnType<typeof verifyCredentials>>;

// Credentials @supabase/server has already accepted, by the SHA-256 of the credential,
// one set per configuration (a rotated key set is a new configuration). Looking a
// digest up tells a caller nothing a timing could use (a guess's digest shares no
// prefix with a valid credential's). Only what verified is kept, each until its own
// time; a wrong credential takes the full check every time, and the oldest entry makes
// room when a set is full.
type Remembered = { verification: Verification; until: number };
const MAX_REMEMBERED = 10_000;

// Synchronous: WebCrypto's digest is an async operation that cost more than the hash.
const digestOf = (credential: string): string => createHash("sha256").update(credential).digest("hex");

/** `verify()`'s answer for `credential`, run again only once `untilOf` its last success has passed. */
async function remembered(
  store: WeakMap<Config, Map<string, Remembered>>,
  config: Config,
  credential: string,
  verify: () => Promise<Verification>,
  untilOf: (verification: Verification, now: number) => number | null,
): Promise<Verification> {
  const digest = digestOf(credential);
  const now = Date.now();
  let known = store.get(config);
  const hit = known?.get(digest);
  if (hit && hit.until > now) return hit.verification;
  known?.delete(digest);
  const verification = await verify();
  const until = untilOf(verification, now);
  if (until !== null) {
    if (!known) store.set(config, known = new Map());
    if (known.size >= MAX_REMEMBERED) known.delete(known.keys().next().value!);
    known.set(digest, { verification, until });
  }
  return verification;
}

// API keys: @supabase/server's constant-time comparison imports a fresh HMAC key and
// signs both strings for every key it tries, about an eighth of the local stack's CPU
// on a campaigns-list request. A matched key stays matched for its configuration, so
// the set holds at most the configured keys.
const verifiedKeys = new WeakMap<Config, Map<string, Remembered>>();

/** Which of our keys `apikey` is (publishable or secret), checked by @supabase/server once per key. */
function verifyApiKey(apikey: string, config: Config, env: ReturnType<typeof serverEnv>): Promise<Verification> {
  return remembered(
    verifiedKeys,
    config,
    apikey,
    () => verifyCredentials({ token: null, apikey }, { auth: ["publishable:*", "secret:*"], env }),
    (key) => (!key.error && key.data ? Infinity : null),
  );
}

// User tokens: an ES256 signature check costs a few hundred µs of CPU, and a signed-in
// app sends the same token with every request for up to an hour (the console polls
// with one every few seconds). A verified token is kept a minute at most and never
// past its exp, so a signing key revoked from a remote JWKS stops working within a
// minute of the JWKS itself (whose fetch is cached for longer).
const verifiedTokens = new WeakMap<Config, Map<string, Remembered>>();
export const TOKEN_MEMORY_MS = 60_000;

/** What @supabase/server makes of a user token (as the first of `modes`), checked once a minute at most. */
function verifyUserToken(
  credentials: ReturnType<typeof extractCredentials>,
  modes: ServerMode[],
  config: Config,
  env: ReturnType<typeof serverEnv>,
): Promise<Verification> {
  return remembered(
    verifiedTokens,
    config,
    credentials.token!,
    () => verifyCredentials(credentials, { auth: modes, env }),
    (result, now) => {
      const exp = result.data?.jwtClaims?.exp;
      return !result.error && result.data?.authMode === "user" && typeof exp === "number"
        ? Math.min(exp * 1000, now + TOKEN_MEMORY_MS)
        : null;
    },
  );
}

/** True when the claims grant `permission`: service role, app_metadata.role admin, or the listed permission. */
export function hasPermission(claims: Record<string, unknown>, permission: Permission): boolean {
  if (claims.role === "service_role") return true;
  const meta = claims.app_metadata;
  if (!meta || typeof meta !== "object") return false;
  const { role, permissions } = meta as { role?: unknown; permissions?: unknown };
  return role === "admin" || (Array.isArray(permissions) && permissions.includes(permission));
}

/** Authenticates `req` under `rule`; throws UNAUTHENTICATED (401) or FORBIDDEN (403). */
export async function authenticate(req: Request, rule: AuthRule, config: Config): Promise<Authenticated> {
  if (rule === "none") return { caller: anon, via: "none" };
  if (rule === "provider_proof") {
    // A payment provider holds no Supabase credential; its signature or callback token
    // is the proof, and once it holds the RPC runs as the service role (on Supabase:
    // supabase-js with the secret key), the only role granted record_payment_notification.
    await proveNotification(req, config);
    return { caller: serviceRole, via: "provider" };
  }
  const env = serverEnv(config);
  const credentials = extractCredentials(req);
  if (!credentials.token && !credentials.apikey) throw unauthenticated("missing_credentials");

  // An API key that is sent must be one of ours, whatever else matches: a wrong
  // publishable key next to a valid user token is still a wrong key.
  const modes = modesFor(rule);
  let verified: Awaited<ReturnType<typeof verifyCredentials>> | undefined;
  if (credentials.apikey) {
    const key = await verifyApiKey(credentials.apikey, config, env);
    if (key.error || !key.data) throw unauthenticated("invalid_api_key");
    // With no token the key is the whole credential and what it matched decides.
    if (!credentials.token) {
      if (!modes.includes(`${key.data.authMode}:*` as ServerMode)) throw unauthenticated("invalid_credentials");
      verified = key;
    }
  }

  // A JWT tried first decides alone (valid: the user; invalid: refused, whatever else
  // is sent), so its verification can be remembered; an sb_ key in its place cannot.
  const userTokenDecides = !!credentials.token && !credentials.token.startsWith("sb_") && modes[0] === "user";
  const { data, error } = verified ??
    await (userTokenDecides ? verifyUserToken(credentials, modes, config, env) : verifyCredentials(credentials, { auth: modes, env }));
  if (error || !data) {
    if (error && error.status >= 500) throw new DomainError("INTERNAL", {}, { cause: error });
    throw unauthenticated("invalid_credentials");
  }

  if (data.authMode === "secret") {
    if (rule === "user") throw new DomainError("FORBIDDEN", { reason: "user_required" });
    return { caller: serviceRole, via: "secret" };
  }
  if (data.authMode === "publishable") return { caller: anon, via: "publishable" };

  const claims = data.jwtClaims as Record<string, unknown>;
  const role = String(claims.role ?? "");
  // A token without an expiry would be valid forever; one with a role we do not
  // know could name any database role.
  if (typeof claims.exp !== "number") throw unauthenticated("token_without_expiry");
  if (!(CALLER_ROLES as readonly string[]).includes(role)) throw unauthenticated("unsupported_role");
  assertCallerRole(role);
  if (typeof rule === "object" && !hasPermission(claims, rule.permission)) {
    throw new DomainError("FORBIDDEN", { permission: rule.permission });
  }
  return { caller: { role, claims, token: data.token ?? undefined }, via: "user", userId: String(claims.sub) };
}
