// The e2e tier's foundation: the local stack started as a child process exactly as
// `npm start` runs it (on a free port, a throwaway database, no ticker), supabase-js
// clients signed in as any user, and `functions.invoke` answers as status + body.

import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { createClient, FunctionsHttpError, type SupabaseClient } from "@supabase/supabase-js";
import { LOCAL_KEYS, loadSigningKey, type PrivateJwk, userToken } from "../../dev/stack/keys.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const deno = fileURLToPath(new URL("../../node_modules/.bin/deno", import.meta.url));

/**
 * The providers' verification secrets every test stack holds, so payment-webhook can be
 * proven (or refused) anywhere. Checkout stays manual unless a test names a provider
 * and its stand-in's URL (tests/helpers/providers.ts).
 */
export const TEST_PAYMENT_KEYS = {
  midtransServerKey: "SB-Mid-server-e2e-7fQ2xVw9LmN4pR8s",
  xenditCallbackToken: "xnd-callback-e2e-3b6d9f2a8c4e1f7a0d5b",
} as const;

export interface StackOptions {
  /** PGlite data directory (default: in memory). */
  dataDir?: string;
  /** Run on this PostgreSQL instead of PGlite. */
  databaseUrl?: string;
  env?: Record<string, string>;
  /** Reuse a port (restarts keep their URL, so tokens stay valid). */
  port?: number;
}

export interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

export interface InvokeOptions {
  method?: "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
  body?: unknown;
  query?: Record<string, string>;
  headers?: Record<string, string>;
}

// supabase-js builds a realtime client eagerly and wants a WebSocket, which Node 20
// lacks; these tests never open one.
class NoRealtime {
  constructor() {
    throw new Error("realtime is not used in these tests");
  }
}

export class Stack {
  readonly publishableKey = LOCAL_KEYS.publishable;
  readonly secretKey = LOCAL_KEYS.secret;
  readonly logs: string[] = [];
  private exited: Promise<number | null>;

  constructor(readonly url: string, readonly port: number, readonly signingKey: PrivateJwk, private child: ChildProcess) {
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => this.logs.push(...chunk.split("\n").filter(Boolean)));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => this.logs.push(...chunk.split("\n").filter(Boolean)));
    this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  }

  fn(slug: string): string {
    return `${this.url}/functions/v1/${slug}`;
  }

  /** An access token for `sub`, as Supabase Auth would issue it. */
  token(sub: string, permissions?: string[], appMetadata?: Record<string, unknown>): Promise<string> {
    return userToken(this.signingKey, { url: this.url, sub, permissions, appMetadata });
  }

  /** A supabase-js client as an app builds it: the publishable key, plus a user's token when given. */
  client(accessToken?: string, key: string = this.publishableKey): SupabaseClient {
    return createClient(this.url, key, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
      global: accessToken ? { headers: { Authorization: `Bearer ${accessToken}` } } : {},
      realtime: { transport: NoRealtime as never },
    });
  }

  /** Parsed JSON lines the functions logged. */
  requestLogs(): Record<string, any>[] {
    return structuredLogs(this).filter((l) => l.msg === "request");
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }

  /** Resolves when the child exits by itself. */
  get done(): Promise<number | null> {
    return this.exited;
  }
}

/** Every structured log line of `stack`: one per request and one per job execution. */
export function structuredLogs(stack: { logs: string[] }): Record<string, any>[] {
  return stack.logs.filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `deno run -A dev/serve.ts` and waits until health answers. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const port = options.port ?? await freePort();
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    // The stack must not pick up keys or a database from the shell that runs the tests.
    if (v !== undefined && !k.startsWith("SUPABASE_") && !k.startsWith("SAMBATAN_") && k !== "DATABASE_URL") env[k] = v;
  }
  Object.assign(env, {
    PORT: String(port),
    HOST: "127.0.0.1",
    SAMBATAN_DATA_DIR: options.dataDir ?? "memory://",
    SAMBATAN_TICK_SECONDS: "0",
    DATABASE_URL: options.databaseUrl ?? "",
    NO_COLOR: "1",
    SAMBATAN_MIDTRANS_SERVER_KEY: TEST_PAYMENT_KEYS.midtransServerKey,
    SAMBATAN_XENDIT_CALLBACK_TOKEN: TEST_PAYMENT_KEYS.xenditCallbackToken,
    ...options.env,
  });
  const child = spawn(deno, ["run", "-A", "dev/serve.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  const stack = new Stack(`http://127.0.0.1:${port}`, port, await loadSigningKey(), child);

  const deadline = Date.now() + 120_000;
  let exited = false;
  stack.done.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    const res = await fetch(stack.fn("health")).catch(() => undefined);
    if (res) {
      await res.body?.cancel();
      if (res.status === 200) return stack;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stack.stop("SIGKILL");
  throw new Error(`the local stack did not become healthy:\n${stack.logs.join("\n")}`);
}

/** Calls a function through supabase-js `functions.invoke`, answering status, body and headers. */
export async function invoke(client: SupabaseClient, slug: string, options: InvokeOptions = {}): Promise<Answer> {
  const name = options.query ? `${slug}?${new URLSearchParams(options.query)}` : slug;
  const { data, error, response } = await client.functions.invoke(name, {
    method: options.method ?? "POST",
    body: options.body as never,
    headers: options.headers,
  });
  if (!error) return { status: response!.status, body: data, headers: response!.headers };
  if (error instanceof FunctionsHttpError) {
    const res = error.context as Response;
    return { status: res.status, body: await res.json(), headers: res.headers };
  }
  throw error;
}

/** Asserts-friendly shape of an error answer. */
export function errorOf(answer: Answer): { status: number; code: string; details: any } {
  return { status: answer.status, code: answer.body?.error?.code, details: answer.body?.error?.details };
}

export const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
export const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1000).toISOString();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Product ids from supabase/seed.sql. */
export const SEED_PRODUCTS = {
  rimbaEmbun: "a0000000-0000-4000-8000-000000000001", // sambatan disabled
  kopiGayo: "a0000000-0000-4000-8000-000000000002",
  tehKayuAro: "a0000000-0000-4000-8000-000000000003",
} as const;
