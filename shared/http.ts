// The wrapper every function is: CORS, method, authentication, input validation,
// one handler, and one answer in our shape with x-request-id and one log line.
// Handlers only say what they take, which RPC they call and what they answer.

import { withSupabase } from "@supabase/server";
import type { z } from "zod";
import { type AuthRule, authenticate } from "./auth.ts";
import { type Config, type Env, loadConfig } from "./config.ts";
import { resolveDb } from "./db/registry.ts";
import type { Caller, RpcCall, RpcName, UntypedArgs } from "./db/port.ts";
import type { Contract, Method } from "./endpoints.ts";
import { DomainError, type ErrorCode, fromDatabaseError, type Lang, messageFor } from "./errors.ts";
import { preferredLang } from "./lang.ts";
import { describeError, hashUserId, type JobLog, logJob, logRequest } from "./log.ts";
import { headerObject, queryObject, readJsonBody, validate } from "./request.ts";
import { emptyQuery } from "./schemas.ts";

export type { Method };

// docs/API.md's lists: supabase-js sends the first four, apps add Idempotency-Key and
// Accept-Language (and may pass their own x-request-id); browsers may read ours back.
export const CORS_ALLOWED_HEADERS =
  "authorization, apikey, x-client-info, content-type, idempotency-key, accept-language, x-request-id";
export const CORS_EXPOSED_HEADERS = "x-request-id, retry-after, idempotent-replayed";

/**
 * The CORS headers of an endpoint answering `method`. @supabase/server takes them as
 * its `cors` configuration (its default is supabase-js's list, which lacks our
 * request headers and exposes none), and like it every answer carries the same set.
 */
export function corsHeadersFor(method: Method): Record<string, string> {
  return {
    "access-control-allow-origin": "*",
    "access-control-allow-methods": `${method}, OPTIONS`,
    "access-control-allow-headers": CORS_ALLOWED_HEADERS,
    "access-control-expose-headers": CORS_EXPOSED_HEADERS,
    "access-control-max-age": "86400",
  };
}

/** What answers no endpoint's route still carries, so a browser can read the error. */
const ROUTELESS_CORS: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-expose-headers": CORS_EXPOSED_HEADERS,
};

/** What a handler answers: a status (200 by default), a JSON body, extra headers. */
export interface Reply {
  status?: number;
  /** A JSON body, or with `contentType` the text to send as it is. */
  body: unknown;
  contentType?: string;
  /** Extra headers; undefined ones are left out. */
  headers?: Record<string, string | undefined>;
  /** A failure the handler answered for itself (health's 503), still worth logging. */
  logError?: unknown;
}

export interface EndpointContext<B, Q, H> {
  req: Request;
  body: B;
  query: Q;
  headers: H;
  caller: Caller;
  lang: Lang;
  requestId: string;
  config: Config;
  /** Calls one RPC as the caller. */
  rpc: RpcCall;
  /** The same, under a statement timeout of `timeoutMs` where the adapter can set one per call. */
  rpcWithin(timeoutMs: number): RpcCall;
  /** Writes a job execution's log line, tied to this request (nothing when logs are off). */
  logJob(entry: Omit<JobLog, "request_id">): void;
}

/**
 * A function: its contract (usually `...ENDPOINTS[slug]` from shared/endpoints.ts),
 * where its configuration comes from, and its handler. The wrapper acts on the
 * contract's name, method, auth and schemas; the rest describes it for the
 * OpenAPI document and the typed client.
 */
export interface EndpointSpec<
  BS extends z.ZodType = z.ZodType,
  QS extends z.ZodType = z.ZodType,
  HS extends z.ZodType = z.ZodType,
> extends Partial<Omit<Contract, "name" | "method" | "auth" | "body" | "query" | "headers">> {
  /** The function's slug, for logs. */
  name: string;
  method: Method;
  auth: AuthRule;
  /** Body schema (POST); without one the body must be empty or `{}`. */
  body?: BS;
  /** Query schema; without one the query string must be empty. */
  query?: QS;
  /** Header schema, given the headers with lower-case names. */
  headers?: HS;
  /** The environment record (functions pass `() => Deno.env.toObject()`); read once. */
  env: () => Env;
  handler(ctx: EndpointContext<z.output<BS>, z.output<QS>, z.output<HS>>): Promise<Reply>;
}

