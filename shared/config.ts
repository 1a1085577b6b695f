// Configuration, read once from an environment record and validated. Nothing else
// reads the environment: functions pass `Deno.env.toObject()`, the local stack and
// tests pass their own record.

import { z } from "zod";

export type Env = Readonly<Record<string, string | undefined>>;

const keySet = z.record(z.string().min(1), z.string().min(1));

/** A JSON object of named keys, or a single key stored under "default" (as @supabase/server does). */
function namedKeys(plural: string | undefined, singular: string | undefined, ctx: z.RefinementCtx, name: string) {
  if (plural?.trim()) {
    try {
      const parsed = keySet.safeParse(JSON.parse(plural));
      if (parsed.success) return parsed.data;
    } catch { /* reported below */ }
    ctx.addIssue({ code: "custom", message: `${name} must be a JSON object of named keys`, path: [name] });
    return {};
  }
  return singular?.trim() ? { default: singular.trim() } : {};
}

const jwk = z.looseObject({ kty: z.string() });

function jwks(raw: string | undefined, ctx: z.RefinementCtx): { keys: z.infer<typeof jwk>[] } | undefined {
  if (!raw?.trim()) return undefined;
  try {
    const parsed = JSON.parse(raw);
    const keys = z.array(jwk).safeParse(Array.isArray(parsed) ? parsed : parsed?.keys);
    if (keys.success) return { keys: keys.data };
  } catch { /* reported below */ }
  ctx.addIssue({ code: "custom", message: "SUPABASE_JWKS must be a JWKS ({\"keys\": [...]}) or an array of JWKs", path: ["SUPABASE_JWKS"] });
  return undefined;
}

const milliseconds = (fallback: number, min: number, max: number) =>
  z.string().regex(/^\d+$/, "a whole number of milliseconds").optional()
    .transform((v) => (v === undefined ? fallback : Number(v)))
    .pipe(z.number().int().min(min).max(max));

/**
 * A credential from the environment. It serializes and prints as "[redacted]", so a
 * config object that reaches a log line, an error or JSON.stringify leaks nothing;
 * only the code that signs or verifies calls reveal().
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return "[redacted]";
  }
  toString(): string {
    return "[redacted]";
  }
  // console.log and util.inspect, on Node and on Deno.
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return "[redacted]";
  }
  [Symbol.for("Deno.customInspect")](): string {
    return "[redacted]";
  }
}

export const PAYMENT_PROVIDERS = ["midtrans", "xendit", "manual"] as const;
export type PaymentProvider = (typeof PAYMENT_PROVIDERS)[number];

const secret = z.string().trim().min(1, "must not be empty").optional().transform((v) => (v === undefined ? undefined : new Secret(v)));
// https only, except on loopback, where the tests' stand-in providers listen.
const providerUrl = (fallback: string) =>
  z.url({ protocol: /^https?$/ }).default(fallback)
    .refine((u) => u.startsWith("https://") || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(u), {
      message: "must be https (http only on loopback)",
    })
    .transform((u) => u.replace(/\/+$/, ""));

const schema = z.object({
  SUPABASE_URL: z.url({ protocol: /^https?$/ }),
  SUPABASE_PUBLISHABLE_KEYS: z.string().optional(),
  SUPABASE_PUBLISHABLE_KEY: z.string().optional(),
  SUPABASE_SECRET_KEYS: z.string().optional(),
  SUPABASE_SECRET_KEY: z.string().optional(),
  SUPABASE_JWKS: z.string().optional(),
  SUPABASE_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Bounded lock waits: a join queued behind a hot campaign answers 503 instead of hanging. */
  SAMBATAN_LOCK_TIMEOUT_MS: milliseconds(3000, 1, 60_000),
  SAMBATAN_STATEMENT_TIMEOUT_MS: milliseconds(8000, 1, 600_000),
  SAMBATAN_LOG: z.enum(["json", "off"]).default("json"),
  SAMBATAN_PAYMENT_PROVIDER: z.enum(PAYMENT_PROVIDERS).default("manual"),
  SAMBATAN_MIDTRANS_SERVER_KEY: secret,
  SAMBATAN_MIDTRANS_API_URL: providerUrl("https://app.sandbox.midtrans.com"),
  SAMBATAN_XENDIT_SECRET_KEY: secret,
  SAMBATAN_XENDIT_CALLBACK_TOKEN: secret,
  SAMBATAN_XENDIT_API_URL: providerUrl("https://api.xendit.co"),
}).superRefine((env, ctx) => {
  // The chosen provider must be usable: a checkout that would only fail at the first
  // buyer is a deployment mistake to report at the first request instead.
  const need = (name: keyof typeof env) => {
    if (env[name] === undefined) ctx.addIssue({ code: "custom", message: `required when SAMBATAN_PAYMENT_PROVIDER=${env.SAMBATAN_PAYMENT_PROVIDER}`, path: [name] });
  };
  if (env.SAMBATAN_PAYMENT_PROVIDER === "midtrans") need("SAMBATAN_MIDTRANS_SERVER_KEY");
  if (env.SAMBATAN_PAYMENT_PROVIDER === "xendit") {
    need("SAMBATAN_XENDIT_SECRET_KEY");
    need("SAMBATAN_XENDIT_CALLBACK_TOKEN");
  }
}).transform((env, ctx) => ({
  supabaseUrl: env.SUPABASE_URL.replace(/\/+$/, ""),
  publishableKeys: namedKeys(env.SUPABASE_PUBLISHABLE_KEYS, env.SUPABASE_PUBLISHABLE_KEY, ctx, "SUPABASE_PUBLISHABLE_KEYS"),
  secretKeys: namedKeys(env.SUPABASE_SECRET_KEYS, env.SUPABASE_SECRET_KEY, ctx, "SUPABASE_SECRET_KEYS"),
  jwks: jwks(env.SUPABASE_JWKS, ctx),
  jwksUrl: env.SUPABASE_JWKS_URL,
  lockTimeoutMs: env.SAMBATAN_LOCK_TIMEOUT_MS,
  statementTimeoutMs: env.SAMBATAN_STATEMENT_TIMEOUT_MS,
  log: env.SAMBATAN_LOG,
  payments: {
    provider: env.SAMBATAN_PAYMENT_PROVIDER,
    // Both providers stay configured independently: notifications for transactions
    // opened before a switch of SAMBATAN_PAYMENT_PROVIDER must still verify.
    midtrans: { serverKey: env.SAMBATAN_MIDTRANS_SERVER_KEY, apiUrl: env.SAMBATAN_MIDTRANS_API_URL },
    xendit: {
      secretKey: env.SAMBATAN_XENDIT_SECRET_KEY,
      callbackToken: env.SAMBATAN_XENDIT_CALLBACK_TOKEN,
      apiUrl: env.SAMBATAN_XENDIT_API_URL,
    },
  },
}));

export type Config = z.output<typeof schema>;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Validates an environment record; throws ConfigError naming every bad variable. */
export function parseConfig(env: Env): Config {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "environment"}: ${i.message}`);
  throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
}

const loaded = new WeakMap<() => Env, Config>();

/** The configuration from `env()`, parsed on first use and kept for that source. */
export function loadConfig(env: () => Env): Config {
  let config = loaded.get(env);
  if (!config) loaded.set(env, config = parseConfig(env()));
  return config;
}
