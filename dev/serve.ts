// The local stack: every function at http://127.0.0.1:54321/functions/v1/<slug>,
// the development JWKS at /auth/v1/.well-known/jwks.json, on embedded PGlite (data
// kept in .data/pglite) or on the PostgreSQL at DATABASE_URL. No Docker needed.
//
//   deno run -A dev/serve.ts
//
// Environment: PORT (54321), HOST (127.0.0.1), DATABASE_URL, SAMBATAN_DATA_DIR
// (.data/pglite, or memory://), SAMBATAN_TICK_SECONDS (300; 0 turns the lifecycle
// ticker off), and any SUPABASE_* variable to override the local defaults.

import { fileURLToPath } from "node:url";
import { parseConfig } from "../shared/config.ts";
import { provideDb } from "../shared/db/registry.ts";
import { plainError } from "../shared/http.ts";
import { logRequest } from "../shared/log.ts";
import { openDatabase, type StackDatabase } from "./stack/database.ts";
import { loadFunctions } from "./stack/functions.ts";
import { DEMO_USERS, LOCAL_KEYS, loadSigningKey, publicJwks, userToken } from "./stack/keys.ts";
import { startNetWorker } from "./stack/net.ts";

const env = Deno.env.toObject();
const port = Number(env.PORT ?? 54321);
const host = env.HOST ?? "127.0.0.1";
const dataDir = env.SAMBATAN_DATA_DIR ?? fileURLToPath(new URL("../.data/pglite", import.meta.url));
const tickSeconds = Number(env.SAMBATAN_TICK_SECONDS ?? 300);
const netPollMs = Number(env.SAMBATAN_NET_POLL_MS ?? 1000);
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not ${env.PORT}`);
if (!Number.isFinite(tickSeconds) || tickSeconds < 0) throw new Error("SAMBATAN_TICK_SECONDS must be 0 or more");
if (!Number.isFinite(netPollMs) || netPollMs < 0) throw new Error("SAMBATAN_NET_POLL_MS must be 0 or more");

const signingKey = await loadSigningKey();
const jwks = publicJwks(signingKey);
const functions = await loadFunctions();

let database: StackDatabase | undefined;
const JWKS_PATH = "/auth/v1/.well-known/jwks.json";
const FUNCTION_PATH = /^\/functions\/v1\/([a-z0-9-]+)$/;

async function route(req: Request): Promise<Response> {
  const url = new URL(req.url);
  const slug = FUNCTION_PATH.exec(url.pathname)?.[1];
  const fn = slug ? functions.get(slug) : undefined;
  if (fn) {
    // Until migrations are applied the functions would only fail; say so plainly.
    return database ? fn.fetch(req) : plainError(req, "UNAVAILABLE", { reason: "starting" });
  }
  const started = performance.now();
  const response = url.pathname === JWKS_PATH && req.method === "GET"
    ? Response.json(jwks, { headers: { "access-control-allow-origin": "*", "cache-control": "public, max-age=600" } })
    : plainError(req, "NOT_FOUND", { path: url.pathname });
  logRequest({
    request_id: response.headers.get("x-request-id") ?? "-",
    function: "-",
    method: req.method,
    status: response.status,
    duration_ms: Math.round((performance.now() - started) * 10) / 10,
  });
  return response;
}

// Listen first: a second stack on the same port stops here, before touching the data.
const server = Deno.serve({ port, hostname: host, onListen: () => {} }, route);
const listening = server.addr as Deno.NetAddr;
const publicHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
const baseUrl = `http://${publicHost.includes(":") ? `[${publicHost}]` : publicHost}:${listening.port}`;

// What Supabase injects into functions, unless the environment already says otherwise.
const defaults: Record<string, string> = {
  SUPABASE_URL: baseUrl,
  SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: LOCAL_KEYS.publishable }),
  SUPABASE_SECRET_KEYS: JSON.stringify({ default: LOCAL_KEYS.secret }),
  SUPABASE_JWKS: JSON.stringify(jwks),
};
for (const [name, value] of Object.entries(defaults)) if (!env[name]) Deno.env.set(name, value);
const config = parseConfig(Deno.env.toObject());
const publishableKey = config.publishableKeys.default ?? Object.values(config.publishableKeys)[0];
const secretKey = config.secretKeys.default ?? Object.values(config.secretKeys)[0];

const say = (line: string) => console.log(`[sambatan] ${line}`);
try {
  database = await openDatabase({
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir,
    limits: config,
    log: say,
  });
} catch (err) {
  console.error(`[sambatan] the database could not be prepared: ${err instanceof Error ? err.message : err}`);
  await server.shutdown();
  Deno.exit(1);
}
provideDb(database.db);

// PGlite has no pg_cron: call the lifecycle hook on the cron schedule, as pg_net would.
let ticker: ReturnType<typeof setInterval> | undefined;
if (!env.DATABASE_URL && tickSeconds > 0 && functions.has("lifecycle") && secretKey) {
  const id = setInterval(() => {
    const req = new Request(`${baseUrl}/functions/v1/lifecycle`, {
      method: "POST",
      headers: { apikey: secretKey, "content-type": "application/json" },
      body: "{}",
    });
    functions.get("lifecycle")!.fetch(req).then((r) => r.body?.cancel(), () => {});
  }, tickSeconds * 1000);
  Deno.unrefTimer(id);
  ticker = id;
}

// Requests the database queued with net.http_post (pg_cron's hook call, job alerts).
const netWorker = netPollMs > 0
  ? startNetWorker({ executor: database.executor, functions, baseUrl, log: say, intervalMs: netPollMs })
  : undefined;

const tokens = {
  buyer: await userToken(signingKey, { url: baseUrl, ...DEMO_USERS.buyer }),
  manager: await userToken(signingKey, {
    url: baseUrl,
    ...DEMO_USERS.manager,
    permissions: [...DEMO_USERS.manager.permissions],
  }),
};
console.log(`
  Sambatan local stack is ready

  API URL          ${baseUrl}
  Functions        ${baseUrl}/functions/v1/<slug>  (${[...functions.keys()].join(", ")})
  JWKS             ${baseUrl}${JWKS_PATH}
  Database         ${database.description}
  Publishable key  ${publishableKey}
  Secret key       ${secretKey}

  Demo buyer    ${DEMO_USERS.buyer.sub}  (token valid 1 hour)
  ${tokens.buyer}

  Demo manager  ${DEMO_USERS.manager.sub}  (${DEMO_USERS.manager.permissions.join(", ")})
  ${tokens.manager}

  More tokens:  npx supabase gen bearer-jwt --role authenticated --sub <uuid>
  Try:          curl -H "apikey: ${publishableKey}" ${baseUrl}/functions/v1/campaigns-list
`);

let stopping = false;
async function stop(signal: string) {
  if (stopping) Deno.exit(1); // a second Ctrl-C does not wait
  stopping = true;
  say(`${signal}: stopping`);
  if (ticker !== undefined) clearInterval(ticker);
  await netWorker?.stop();
  await server.shutdown();
  await database?.close();
  say("stopped; data is safe");
  Deno.exit(0);
}
Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