export interface Endpoint {
  fetch(req: Request): Promise<Response>;
  /** What it was defined with, so tests can hold it to its contract. */
  readonly spec: Readonly<EndpointSpec<z.ZodType, z.ZodType, z.ZodType>>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/;

function requestIdOf(req: Request): string {
  const given = req.headers.get("x-request-id");
  return given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
}

function baseHeaders(requestId: string, cors: Record<string, string> = ROUTELESS_CORS): Headers {
  return new Headers({ ...cors, "x-request-id": requestId });
}

export function jsonResponse(status: number, body: unknown, headers: Headers): Response {
  return textResponse(status, JSON.stringify(body), "application/json; charset=utf-8", headers);
}

function textResponse(status: number, text: string, contentType: string, headers: Headers): Response {
  headers.set("content-type", contentType);
  headers.set("cache-control", "no-store");
  return new Response(text, { status, headers });
}

/** Our error body for `err`, localized; INTERNAL carries the request id only. */
export function errorResponse(err: DomainError, lang: Lang, requestId: string, headers = baseHeaders(requestId)): Response {
  const retryAfter = err.retryAfterSeconds;
  if (retryAfter !== undefined) headers.set("retry-after", String(retryAfter));
  const details = err.code === "INTERNAL" ? { request_id: requestId } : err.details;
  return jsonResponse(err.status, { error: { code: err.code, message: messageFor(err.code, lang), details } }, headers);
}

/** A bare error answer for routes no endpoint owns (the local stack's 404s). */
export function plainError(req: Request, code: ErrorCode, details: Record<string, unknown> = {}): Response {
  return errorResponse(new DomainError(code, details), preferredLang(req.headers.get("accept-language")), requestIdOf(req));
}

/** Builds a function's `{ fetch }` from its spec. Nothing runs until the first request. */
export function defineEndpoint<BS extends z.ZodType, QS extends z.ZodType, HS extends z.ZodType>(
  spec: EndpointSpec<BS, QS, HS>,
): Endpoint {
  const bodySchema = spec.body ?? emptyQuery;
  const querySchema = spec.query ?? emptyQuery;
  const cors = corsHeadersFor(spec.method);
  // @supabase/server answers a preflight itself, before it looks at credentials or
  // configuration. Only OPTIONS goes through it: its authentication answers in its
  // own body and builds two clients per request, where ours answers in our error
  // shape with our rules (shared/auth.ts), so every other method is ours.
  const preflight = withSupabase({ auth: "none", cors: { headers: cors } }, () => {
    throw new Error("withSupabase runs no handler for OPTIONS");
  });

  async function run(req: Request, requestId: string, lang: Lang, log: { auth?: string; user?: string }): Promise<Reply> {
    if (req.method !== spec.method) {
      throw new DomainError("METHOD_NOT_ALLOWED", { allowed: [spec.method, "OPTIONS"] });
    }
    const config = loadConfig(spec.env);
    const who = await authenticate(req, spec.auth, config);
    log.auth = who.via;
    if (who.userId) log.user = await hashUserId(who.userId);

    // Without a schema of its own an endpoint takes no input: the strict empty schema
    // rejects anything sent, and the handler's type then holds nothing to use.
    const query = validate(querySchema, queryObject(new URL(req.url)), "query") as z.output<QS>;
    const headers = (spec.headers ? validate(spec.headers, headerObject(req), "header") : {}) as z.output<HS>;
    const body = (spec.method === "POST" ? validate(bodySchema, await readJsonBody(req), "body") : {}) as z.output<BS>;
    const db = resolveDb(config);
    // Adapters already reject with DomainErrors; mapping again keeps any other Db honest.
    const rpcWithin = (statementTimeoutMs?: number) => ((name: RpcName, args: UntypedArgs = {}) =>
      db.rpc(name, args as never, who.caller, { statementTimeoutMs }).catch((err) => Promise.reject(fromDatabaseError(err)))) as RpcCall;
    const rpc = rpcWithin();

    return spec.handler({
      req,
      body,
      query,
      headers,
      caller: who.caller,
      lang,
      requestId,
      config,
      rpc,
      rpcWithin,
      logJob: (entry) => {
        if (config.log !== "off") logJob({ request_id: requestId, ...entry });
      },
    });
  }

  return {
    spec,
    async fetch(req: Request): Promise<Response> {
      const started = performance.now();
      const requestId = requestIdOf(req);
      const lang = preferredLang(req.headers.get("accept-language"));
      const log: { auth?: string; user?: string; code?: string; error?: string } = {};
      let response: Response;

      if (req.method === "OPTIONS") {
        response = await preflight(req);
        response.headers.set("x-request-id", requestId);
      } else {
        try {
          const reply = await run(req, requestId, lang, log);
          const headers = baseHeaders(requestId, cors);
          for (const [k, v] of Object.entries(reply.headers ?? {})) if (v !== undefined) headers.set(k, v);
          if (reply.logError !== undefined) log.error = describeError(reply.logError);
          response = reply.contentType
            ? textResponse(reply.status ?? 200, String(reply.body), reply.contentType, headers)
            : jsonResponse(reply.status ?? 200, reply.body, headers);
        } catch (caught) {
          const err = caught instanceof DomainError ? caught : new DomainError("INTERNAL", {}, { cause: caught });
          log.code = err.code;
          if (err.status >= 500) log.error = describeError(err.cause ?? err);
          const headers = baseHeaders(requestId, cors);
          if (err.code === "METHOD_NOT_ALLOWED") headers.set("allow", `${spec.method}, OPTIONS`);
          response = errorResponse(err, lang, requestId, headers);
        }
      }

      if (loggingEnabled(spec)) {
        logRequest({
          request_id: requestId,
          function: spec.name,
          method: req.method,
          status: response.status,
          duration_ms: Math.round((performance.now() - started) * 10) / 10,
          ...log,
        });
      }
      return response;
    },
  };
}

function loggingEnabled(spec: EndpointSpec<z.ZodType, z.ZodType, z.ZodType>): boolean {
  try {
    return loadConfig(spec.env).log !== "off";
  } catch {
    return true; // a broken configuration is exactly what the log must show
  }
}
