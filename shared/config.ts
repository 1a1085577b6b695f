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
}).transform((env, ctx) => ({
  supabaseUrl: env.SUPABASE_URL.replace(/\/+$/, ""),
  publishableKeys: namedKeys(env.SUPABASE_PUBLISHABLE_KEYS, env.SUPABASE_PUBLISHABLE_KEY, ctx, "SUPABASE_PUBLISHABLE_KEYS"),
  secretKeys: namedKeys(env.SUPABASE_SECRET_KEYS, env.SUPABASE_SECRET_KEY, ctx, "SUPABASE_SECRET_KEYS"),
  jwks: jwks(env.SUPABASE_JWKS, ctx),
  jwksUrl: env.SUPABASE_JWKS_URL,
  lockTimeoutMs: env.SAMBATAN_LOCK_TIMEOUT_MS,
  statementTimeoutMs: env.SAMBATAN_STATEMENT_TIMEOUT_MS,
  log: env.SAMBATAN_LOG,
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
