// The OpenAPI 3.1 document of every function, built from shared/endpoints.ts and
// the zod schemas the functions validate with (zod's JSON Schema output is draft
// 2020-12, the dialect OpenAPI 3.1 uses). `dev/gen-openapi.ts` writes it to
// openapi.json; the `openapi` function serves it with the project's own URL.

import { z } from "zod";
import { type Answer, type AuthRule, type Contract, ENDPOINTS, errorCodes, operationId, type ResponseHeader, type Tag } from "./endpoints.ts";
import { ERRORS, type ErrorCode } from "./errors.ts";
import * as s from "./schemas.ts";
import { VERSION } from "./version.ts";

type JsonSchema = Record<string, unknown>;
type Json = Record<string, unknown>;

/** Output shapes worth a name of their own; other responses are named after their endpoint. */
const NAMED_OUTPUTS: [string, z.ZodType][] = [
  ["Campaign", s.campaign],
  ["Progress", s.progress],
  ["CampaignWithProgress", s.campaignWithProgress],
  ["Participation", s.participation],
  ["Event", s.event],
  ["Product", s.product],
  ["CheckoutAnswer", s.checkoutAnswer],
  ["WebhookAnswer", s.webhookAnswer],
  ["Refund", s.refund],
  ["WaitlistEntry", s.waitlistEntry],
  ["Waitlisted", s.waitlisted],
  ["CurrentTier", s.currentTier],
  ["DashboardSummary", s.dashboardSummary],
  ["Execution", s.execution],
  ["JobStatus", s.jobStatus],
  ["SchedulerStatus", s.schedulerStatus],
  ["TriggerResult", s.triggerResult],
  ["LifecycleSummary", s.lifecycleSummary],
  ["Health", s.health],
  ["OpenApiDocument", s.openApiDocument],
  ["PrometheusText", s.prometheusText],
];

const TAGS: Record<Tag, string> = {
  campaigns: "Campaigns: open, list and follow them.",
  participations: "A buyer's participations: join, cancel, list.",
  payments: "Paying for a participation (Midtrans, Xendit or by hand), provider notifications, the refunds ledger.",
  management: "For managers (`sambatan.manage`).",
  webhooks: "Signed notifications to a shop's systems (Standard Webhooks): endpoints, deliveries, redelivery (`sambatan.manage`).",
  scheduler: "Scheduled jobs: the cron hook and the operators' controls (`scheduled_job.*`).",
  operations: "Health, metrics and this document.",
};

const pascal = (slug: string) => slug.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });

/** zod's JSON Schema without the keys that belong to a standalone document, not to a component. */
function bare(schema: JsonSchema): JsonSchema {
  const { $schema: _schema, $id: _id, ...rest } = schema;
  return rest;
}

// zod writes a pattern beside each format; the formats (uuid, date-time) say it, and
// the patterns would be most of the document.
const DROP_FORMAT_PATTERNS = {
  override: ({ jsonSchema }: { jsonSchema: JsonSchema }) => {
    if (jsonSchema.format && jsonSchema.pattern) delete jsonSchema.pattern;
  },
};

