// Credentials good and bad, for the auth tests: fresh ES256 keys, and tokens that
// must be refused (expired, wrongly signed, alg none, HS256, malformed).

import { createHmac } from "node:crypto";
import { type PrivateJwk, signJwt } from "../../dev/stack/keys.ts";

const b64url = (s: string) => Buffer.from(s).toString("base64url");

/** A new ES256 signing key with a kid, shaped like the CLI's signing_keys.json entries. */
export async function newSigningKey(): Promise<PrivateJwk> {
  const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  return { ...jwk, kid: crypto.randomUUID(), alg: "ES256", use: "sig", key_ops: ["sign", "verify"] } as PrivateJwk;
}

export function claimsFor(sub: string, extra: Record<string, unknown> = {}, lifetimeSeconds = 3600) {
  const now = Math.floor(Date.now() / 1000);
  return { sub, role: "authenticated", aud: "authenticated", iat: now, exp: now + lifetimeSeconds, app_metadata: {}, ...extra };
}

export function expiredToken(key: PrivateJwk, sub: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(key, claimsFor(sub, { iat: now - 7200, exp: now - 3600 }));
}

export function unsignedToken(kid: string, sub: string): string {
  return `${b64url(JSON.stringify({ alg: "none", typ: "JWT", kid }))}.${b64url(JSON.stringify(claimsFor(sub)))}.`;
}

/** A legacy-style HS256 token, signed with a shared secret (here: the secret key). */
export function hs256Token(secret: string, sub: string, kid?: string): string {
  const input = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT", ...(kid ? { kid } : {}) }))}.${b64url(JSON.stringify(claimsFor(sub)))}`;
  return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
}

/** A validly signed token with the payload changed afterwards. */
export async function tamperedToken(key: PrivateJwk, sub: string): Promise<string> {
  const [header, , signature] = (await signJwt(key, claimsFor(sub))).split(".");
  return `${header}.${b64url(JSON.stringify(claimsFor(sub, { app_metadata: { role: "admin" } })))}.${signature}`;
}
