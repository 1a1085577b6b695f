// Webhook delivery end to end: a real receiver on 127.0.0.1 that fails, hangs past
// the timeout and recovers; events from joins and the lifecycle; delivery from the
// function path (scheduler-trigger / lifecycle: fetch) and from the in-database path
// (pg_net stand-in); a stack killed mid-delivery. Every event arrives at least once,
// each request verifies with the standardwebhooks package, and an event arrives more
// than once only when an earlier request of it was not answered 2xx.

import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { SupabaseClient } from "@supabase/supabase-js";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { MANAGE, OPERATE, type PgStack, serverFailures, stackOnFreshDatabase } from "./harness.ts";
import { inDays, invoke, SEED_PRODUCTS, sleep, type Stack, startStack } from "./stack.ts";

type Mode = "fail" | "hang" | "ok";
interface Receipt { id: string; body: string; headers: Record<string, string>; answered: number | null }

/** A receiver whose behaviour the test switches; it remembers every request. */
class Receiver {
  mode: Mode = "ok";
  readonly receipts: Receipt[] = [];
  private hanging: ServerResponse[] = [];
  private server!: Server;
  url = "";

  async start() {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        const receipt: Receipt = {
          id: String(req.headers["webhook-id"]),
          body: Buffer.concat(chunks).toString("utf8"),
          headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
          answered: null,
        };
        this.receipts.push(receipt);
        if (this.mode === "hang") {
          this.hanging.push(res);
          return;
        }
        receipt.answered = this.mode === "ok" ? 204 : 500;
        res.writeHead(receipt.answered).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/hooks`;
  }

  /** Ends the hung requests (their senders timed out long ago). */
  release() {
    for (const res of this.hanging.splice(0)) res.destroy();
  }

  async stop() {
    this.release();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

let env: PgStack;
let stack: Stack;
let manager: SupabaseClient;
let operator: SupabaseClient;
const receiver = new Receiver();
let secret = "";
let endpointId = "";
const sql = () => env.db.sql;

const setting = (key: string, value: number) =>
  sql()`update sambatan_private.settings set value = to_jsonb(${value}::int) where key = ${key}`;

async function deliverNow() {
  const r = await invoke(operator, "scheduler-trigger", { body: { job: "notifications.deliver" } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.execution;
}

async function openCampaignAndFill(slots: number) {
  const c = await invoke(manager, "campaigns-create", {
    body: { product_id: SEED_PRODUCTS.kopiGayo, title: "Kopi untuk webhook", total_slots: slots, price_per_slot: 5000, deadline: inDays(2) },
  });
  expect(c.status).toBe(201);
  for (let i = 0; i < slots; i++) {
    const buyer = stack.client(await stack.token(randomUUID()));
    const j = await invoke(buyer, "campaign-join", { body: { campaign_id: c.body.id, quantity: 1, shipping_address: "Jl. Kenanga No. 3" } });
    expect(j.status).toBe(201);
  }
  return c.body.id as string;
}

/** Every stored event, with whether it reached the receiver with a 2xx answer exactly once. */
async function checkDelivered() {
  const events = await sql()<{ id: string; payload: unknown }[]>`select id::text, payload from public.notification_events`;
  const wh = new Webhook(secret);
  for (const r of receiver.receipts) {
    // Throws on a bad signature, a tampered body or a stale timestamp.
    expect(wh.verify(r.body, r.headers)).toMatchObject({ id: r.id });
    expect(r.body).not.toMatch(/Kenanga|shipping_address|note/);
  }
  for (const e of events) {
    const mine = receiver.receipts.filter((r) => r.id === e.id);
    expect(mine.filter((r) => r.answered === 204), `event ${e.id}`).toHaveLength(1);
    // Duplicates only on retries: every receipt before the successful one went unanswered or failed.
    expect(mine.at(-1)!.answered).toBe(204);
    expect(JSON.parse(mine.at(-1)!.body)).toEqual(e.payload);
  }
  return events.length;
}

beforeAll(async () => {
  await receiver.start();
  env = await stackOnFreshDatabase({ env: { SAMBATAN_NET_POLL_MS: "100" } });
  stack = env.stack;
  manager = stack.client(await stack.token(randomUUID(), MANAGE));
  operator = stack.client(await stack.token(randomUUID(), OPERATE));
  await setting("webhook_timeout_ms", 800);
  await setting("webhook_retry_base_ms", 50);
  await setting("webhook_retry_max_delay_seconds", 1);
  await setting("webhook_lease_margin_seconds", 1);
  const created = await invoke(manager, "webhooks-create", {
    body: { url: receiver.url, event_types: ["participation.joined", "campaign.locked", "campaign.fulfilled", "job.failed"] },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  secret = created.body.secret;
  endpointId = created.body.id;
}, 180_000);

afterAll(async () => {
  await env?.stop();
  await receiver.stop();
});

describe("webhook delivery", () => {
  test("the secret is shown once: list and history never carry it", async () => {
    const list = await invoke(manager, "webhooks-list", { method: "GET" });
    expect(list.status).toBe(200);
    expect(list.body.items.map((e: { id: string }) => e.id)).toEqual([endpointId]);
    expect(JSON.stringify(list.body)).not.toContain(secret);
  });

  test("through failures and timeouts every event is delivered at least once, signed, duplicated only on retries", async () => {
    receiver.mode = "fail";
    const campaignId = await openCampaignAndFill(3);
    const run = await invoke(operator, "scheduler-trigger", { body: { job: "sambatan.lifecycle" } });
    expect(run.status).toBe(200);
    expect(run.body.execution.result.fulfilled).toBe(1);
    const events = await sql()`select type from public.notification_events where campaign_id = ${campaignId}`;
    expect(events.map((e) => e.type).sort()).toEqual([
      "campaign.fulfilled", "campaign.locked", "participation.joined", "participation.joined", "participation.joined"]);

    // The lifecycle hook runs every due job, delivery last; its minute has come round.
    await sql()`update sambatan_jobs.scheduled_jobs set next_run_at = now() - interval '1 second' where name = 'notifications.deliver'`;
    const hook = await invoke(stack.client(undefined, stack.secretKey), "lifecycle", { body: {} });
    expect(hook.status).toBe(200);
    expect(hook.body.jobs.map((e: { job: string }) => e.job).at(-1)).toBe("notifications.deliver");
    receiver.mode = "hang";
    await sleep(300);
    await deliverNow();
    receiver.release();
    receiver.mode = "ok";
    for (let i = 0; i < 20; i++) {
      const [{ n }] = await sql()`select count(*)::int as n from public.webhook_deliveries where status <> 'succeeded'`;
      if (n === 0) break;
      await sleep(300);
      await deliverNow();
    }
    expect(await checkDelivered()).toBe(5);
    const statuses = await sql()`select distinct status, path from public.webhook_delivery_attempts order by 1`;
    expect(statuses).toEqual([
      { status: "failed", path: "function" }, { status: "succeeded", path: "function" }, { status: "timeout", path: "function" }]);
    const history = await invoke(manager, "webhook-deliveries", { method: "GET", query: { endpoint_id: endpointId, event_type: "campaign.locked" } });
    expect(history.status).toBe(200);
    expect(history.body.items[0]).toMatchObject({ status: "succeeded", last_response_code: 204 });
    const attempts = history.body.items[0].history.map((h: { status: string }) => h.status);
    expect(attempts.slice(-2)).toEqual(["timeout", "succeeded"]);
    expect(new Set(attempts.slice(0, -2))).toEqual(new Set(["failed"]));
  }, 120_000);

  test("past the retry window a delivery is dead; redelivery sends it again with the same webhook-id", async () => {
    await setting("webhook_retry_window_seconds", 1);
    receiver.mode = "fail";
    await openCampaignAndFill(1);
    for (let i = 0; i < 10; i++) {
      const [{ n }] = await sql()`select count(*)::int as n from public.webhook_deliveries where status in ('pending', 'retrying')`;
      if (n === 0) break;
      await sleep(400);
      await deliverNow();
    }
    const dead = await invoke(manager, "webhook-deliveries", { method: "GET", query: { status: "dead" } });
    expect(dead.body.items.length).toBe(2);
    await setting("webhook_retry_window_seconds", 86400);
    receiver.mode = "ok";
    const again = await invoke(manager, "webhook-redeliver", { body: { endpoint_id: endpointId } });
    expect(again.body).toEqual({ redelivered: 2 });
    await deliverNow();
    expect(await checkDelivered()).toBe(7);
  }, 60_000);

  test("the in-database path (pg_net) delivers the same signed bytes and records the answer on its next run", async () => {
    receiver.mode = "ok";
    await openCampaignAndFill(1);
    const runInDatabase = async () => {
      await sql().begin(async (tx) => {
        const [{ id }] = await tx`select (sambatan_jobs.job_start('notifications.deliver', 'manual')).id`;
        await tx`select sambatan_jobs.job_batch(${id})`;
        await tx`select sambatan_jobs.job_finish(${id})`;
      });
    };
    await runInDatabase();
    for (let i = 0; i < 50 && receiver.receipts.length < 9; i++) await sleep(100);
    await sleep(300);
    await runInDatabase();
    expect(await checkDelivered()).toBe(9);
    const [{ n }] = await sql()`select count(*)::int as n from public.webhook_delivery_attempts where path = 'database' and status = 'succeeded'`;
    expect(n).toBe(2);
  }, 60_000);

  test("a stack killed mid-delivery loses nothing: the lease runs out and the event goes again", async () => {
    receiver.mode = "hang";
    await openCampaignAndFill(1);
    const before = receiver.receipts.length;
    const trigger = invoke(operator, "scheduler-trigger", { body: { job: "notifications.deliver" } }).catch(() => null);
    for (let i = 0; i < 50 && receiver.receipts.length < before + 2; i++) await sleep(50);
    expect(receiver.receipts.length).toBe(before + 2);
    await stack.stop("SIGKILL");
    await trigger;
    receiver.release();
    receiver.mode = "ok";
    stack = env.stack = await startStack({ databaseUrl: env.db.url, port: stack.port, env: { SAMBATAN_NET_POLL_MS: "100" } });
    // The killed run still holds the job's lease; a takeover needs it expired.
    await sql()`update sambatan_jobs.scheduled_jobs set lease_expires_at = now() where name = 'notifications.deliver'`;
    await sleep(2000);
    await deliverNow();
    expect(await checkDelivered()).toBe(11);
    expect(serverFailures(stack)).toEqual([]);
  }, 120_000);
});