/** Each schema converted once through a registry, so shared shapes become $refs to components. */
function components(entries: [string, z.ZodType][], io: "input" | "output"): { names: Map<z.ZodType, string>; schemas: Json } {
  const registry = z.registry<{ id: string }>();
  const names = new Map<z.ZodType, string>();
  for (const [name, schema] of entries) {
    if (names.has(schema)) continue;
    names.set(schema, name);
    registry.add(schema, { id: name });
  }
  const converted = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}`, ...DROP_FORMAT_PATTERNS }).schemas;
  return { names, schemas: Object.fromEntries(Object.entries(converted).map(([k, v]) => [k, bare(v as JsonSchema)])) };
}

const inline = (schema: z.ZodType): JsonSchema => bare(z.toJSONSchema(schema, { io: "input", ...DROP_FORMAT_PATTERNS }) as JsonSchema);

function security(rule: AuthRule): Json[] {
  const user = { publishableKey: [], userJwt: [] };
  const secret = { secretKey: [] };
  if (rule === "none") return [];
  if (rule === "publishable_or_user") return [{ publishableKey: [] }, user, secret];
  if (rule === "user") return [user];
  if (rule === "secret") return [secret];
  // The provider's proof is its own (a body signature or x-callback-token), not an API credential.
  if (rule === "provider_proof") return [];
  return [user, secret]; // user_or_secret, and a permission (which a secret key holds)
}

function whoMayCall(rule: AuthRule): string {
  if (rule === "none") return "anyone: no credentials needed.";
  if (rule === "publishable_or_user") return "the app's publishable key, a signed-in user, or a secret key.";
  if (rule === "user") return "a signed-in user (a buyer); a secret key is refused with FORBIDDEN.";
  if (rule === "user_or_secret") return "a signed-in user or a secret key; the database decides what each may do.";
  if (rule === "secret") return "a secret key only (server to server: pg_cron through pg_net).";
  if (rule === "provider_proof") {
    return "the payment provider named by `?provider=`: Midtrans proves a notification with `signature_key` " +
      "(SHA-512 of order_id + status_code + gross_amount + server key), Xendit with the `x-callback-token` header; " +
      "without a valid proof the answer is 401 and nothing is written.";
  }
  return `a user whose JWT grants \`${rule.permission}\` (in \`app_metadata.permissions\`, or \`app_metadata.role = "admin"\`), or a secret key.`;
}

/** Query or header parameters from an object schema's properties. */
function parameters(schema: z.ZodType | undefined, where: "query" | "header"): Json[] {
  if (!schema) return [];
  const json = inline(schema);
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries((json.properties ?? {}) as Record<string, JsonSchema>).map(([name, { description, ...property }]) => ({
    // Header names are case-insensitive; the schemas hold them lower-cased, docs show them as sent.
    name: where === "header" ? name.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()) : name,
    in: where,
    required: required.has(name),
    ...(description ? { description } : {}),
    schema: property,
  }));
}

const ALWAYS_HEADERS = { "X-Request-Id": ref("headers", "XRequestId") };
const HEADER_COMPONENTS: Record<ResponseHeader, string> = { "Idempotent-Replayed": "IdempotentReplayed", "Retry-After": "RetryAfter" };

function answer(a: Answer, names: Map<z.ZodType, string>): Json {
  return {
    description: a.description,
    headers: { ...ALWAYS_HEADERS, ...Object.fromEntries((a.headers ?? []).map((h) => [h, ref("headers", HEADER_COMPONENTS[h])])) },
    content: { [a.contentType ?? "application/json"]: { schema: ref("schemas", names.get(a.schema)!) } },
  };
}

function errorAnswers(contract: Contract): Record<string, Json> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodes(contract)) byStatus.set(ERRORS[code].status, [...(byStatus.get(ERRORS[code].status) ?? []), code]);
  return Object.fromEntries([...byStatus].map(([status, codes]) => [String(status), {
    description: codes.map((c) => `\`${c}\``).join(", "),
    headers: {
      ...ALWAYS_HEADERS,
      ...(status === 429 || status === 503 ? { "Retry-After": ref("headers", "RetryAfter") } : {}),
      ...(status === 405 ? { Allow: ref("headers", "Allow") } : {}),
    },
    // The envelope once as a component; each status narrows `code` to the codes it carries.
    content: {
      "application/json": {
        schema: { allOf: [ref("schemas", "Error"), { properties: { error: { properties: { code: { enum: codes } } } } }] },
      },
    },
  }]));
}

