// The local stack: every function at http://127.0.0.1:54321/functions/v1/<slug>,
// the development JWKS at /auth/v1/.well-known/jwks.json, on embedded PGlite (data
// kept in .data/pglite) or on the PostgreSQL at DATABASE_URL. No Docker needed.
//
//   deno run -A dev/serve.ts
//
// Environment: PORT (54321), HOST (127.0.0.1), DATABASE_URL, SAMBATAN_DATA_DIR
// (.data/pglite, or memory://), SAMBATAN_TEMPLATE_DIR (node_modules/.cache/sambatan: where
// new PGlite directories are copied from; "off" prepares them in place), SAMBATAN_TICK_SECONDS (60, as pg_cron's dispatch; 0 turns the lifecycle
// ticker off), any SUPABASE_* variable to override the local defaults, and the
// SAMBATAN_PAYMENT_* / SAMBATAN_MIDTRANS_* / SAMBATAN_XENDIT_* payment settings, and
// SAMBATAN_CONSOLE_POLL_MS (5000), how often the console at /console polls progress.

import { fileURLToPath } from "node:url";
import { type Config, parseConfig } from "../shared/config.ts";
import { provideDb } from "../shared/db/registry.ts";
import { plainError } from "../shared/http.ts";
import { logRequest } from "../shared/log.ts";
import { openDatabase, type StackDatabase } from "./stack/database.ts";
import { consoleRoutes } from "./stack/console.ts";
import { loadFunctions } from "./stack/functions.ts";
import { DEMO_USERS, LOCAL_KEYS, loadSigningKey, publicJwks, userToken } from "./stack/keys.ts";
import { templateDirFrom } from "./stack/template.ts";
import { startNetWorker } from "./stack/net.ts";

const say = (line: string) => console.log(`[sambatan] ${line}`);

/** Stops the stack with what went wrong and what to do about it, without a stack trace to read. */
function fail(problem: string, todo: string): never {
  console.error(`[sambatan] ${problem}\n[sambatan] → ${todo}`);
  Deno.exit(1);
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

const env = Deno.env.toObject();
const port = Number(env.PORT ?? 54321);
const host = env.HOST ?? "127.0.0.1";
const dataDir = env.SAMBATAN_DATA_DIR ?? fileURLToPath(new URL("../.data/pglite", import.meta.url));
const templateDir = templateDirFrom(env.SAMBATAN_TEMPLATE_DIR);
const tickSeconds = Number(env.SAMBATAN_TICK_SECONDS ?? 60);
const netPollMs = Number(env.SAMBATAN_NET_POLL_MS ?? 1000);
const consolePollMs = Number(env.SAMBATAN_CONSOLE_POLL_MS ?? 5000);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`PORT must be a port number, not ${JSON.stringify(env.PORT)}`, "set PORT=54321 (or unset it)");
if (!Number.isFinite(tickSeconds) || tickSeconds < 0) fail("SAMBATAN_TICK_SECONDS must be 0 or more", "set it to a number of seconds (0 turns the ticker off), or unset it");
if (!Number.isFinite(netPollMs) || netPollMs < 0) fail("SAMBATAN_NET_POLL_MS must be 0 or more", "set it to a number of milliseconds, or unset it");
if (!Number.isInteger(consolePollMs) || consolePollMs < 250) fail("SAMBATAN_CONSOLE_POLL_MS must be a whole number of at least 250", "set it to a number of milliseconds, or unset it");
if (env.DATABASE_URL && !["postgres:", "postgresql:"].includes(URL.parse(env.DATABASE_URL)?.protocol ?? "")) {
  fail("DATABASE_URL is not a PostgreSQL URL", "set DATABASE_URL=postgres://user:password@host:5432/database, or unset it to use the embedded PGlite");
}

const signingKey = await loadSigningKey().catch((err) => fail(`the development signing key could not be read: ${message(err)}`, "restore supabase/signing_keys.json from git (`git checkout supabase/signing_keys.json`)"));
const jwks = publicJwks(signingKey);
const functions = await loadFunctions().catch((err) => fail(`a function could not be loaded: ${message(err)}`, "fix that functions/<slug>/index.ts (`npm test -- types` names the error)"));

let database: StackDatabase | undefined;
let consoleRoute: ((req: Request) => Promise<Response | undefined>) | undefined;
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
  const page = await consoleRoute?.(req);
  const response = page ?? (url.pathname === JWKS_PATH && req.method === "GET"
    ? Response.json(jwks, { headers: { "access-control-allow-origin": "*", "cache-control": "public, max-age=600" } })
    : plainError(req, "NOT_FOUND", { path: url.pathname }));
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
function listen(): Deno.HttpServer<Deno.NetAddr> {
  try {
    return Deno.serve({ port, hostname: host, onListen: () => {} }, route);
  } catch (err) {
    if (err instanceof Deno.errors.AddrInUse) {
      fail(`port ${port} on ${host} is already in use (another \`npm start\`?)`, `stop what listens there, or start on another port: PORT=${port + 1} npm start`);
    }
    if (err instanceof Deno.errors.AddrNotAvailable) fail(`HOST ${host} is not an address of this machine`, "set HOST=127.0.0.1 (or 0.0.0.0 for every interface)");
    if (err instanceof Deno.errors.PermissionDenied) fail(`listening on port ${port} is not permitted`, "use a port above 1023: PORT=54321 npm start");
    throw err;
  }
}
const server = listen();
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
let config: Config;
try {
  config = parseConfig(Deno.env.toObject());
} catch (err) {
  await server.shutdown();
  fail(message(err), "fix the variable named above, or unset it to use the local default");
}
const publishableKey = config.publishableKeys.default ?? Object.values(config.publishableKeys)[0];
const secretKey = config.secretKeys.default ?? Object.values(config.secretKeys)[0];
consoleRoute = consoleRoutes({ baseUrl, publishableKey, signingKey, pollMs: consolePollMs });

try {
  database = await openDatabase({
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir,
    templateDir,
    limits: config,
    log: say,
  });
} catch (err) {
  await server.shutdown();
  fail(`the database could not be prepared: ${message(err)}`, databaseAdvice(env.DATABASE_URL, dataDir));
}

function databaseAdvice(url: string | undefined, dir: string): string {
  if (!url) {
    return `if ${dir} holds data from another PGlite version or a damaged run, move it aside and start again ` +
      "(or SAMBATAN_DATA_DIR=memory:// for a throwaway database); a failed migration is named above";
  }
  const where = new URL(url);
  return `check that PostgreSQL answers at ${where.hostname || "its socket"}:${where.port || 5432} and that the user, password and database ` +
    "in DATABASE_URL are right (a failed migration is named above); unset DATABASE_URL to use the embedded PGlite instead";
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
  Console          ${baseUrl}/console  (its development sign-in is for this local stack only)
  OpenAPI          ${baseUrl}/functions/v1/openapi
  Metrics          ${baseUrl}/functions/v1/metrics  (secret key or scheduled_job.read)
  JWKS             ${baseUrl}${JWKS_PATH}
  Database         ${database.description}
  Payments         ${config.payments.provider}${config.payments.provider === "manual" ? " (set SAMBATAN_PAYMENT_PROVIDER=midtrans|xendit and its keys)" : ""}; webhook ${baseUrl}/functions/v1/payment-webhook?provider=midtrans|xendit
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
