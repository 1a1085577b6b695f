// The OpenAPI document: valid OpenAPI 3.1, committed as generated, and describing
// every function with its method, inputs, success answer and every error code.
import { readFileSync } from "node:fs";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, test } from "vitest";
import { functionSlugs } from "../../dev/stack/functions.ts";
import { type Contract, ENDPOINTS, errorCodes, operationId } from "../../shared/endpoints.ts";
import { ERRORS } from "../../shared/errors.ts";
import { openApiDocument, openApiJson } from "../../shared/openapi.ts";

const doc = openApiDocument() as any;
const contracts = Object.values(ENDPOINTS) as Contract[];
const operationOf = (slug: string) => doc.paths[`/${slug}`][ENDPOINTS[slug as keyof typeof ENDPOINTS].method.toLowerCase()];

describe("the OpenAPI document", () => {
  test("openapi.json is what `npm run gen:openapi` writes now (not stale)", () => {
    const committed = readFileSync(new URL("../../openapi.json", import.meta.url), "utf8");
    expect(committed === openApiJson(), "openapi.json is stale: run `npm run gen:openapi` and commit it").toBe(true);
  });

  test.each([
    ["as committed", doc],
    ["as served", openApiDocument({ functionsUrl: "https://abcd.supabase.co/functions/v1" })],
  ])("validates against the OpenAPI 3.1 schema (%s)", async (_name, document) => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  test("every $ref resolves", async () => {
    const validator = new Validator();
    await validator.validate(structuredClone(doc));
    expect(() => validator.resolveRefs()).not.toThrow();
    const refs = JSON.stringify(doc).match(/"\$ref":"#\/[^"]+"/g) ?? [];
    for (const r of new Set(refs)) {
      const path = r.slice(10, -1).split("/");
      expect(path.reduce((node: any, key) => node?.[key], doc), r).toBeDefined();
    }
  });

  test("describes every function folder, and nothing else", async () => {
    expect(Object.keys(doc.paths).sort()).toEqual((await functionSlugs()).map((s) => `/${s}`));
  });

  test.each(contracts.map((c) => [c.name, c] as const))("%s: method, operationId, inputs and success answer", (slug, c) => {
    const op = operationOf(slug);
    expect(Object.keys(doc.paths[`/${slug}`])).toEqual([c.method.toLowerCase()]);
    expect(op.operationId).toBe(operationId(slug));
    expect(op.responses[String(c.response.status)].content[c.response.contentType ?? "application/json"].schema.$ref).toMatch(/^#\/components\/schemas\//);
    if (c.method === "POST") expect(op.requestBody?.content["application/json"]).toBeDefined();
    else expect(op.requestBody).toBeUndefined();
    const queryNames = op.parameters.filter((p: any) => p.in === "query").map((p: any) => p.name);
    expect(queryNames).toEqual("query" in c ? Object.keys((c.query as any).shape) : []);
  });

  test.each(contracts.map((c) => [c.name, c] as const))("%s: every error code it can answer, under its status", (slug, c) => {
    const op = operationOf(slug);
    const documented = Object.entries(op.responses).flatMap(([status, r]: [string, any]) =>
      (r.content?.["application/json"]?.schema?.allOf?.[1]?.properties.error.properties.code.enum ?? []).map((code: string) => `${status} ${code}`)
    );
    expect(documented.sort()).toEqual(errorCodes(c).map((code) => `${ERRORS[code].status} ${code}`).sort());
  });

  test("security: API keys in the apikey header and the user's JWT as a bearer token", () => {
    expect(doc.components.securitySchemes).toMatchObject({
      publishableKey: { type: "apiKey", in: "header", name: "apikey" },
      secretKey: { type: "apiKey", in: "header", name: "apikey" },
      userJwt: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
    });
    expect(operationOf("health").security).toEqual([]);
    expect(operationOf("openapi").security).toEqual([]);
    expect(operationOf("lifecycle").security).toEqual([{ secretKey: [] }]);
    expect(operationOf("campaign-join").security).toEqual([{ publishableKey: [], userJwt: [] }]);
    expect(operationOf("metrics").security).toEqual([{ publishableKey: [], userJwt: [] }, { secretKey: [] }]);
  });

  test("campaign-join documents Idempotency-Key and the replay header; errors their Retry-After", () => {
    const op = operationOf("campaign-join");
    expect(op.parameters).toContainEqual(expect.objectContaining({ name: "Idempotency-Key", in: "header", required: false }));
    expect(op.responses["201"].headers["Idempotent-Replayed"]).toBeDefined();
    expect(op.responses["429"].headers["Retry-After"]).toBeDefined();
    expect(op.responses["422"].content["application/json"].schema.allOf[1].properties.error.properties.code.enum)
      .toEqual(["BUYER_LIMIT_EXCEEDED", "IDEMPOTENCY_KEY_REUSED", "SLOTS_INSUFFICIENT"]);
    expect(doc.components.schemas.CampaignJoinRequest.properties.shipping_address).toMatchObject({ minLength: 1, maxLength: 500 });
  });

  test("campaign-join documents its 202 waiting-list answer; campaign-get its current tier", () => {
    const op = operationOf("campaign-join");
    expect(op.responses["202"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Waitlisted" });
    expect(op.responses["202"].headers["Idempotent-Replayed"]).toBeDefined();
    expect(doc.components.schemas.CampaignJoinRequest.properties.waitlist).toMatchObject({ type: "boolean" });
    expect(Object.keys(doc.components.schemas.CampaignsCreateRequest.properties)).toEqual(expect.arrayContaining(["min_slots", "price_tiers", "max_slots_per_buyer"]));
    expect(Object.keys(doc.components.schemas.CampaignWithProgress.properties)).toContain("current_tier");
    expect(doc.components.schemas.Campaign.required).toEqual(expect.arrayContaining(["min_slots", "price_tiers", "max_slots_per_buyer", "extended_at", "cancel_reason"]));
  });

  test("metrics answers Prometheus text; the served document names the project's URL", () => {
    expect(Object.keys(operationOf("metrics").responses["200"].content)).toEqual(["text/plain; version=0.0.4; charset=utf-8"]);
    const served = openApiDocument({ functionsUrl: "https://abcd.supabase.co/functions/v1" }) as any;
    expect(served.servers).toEqual([{ url: "https://abcd.supabase.co/functions/v1" }]);
    expect({ ...served, servers: doc.servers }).toEqual(doc);
  });
});