function operation(contract: Contract, outputs: Map<z.ZodType, string>, inputs: Map<z.ZodType, string>, inputSchemas: Json): Json {
  const body = contract.body && inputs.get(contract.body);
  const bodyRequired = body ? ((inputSchemas[body] as JsonSchema).required as unknown[] | undefined)?.length ?? 0 : 0;
  return {
    operationId: operationId(contract.name),
    tags: [contract.tag],
    summary: contract.summary,
    description: `Who may call: ${whoMayCall(contract.auth)}`,
    security: security(contract.auth),
    parameters: [
      ...parameters(contract.query, "query"),
      ...parameters(contract.headers, "header"),
      ref("parameters", "AcceptLanguage"),
    ],
    ...(body
      ? { requestBody: { required: bodyRequired > 0, content: { "application/json": { schema: ref("schemas", body) } } } }
      : {}),
    responses: {
      ...Object.fromEntries([contract.response, ...(contract.alsoAnswers ?? [])].map((a) => [String(a.status), answer(a, outputs)])),
      ...errorAnswers(contract),
    },
  };
}

function build(): Json {
  const contracts: Contract[] = Object.values(ENDPOINTS);
  const output = components([
    ...NAMED_OUTPUTS,
    ...contracts.flatMap((c) => [c.response, ...(c.alsoAnswers ?? [])].map((a): [string, z.ZodType] => [`${pascal(c.name)}Response`, a.schema])),
  ], "output");
  const input = components(contracts.flatMap((c) => (c.body ? [[`${pascal(c.name)}Request`, c.body] as [string, z.ZodType]] : [])), "input");
  const inputSchemas = input.schemas;

  return {
    openapi: "3.1.0",
    info: {
      title: "Sambatan API",
      version: VERSION,
      description: "Group buying (patungan) for Supabase apps: one edge function per endpoint. " +
        "JSON in, JSON out, bodies up to 64 KiB, timestamps ISO 8601 UTC, money in integer rupiah. " +
        "Errors answer `{\"error\": {\"code\", \"message\", \"details\"}}`; clients act on `code`, never on `message`.",
    },
    servers: [{
      url: "{supabaseUrl}/functions/v1",
      variables: { supabaseUrl: { default: "http://127.0.0.1:54321", description: "The project URL (https://<ref>.supabase.co)." } },
    }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths: Object.fromEntries(contracts.map((c) => [
      `/${c.name}`,
      { [c.method.toLowerCase()]: operation(c, output.names, input.names, inputSchemas) },
    ])),
    components: {
      schemas: { ...output.schemas, ...inputSchemas, Error: inline(s.errorBody(Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]])) },
      parameters: {
        AcceptLanguage: {
          name: "Accept-Language",
          in: "header",
          required: false,
          description: "Error messages in English with `en`; Indonesian otherwise.",
          schema: { type: "string" },
        },
      },
      headers: {
        XRequestId: { description: "The request's id, also in its log line; quote it when reporting an error.", schema: { type: "string" } },
        RetryAfter: { description: "Seconds to wait before retrying.", schema: { type: "integer", minimum: 0 } },
        Allow: { description: "The methods the function answers.", schema: { type: "string" } },
        IdempotentReplayed: { description: "`true` when this is the stored answer to an earlier request with the same Idempotency-Key.", schema: { type: "string", enum: ["true"] } },
      },
      securitySchemes: {
        publishableKey: { type: "apiKey", in: "header", name: "apikey", description: "The project's publishable key (`sb_publishable_…`), as apps send it." },
        secretKey: { type: "apiKey", in: "header", name: "apikey", description: "A secret key (`sb_secret_…`), server to server only; acts as the service role." },
        userJwt: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "The signed-in user's access token from Supabase Auth." },
      },
    },
  };
}

let built: Json | undefined;

export interface DocumentOptions {
  /** The functions' base URL (`<SUPABASE_URL>/functions/v1`); without it the server is a template. */
  functionsUrl?: string;
}

/** The document; the same object for every call but for `servers`. */
export function openApiDocument(options: DocumentOptions = {}): Json {
  built ??= build();
  return options.functionsUrl ? { ...built, servers: [{ url: options.functionsUrl }] } : built;
}

/** The text `openapi.json` holds: the template-server document, two-space indented. */
export function openApiJson(): string {
  return `${JSON.stringify(openApiDocument(), null, 2)}\n`;
}
