// Delivers what the database queued with net.http_post (the pg_net stand-in of the
// bootstrap), so pg_cron's call to the lifecycle hook, and failure alerts, take the
// same path locally as on Supabase. A request for /functions/v1/<slug> goes to the
// function in this process; any other URL is fetched only when it is on loopback.

import type { SqlExecutor } from "../db/migrate.ts";

interface Queued {
  id: number;
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The body as pg_net sends it: the jsonb's text, byte for byte (signatures cover it). */
  body: string | null;
  timeout_milliseconds: number;
}

export interface NetWorkerOptions {
  executor: SqlExecutor;
  functions: Map<string, { fetch(req: Request): Promise<Response> }>;
  /** This stack's own URL, for requests that name it by another host. */
  baseUrl: string;
  log: (line: string) => void;
  intervalMs: number;
}

const FUNCTION_PATH = /^\/functions\/v1\/([a-z0-9-]+)$/;
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

async function deliver(request: Queued, options: NetWorkerOptions): Promise<number | null> {
  const target = new URL(request.url);
  const slug = FUNCTION_PATH.exec(target.pathname)?.[1];
  const init: RequestInit = {
    method: request.method,
    headers: request.headers,
    body: request.body ?? undefined,
    signal: AbortSignal.timeout(request.timeout_milliseconds),
  };
  const fn = slug ? options.functions.get(slug) : undefined;
  if (fn) {
    const response = await fn.fetch(new Request(new URL(target.pathname + target.search, options.baseUrl), init));
    await response.body?.cancel();
    return response.status;
  }
  if (!LOOPBACK.test(target.hostname)) {
    options.log(`net: not delivering request ${request.id} to ${target.host}: only loopback is reached locally`);
    return null;
  }
  const response = await fetch(target, init);
  await response.body?.cancel();
  return response.status;
}

/** Claims queued requests (skip locked, so two stacks never deliver one twice) and delivers them. */
async function drain(options: NetWorkerOptions): Promise<void> {
  const claimed = await options.executor.query<Queued>(`
    update net.http_request_queue q set delivered_at = now()
     where q.id in (select id from net.http_request_queue where delivered_at is null
                     order by id limit 10 for update skip locked)
    returning q.id, q.method, q.url, q.headers, q.body::text as body, q.timeout_milliseconds`);
  for (const request of claimed) {
    let status: number | null = null;
    let error: string | null = null;
    let timedOut = false;
    try {
      status = await deliver(request, options);
      if (status === null) error = "not sent: only loopback is reached locally";
      options.log(`net: ${request.method} ${new URL(request.url).pathname} → ${status ?? "not sent"}`);
    } catch (err) {
      timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
      error = timedOut ? `Timeout of ${request.timeout_milliseconds} ms reached` : err instanceof Error ? err.message : String(err);
      options.log(`net: request ${request.id} failed: ${error}`);
    }
    await options.executor.query("update net.http_request_queue set response_status = $1 where id = $2", [status, request.id]);
    // What pg_net itself keeps, so SQL reads responses the same way here and on Supabase.
    await options.executor.query(
      `insert into net._http_response (id, status_code, timed_out, error_msg, created) values ($1, $2, $3, $4, now())
       on conflict (id) do nothing`,
      [request.id, status, timedOut, error],
    );
  }
}

export function startNetWorker(options: NetWorkerOptions): { stop(): Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const id = setInterval(() => {
    // One drain at a time: a slow hook must not make the next tick deliver it again.
    running = running.then(() => drain(options)).catch((err) => options.log(`net: ${err instanceof Error ? err.message : err}`));
  }, options.intervalMs);
  Deno.unrefTimer(id);
  return {
    async stop() {
      clearInterval(id);
      await running;
    },
  };
}
