// Each function is defined with its contract from shared/endpoints.ts, so the
// OpenAPI document and the typed client describe exactly what is served.
import { describe, expect, test } from "vitest";
import { functionSlugs, functionsDir } from "../../dev/stack/functions.ts";
import { type Contract, ENDPOINTS, errorCodes, operationId } from "../../shared/endpoints.ts";
import type { Endpoint } from "../../shared/http.ts";

const CONTRACT_KEYS = ["name", "method", "auth", "tag", "summary", "body", "query", "headers", "response", "alsoAnswers", "errors"] as const;

describe("the endpoint contracts", () => {
  test("one per function folder", async () => {
    expect(Object.keys(ENDPOINTS).sort()).toEqual(await functionSlugs());
  });

  test.each(Object.keys(ENDPOINTS))("functions/%s/index.ts serves its contract as it is", async (slug) => {
    const endpoint: Endpoint = (await import(new URL(`${slug}/index.ts`, functionsDir).href)).default;
    const contract: Contract = ENDPOINTS[slug as keyof typeof ENDPOINTS];
    for (const key of CONTRACT_KEYS) expect(endpoint.spec[key], `${slug}.${key}`).toBe(contract[key]);
  });

  test("GET endpoints take no body and POST endpoints no query (but payment-webhook's ?provider=)", () => {
    for (const c of Object.values(ENDPOINTS) as Contract[]) {
      if (c.method === "GET") expect(c.body, c.name).toBeUndefined();
      // The URL registered in a provider's dashboard is the only place that says which provider it is.
      else if (c.auth !== "provider_proof") expect(c.query, c.name).toBeUndefined();
    }
  });

  test("payment-webhook is authenticated by the provider's proof and answers UNAUTHENTICATED, never FORBIDDEN", () => {
    expect(ENDPOINTS["payment-webhook"].auth).toBe("provider_proof");
    expect(errorCodes(ENDPOINTS["payment-webhook"])).toContain("UNAUTHENTICATED");
    expect(errorCodes(ENDPOINTS["payment-webhook"])).not.toContain("FORBIDDEN");
    expect(errorCodes(ENDPOINTS["participation-checkout"])).toContain("PAYMENT_PROVIDER_ERROR");
  });

  test("error codes: the wrapper's by method and auth rule, plus the contract's own", () => {
    expect(errorCodes(ENDPOINTS.openapi)).toEqual(["VALIDATION_FAILED", "METHOD_NOT_ALLOWED", "INTERNAL"]);
    expect(errorCodes(ENDPOINTS["campaigns-list"])).toEqual(["VALIDATION_FAILED", "UNAUTHENTICATED", "METHOD_NOT_ALLOWED", "INTERNAL", "UNAVAILABLE"]);
    expect(errorCodes(ENDPOINTS["campaign-join"])).toEqual([
      "VALIDATION_FAILED", "UNAUTHENTICATED", "FORBIDDEN", "CAMPAIGN_NOT_FOUND", "METHOD_NOT_ALLOWED",
      "ALREADY_JOINED", "CAMPAIGN_CLOSED", "CAMPAIGN_FULL", "IDEMPOTENCY_IN_FLIGHT", "DEADLINE_PASSED",
      "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE", "BUYER_LIMIT_EXCEEDED", "IDEMPOTENCY_KEY_REUSED", "SLOTS_INSUFFICIENT",
      "RATE_LIMITED", "INTERNAL", "UNAVAILABLE",
    ]);
    expect(errorCodes(ENDPOINTS.lifecycle)).not.toContain("FORBIDDEN");
  });

  test("the campaign rules: campaign-join may answer 202 only with waitlist; the organiser actions need sambatan.manage", () => {
    expect(ENDPOINTS["campaign-join"].alsoAnswers).toEqual([expect.objectContaining({ status: 202, onlyWith: "waitlist" })]);
    expect(Object.keys((ENDPOINTS["campaign-join"].body as { shape: object }).shape)).toContain("waitlist");
    for (const slug of ["campaign-cancel", "campaign-extend"] as const) {
      expect(ENDPOINTS[slug]).toMatchObject({ method: "POST", auth: { permission: "sambatan.manage" } });
      expect(errorCodes(ENDPOINTS[slug])).toEqual(expect.arrayContaining(["CAMPAIGN_NOT_FOUND", "CAMPAIGN_CLOSED", "FORBIDDEN"]));
    }
    expect(errorCodes(ENDPOINTS["campaign-extend"])).toContain("CAMPAIGN_ALREADY_EXTENDED");
    expect(ENDPOINTS["waitlist-leave"]).toMatchObject({ method: "POST", auth: "user" });
    expect(ENDPOINTS["my-waitlist"]).toMatchObject({ method: "GET", auth: "user" });
    expect(errorCodes(ENDPOINTS["waitlist-leave"])).toEqual(expect.arrayContaining(["WAITLIST_ENTRY_NOT_FOUND", "WAITLIST_ENTRY_FINAL"]));
  });

  test("operation ids are the slugs in camelCase", () => {
    expect(operationId("product-sambatan-toggle")).toBe("productSambatanToggle");
    expect(operationId("health")).toBe("health");
  });
});
