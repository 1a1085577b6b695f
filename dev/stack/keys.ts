// The development signing key (supabase/signing_keys.json, made by `supabase gen
// signing-key`): its public half as the JWKS the stack serves, and tokens signed
// like Supabase Auth signs them. Runs under Deno (the stack) and Node (tests).

import { readFile } from "node:fs/promises";

export interface PrivateJwk extends JsonWebKey {
  kid: string;
  alg?: string;
}

export const signingKeysFile = new URL("../../supabase/signing_keys.json", import.meta.url);

/** The first key of the signing keys file, the one the CLI's `gen bearer-jwt` uses by default. */
export async function loadSigningKey(file: URL = signingKeysFile): Promise<PrivateJwk> {
  const keys = JSON.parse(await readFile(file, "utf8"));
  const key = Array.isArray(keys) ? keys[0] : keys;
  if (!key?.kid || key.kty !== "EC" || !key.d) {
    throw new Error(`${file.pathname}: expected an ES256 private JWK with a kid (make one with \`npx supabase gen signing-key --algorithm ES256\`)`);
  }
  return key;
}

/** The public JWKS for `key`: no private part, verify only. */
export function publicJwks(key: PrivateJwk): { keys: JsonWebKey[] } {
  const { kty, crv, x, y, kid } = key;
  return { keys: [{ kty, crv, x, y, kid, alg: "ES256", use: "sig", key_ops: ["verify"] } as JsonWebKey] };
}

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array | string): string {
  const data = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
  let binary = "";
  for (const b of data) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Signs `payload` as an ES256 JWT with `key` (its kid in the header, as Supabase Auth does). */
export async function signJwt(key: PrivateJwk, payload: Record<string, unknown>): Promise<string> {
  // The CLI writes key_ops ["sign","verify"], which WebCrypto refuses on a private key.
  const { key_ops: _ops, use: _use, alg: _alg, kid, ...jwk } = key;
  const signer = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  const input = `${base64url(JSON.stringify({ alg: "ES256", kid, typ: "JWT" }))}.${base64url(JSON.stringify(payload))}`;
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, signer, encoder.encode(input));
  return `${input}.${base64url(new Uint8Array(signature))}`;
}

export interface UserTokenOptions {
  /** The stack's URL; the issuer is `<url>/auth/v1`. */
  url: string;
  sub: string;
  email?: string;
  permissions?: string[];
  appMetadata?: Record<string, unknown>;
  /** Lifetime in seconds (default one hour, as Supabase Auth). */
  expiresIn?: number;
}

/** An access token shaped like Supabase Auth's for a signed-in user. */
export function userToken(key: PrivateJwk, options: UserTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(key, {
    iss: `${options.url}/auth/v1`,
    aud: "authenticated",
    sub: options.sub,
    exp: now + (options.expiresIn ?? 3600),
    iat: now,
    email: options.email ?? `${options.sub.slice(0, 8)}@example.test`,
    phone: "",
    role: "authenticated",
    aal: "aal1",
    session_id: crypto.randomUUID(),
    is_anonymous: false,
    app_metadata: {
      provider: "email",
      providers: ["email"],
      ...(options.permissions ? { permissions: options.permissions } : {}),
      ...options.appMetadata,
    },
    user_metadata: {},
  });
}

/** The demo users the stack prints tokens for (their ids are stable across restarts). */
export const DEMO_USERS = {
  buyer: { sub: "11111111-1111-4111-8111-111111111111", email: "pembeli@sambatan.test" },
  manager: {
    sub: "22222222-2222-4222-8222-222222222222",
    email: "pengelola@sambatan.test",
    permissions: ["sambatan.manage", "scheduled_job.read", "scheduled_job.execute"],
  },
} as const;

/** The API keys `supabase start` uses locally, so tools made for it work unchanged. */
export const LOCAL_KEYS = {
  publishable: "sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH",
  secret: "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz",
} as const;
