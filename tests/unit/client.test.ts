// The typed client on supabase-js, against a fake server: what goes on the wire and
// how each kind of failure comes back.
import { readFileSync } from "node:fs";
import { createClient } from "@supabase/supabase-js";
import { describe, expect, test } from "vitest";
import { sambatanClient } from "../../shared/client.ts";
import { ENDPOINTS, operationId } from "../../shared/endpoints.ts";

interface Seen {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

class NoRealtime {
  constructor() {
    throw new Error("no realtime here");
  }
}

function clientAnswering(answer: (seen: Seen) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const s = { method: req.method, url: new URL(req.url), headers: req.headers, body: await req.text() };
    seen.push(s);
    return answer(s);
  };
  const supabase = createClient("http://sb.test", "sb_publishable_unit", {
    global: { fetch },
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: NoRealtime as never },
  });
  return { client: sambatanClient(supabase), seen };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "x-request-id": "req-1", ...headers } });

describe("the typed client", () => {
  test("has one method per endpoint apps call, named by its operation id (none for the providers' webhook)", () => {
    const { client } = clientAnswering(() => json(200, {}));
    const appEndpoints = Object.values(ENDPOINTS).filter((c) => c.auth !== "provider_proof").map((c) => operationId(c.name));
    expect(Object.keys(client).sort()).toEqual(appEndpoints.sort());
    expect(client).not.toHaveProperty("paymentWebhook");
    expect(typeof client.participationCheckout).toBe("function");
  });

  test("GET parameters travel in the query string, numbers as text, undefined left out", async () => {
    const { client, seen } = clientAnswering(() => json(200, { items: [], next_cursor: null }));
    const { data, error } = await client.campaignsList({ status: "active", limit: 5, cursor: undefined });
    expect(error).toBeNull();
    expect(data).toEqual({ items: [], next_cursor: null });
    expect(seen[0].method).toBe("GET");
    expect(seen[0].url.pathname).toBe("/functions/v1/campaigns-list");
    expect(Object.fromEntries(seen[0].url.searchParams)).toEqual({ status: "active", limit: "5" });
    expect(seen[0].body).toBe("");
    expect(seen[0].headers.get("apikey")).toBe("sb_publishable_unit");
  });

  test("POST bodies are JSON; the endpoint's own headers are passed on", async () => {
    const { client, seen } = clientAnswering(() => json(201, { id: "p1" }, { "idempotent-replayed": "true" }));
    const input = { campaign_id: "c1", quantity: 2, shipping_address: "Jl. Melati 1" };
    const { data, response } = await client.campaignJoin(input, { headers: { "idempotency-key": "k-1" } });
    expect(data).toEqual({ id: "p1" });
    expect(response?.headers.get("idempotent-replayed")).toBe("true");
    expect(seen[0].method).toBe("POST");
    expect(JSON.parse(seen[0].body)).toEqual(input);
    expect(seen[0].headers.get("content-type")).toBe("application/json");
    expect(seen[0].headers.get("idempotency-key")).toBe("k-1");
  });

  test("campaign-join's 202 waiting-list answer is data, not an error; the new endpoints go to their slugs", async () => {
    const entry = { id: "w1", campaign_id: "c1", quantity: 2, position: 1, status: "waiting", created_at: "2026-12-03T00:00:00.000Z" };
    const { client, seen } = clientAnswering((s) => s.url.pathname.endsWith("campaign-join") ? json(202, { waitlist_entry: entry }) : json(200, { items: [], next_cursor: null }));
    const joined = await client.campaignJoin({ campaign_id: "c1", quantity: 2, shipping_address: "Jl. Melati 1", waitlist: true });
    expect(joined.error).toBeNull();
    expect(joined.response?.status).toBe(202);
    // The type says it may be either answer; narrowing on the key gives the entry.
    expect(joined.data && "waitlist_entry" in joined.data ? joined.data.waitlist_entry.position : undefined).toBe(1);
    expect(JSON.parse(seen[0].body)).toMatchObject({ waitlist: true });
    await client.myWaitlist({ status: "waiting", limit: 5 });
    await client.waitlistLeave({ entry_id: "w1" });
    await client.campaignCancel({ campaign_id: "c1", reason: "Pemasok batal" });
    await client.campaignExtend({ campaign_id: "c1", deadline: "2027-01-01T00:00:00Z" });
    expect(seen.slice(1).map((s) => `${s.method} ${s.url.pathname}${s.url.search}`)).toEqual([
      "GET /functions/v1/my-waitlist?status=waiting&limit=5",
      "POST /functions/v1/waitlist-leave",
      "POST /functions/v1/campaign-cancel",
      "POST /functions/v1/campaign-extend",
    ]);
  });

  test("a POST without input sends {}", async () => {
    const { client, seen } = clientAnswering(() => json(200, {}));
    await client.schedulerTrigger();
    expect(seen[0].body).toBe("{}");
  });

  test("an error answer becomes { code, status, message, details, requestId }", async () => {
    const { client } = clientAnswering(() =>
      json(422, { error: { code: "SLOTS_INSUFFICIENT", message: "Slot tidak cukup.", details: { available_slots: 2 } } })
    );
    const { data, error } = await client.campaignJoin({ campaign_id: "c1", quantity: 9, shipping_address: "A" });
    expect(data).toBeNull();
    expect(error).toEqual({ code: "SLOTS_INSUFFICIENT", status: 422, message: "Slot tidak cukup.", details: { available_slots: 2 }, requestId: "req-1" });
  });

  test("Prometheus text comes back as text", async () => {
    const { client } = clientAnswering(() => new Response("m 1\n", { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } }));
    expect((await client.metrics()).data).toBe("m 1\n");
  });

  test("an answer that is not ours is UNEXPECTED_RESPONSE with its body in details", async () => {
    const { client } = clientAnswering(() => new Response("<html>bad gateway</html>", { status: 502 }));
    expect((await client.health()).error).toMatchObject({ code: "UNEXPECTED_RESPONSE", status: 502, details: { body: "<html>bad gateway</html>" } });
  });

  test("no answer at all is NETWORK_ERROR with status 0", async () => {
    const { client } = clientAnswering(() => Promise.reject(new TypeError("fetch failed")));
    const { error } = await client.health();
    expect(error).toMatchObject({ code: "NETWORK_ERROR", status: 0 });
  });

  test("needs only four files of shared/ and two packages, so an app can take it as it is", () => {
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(new URL(file, new URL("../../shared/", import.meta.url)), "utf8");
      for (const [, spec] of text.matchAll(/^(?:import|export)[^;]*? from "([^"]+)";/gms)) {
        if (spec.startsWith("./")) visit(spec.slice(2));
        else packages.add(spec);
      }
    };
    visit("client.ts");
    expect([...seen].sort()).toEqual(["client.ts", "endpoints.ts", "errors.ts", "schemas.ts"]);
    expect([...packages].sort()).toEqual(["@supabase/supabase-js", "zod"]);
  });
});
