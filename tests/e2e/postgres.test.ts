// The endpoint suite on real PostgreSQL through the postgres.js adapter (the stack
// with DATABASE_URL, on a fresh database of the test cluster), plus what only a
// server shows: bounded lock waits and an unreachable database.

import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { endpointSuite } from "./endpoints.ts";
import { errorOf, inDays, invoke, SEED_PRODUCTS, sleep, type Stack, startStack } from "./stack.ts";

const clusterUrl = process.env.TEST_DATABASE_URL;
const database = `sambatan_e2e_${randomUUID().slice(0, 8)}`;
const databaseUrl = () => {
  const url = new URL(clusterUrl!);
  url.pathname = `/${database}`;
  return url.toString();
};

// `npm test` always provides the cluster; outside it the suite fails and says how to get one.
describe("endpoints on PostgreSQL (postgres.js adapter)", () => {
  let admin: postgres.Sql;

  beforeAll(async () => {
    if (!clusterUrl) {
      throw new Error("TEST_DATABASE_URL is not set: run through `npm test`, or `node dev/pg-cluster.mjs start` and export its URL");
    }
    admin = postgres(clusterUrl, { max: 2, onnotice: () => {} });
    await admin.unsafe(`create database ${database}`);
  }, 60_000);
  afterAll(async () => {
    if (!admin) return;
    await admin.unsafe(`drop database if exists ${database} with (force)`);
    await admin.end();
  });

  describe("every endpoint", () => {
    endpointSuite(() => startStack({ databaseUrl: databaseUrl() }));
  });

  describe("failure modes", () => {
    let stack: Stack;
    let db: postgres.Sql;
    beforeAll(async () => {
      stack = await startStack({ databaseUrl: databaseUrl(), env: { SAMBATAN_LOCK_TIMEOUT_MS: "300" } });
      db = postgres(databaseUrl(), { max: 2, onnotice: () => {} });
    }, 180_000);
    afterAll(async () => {
      await db?.end();
      await stack?.stop();
    });

    test("a join waiting on a held campaign lock gives up after lock_timeout: UNAVAILABLE (503) with Retry-After", async () => {
      const manager = stack.client(await stack.token(randomUUID(), ["sambatan.manage"]));
      const buyer = stack.client(await stack.token(randomUUID()));
      const created = await invoke(manager, "campaigns-create", {
        body: { product_id: SEED_PRODUCTS.kopiGayo, title: "Terkunci", total_slots: 5, price_per_slot: 1000, deadline: inDays(1) },
      });
      const id = created.body.id;
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let locked!: () => void;
      const holding = new Promise<void>((resolve) => (locked = resolve));
      const holder = db.begin(async (tx) => {
        await tx`select 1 from public.sambatan_campaigns where id = ${id} for update`;
        locked();
        await released;
      });
      await holding;
      const started = Date.now();
      const blocked = await invoke(buyer, "campaign-join", { body: { campaign_id: id, quantity: 1, shipping_address: "Jl. Kenanga 1" } });
      expect(errorOf(blocked)).toMatchObject({ status: 503, code: "UNAVAILABLE" });
      expect(blocked.headers.get("retry-after")).toBe("1");
      expect(Date.now() - started).toBeLessThan(5000);
      release();
      await holder;
      const after = await invoke(buyer, "campaign-join", { body: { campaign_id: id, quantity: 1, shipping_address: "Jl. Kenanga 1" } });
      expect(after.status).toBe(201);
      const [{ filled }] = await db`select filled_slots as filled from public.sambatan_campaigns where id = ${id}`;
      expect(filled).toBe(1);
    });

    test("health says 503 degraded while the database refuses connections, and recovers", async () => {
      await admin.unsafe(`alter database ${database} allow_connections false`);
      await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${database} and pid <> pg_backend_pid()`;
      try {
        const down = await fetch(stack.fn("health"));
        expect(down.status).toBe(503);
        expect(await down.json()).toMatchObject({ status: "degraded", database: "unreachable" });
      } finally {
        await admin.unsafe(`alter database ${database} allow_connections true`);
      }
      let status = 0;
      for (let i = 0; i < 20 && status !== 200; i++) {
        status = (await fetch(stack.fn("health"))).status;
        if (status !== 200) await sleep(250);
      }
      expect(status).toBe(200);
    });
  });
});
