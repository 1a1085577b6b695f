// The local stack itself: routing, JWKS, CLI-minted tokens, the drift guard
// between functions/, config.toml and what is served, and a clean restart.

import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { functionSlugs } from "../../dev/stack/functions.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { configuredFunctions, fromSupabaseDir } from "../helpers/config-toml.ts";
import { COVERED_SLUGS } from "./endpoints.ts";
import { errorOf, inDays, invoke, SEED_PRODUCTS, type Stack, startStack } from "./stack.ts";

const root = new URL("../../", import.meta.url);

describe("the local stack", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  }, 180_000);
  afterAll(() => stack?.stop());

  test("drift guard: functions/, config.toml, the contracts, the stack and the e2e suite name the same functions", async () => {
    const folders = await functionSlugs();
    const configured = configuredFunctions();
    expect([...configured.keys()].sort()).toEqual(folders);
    for (const [slug, settings] of configured) {
      expect(settings.verify_jwt, slug).toBe(false);
      expect(settings.entrypoint, slug).toBe(`../functions/${slug}/index.ts`);
      // Entrypoints are relative to supabase/, as the CLI resolves them.
      expect(existsSync(fromSupabaseDir(settings.entrypoint!)), slug).toBe(true);
    }
    expect(Object.keys(ENDPOINTS).sort()).toEqual(folders);
    expect([...COVERED_SLUGS].sort()).toEqual(folders);
    for (const slug of folders) {
      // The stack serves each one, with the method its contract names.
      const res = await fetch(stack.fn(slug), { method: "OPTIONS" });
      expect(res.status, slug).toBe(204);
      expect(res.headers.get("access-control-allow-methods"), slug).toBe(`${ENDPOINTS[slug as keyof typeof ENDPOINTS].method}, OPTIONS`);
    }
  });

  test("unknown functions and routes are NOT_FOUND (404) in our error body", async () => {
    for (const path of ["/functions/v1/nope", "/functions/v1/campaign-get/extra", "/rest/v1/products", "/"]) {
      const res = await fetch(`${stack.url}${path}`);
      expect(res.status, path).toBe(404);
      expect((await res.json()).error.code).toBe("NOT_FOUND");
      expect(res.headers.get("x-request-id")).toBeTruthy();
    }
  });

  test("serves the public half of the signing key as the JWKS", async () => {
    const res = await fetch(`${stack.url}/auth/v1/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    const { keys } = await res.json();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", kid: stack.signingKey.kid, key_ops: ["verify"] });
    expect(keys[0].d).toBeUndefined();
  });

  test("accepts tokens minted by `supabase gen bearer-jwt`", async () => {
    const sub = randomUUID();
    const cli = spawnSync("npx", ["supabase", "gen", "bearer-jwt", "--role", "authenticated", "--sub", sub, "--payload", JSON.stringify({ app_metadata: { permissions: ["sambatan.manage"] } })], {
      cwd: new URL(".", root).pathname,
      encoding: "utf8",
      input: "\n",
    });
    expect(cli.status, cli.stderr).toBe(0);
    const token = cli.stdout.trim().split("\n").at(-1)!;
    const manager = stack.client(token);
    expect((await invoke(manager, "dashboard-summary", { method: "GET" })).status).toBe(200);
    expect((await invoke(manager, "my-participations", { method: "GET" })).status).toBe(200);
  });
});

describe("the stack on disk", () => {
  const dir = mkdtempSync(join(tmpdir(), "sambatan-e2e-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("keeps its data across a Ctrl-C and a restart, without re-running migrations or the seed", async () => {
    const first = await startStack({ dataDir: join(dir, "pglite") });
    const manager = first.client(await first.token(randomUUID(), ["sambatan.manage"]));
    const created = await invoke(manager, "campaigns-create", {
      body: { product_id: SEED_PRODUCTS.kopiGayo, title: "Tetap ada", total_slots: 3, price_per_slot: 1000, deadline: inDays(2) },
    });
    expect(created.status).toBe(201);
    expect(await first.stop("SIGINT")).toBe(0);
    // A new folder starts as a copy of the prepared template (made now if the install did not).
    expect(first.logs.join("\n")).toContain("new database copied from the template");
    expect(first.logs.join("\n")).toContain("data is safe");

    const second = await startStack({ dataDir: join(dir, "pglite"), port: first.port });
    try {
      const got = await invoke(second.client(), "campaign-get", { method: "GET", query: { id: created.body.id } });
      expect(got.body).toMatchObject({ id: created.body.id, title: "Tetap ada" });
      const text = second.logs.join("\n");
      expect(text).toContain("up to date");
      expect(text).not.toContain("loading supabase/seed.sql");
      const products = await invoke(second.client(), "campaigns-list", { method: "GET", query: { limit: "100" } });
      expect(errorOf(products).status).toBe(200);
    } finally {
      expect(await second.stop("SIGTERM")).toBe(0);
    }
  }, 120_000);
});
