// The database goes away: the stack runs on a PostgreSQL cluster of its own that
// the test stops, restarts and crashes. While it is gone every function that needs
// it answers 503 UNAVAILABLE with Retry-After (never 500, never a hang) and health
// says "unreachable"; when it is back they all answer again without a stack
// restart; and joins that were acknowledged before, during or after a restart or a
// crash are all there, each exactly once.

import { randomUUID } from "node:crypto";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { PG_BINDIR, startCluster } from "../../dev/pg-cluster.mjs";
import { invariantViolationsSql } from "../helpers/invariants.ts";
import {
  appHeaders,
  call,
  ENDPOINTS,
  type Fixture,
  MANAGE,
  OPERATE,
  outcome,
  type RawAnswer,
  runAsPostgres,
  serverFailures,
  servedFunctions,
  succeedingHeaders,
} from "./harness.ts";
import { inDays, SEED_PRODUCTS, sleep, type Stack, startStack } from "./stack.ts";

interface Cluster {
  url: string;
  dir: string;
  dataDir: string;
  stop(): Promise<void>;
}

const address = "Jl. Flamboyan No. 9\nSurabaya";
/**
 * How long a client waits for any answer before it calls the request lost and retries:
 * beyond the 20 s postgres.js may wait before reconnecting, so only a real hang counts.
 */
const ANSWER_TIMEOUT_MS = 30_000;

describe("database outages", () => {
  let cluster: Cluster;
  let stack: Stack;
  let stackUrl: string;
  const stacks: Stack[] = [];
  const exitedStacks = new Set<Stack>();
  let sql: postgres.Sql;
  let tokens: { buyer: string; omni: string };
  let manager: Record<string, string>;

  const pgCtl = async (...args: string[]) => {
    const r = await runAsPostgres(join(PG_BINDIR, "pg_ctl"), [...args, "-D", cluster.dataDir]);
    if (r.code !== 0) throw new Error(`pg_ctl ${args.join(" ")} failed: ${r.output}`);
  };
  const stopServer = (mode: "fast" | "immediate") => pgCtl("stop", "-m", mode, "-w", "-t", "60");
  const startServer = () => pgCtl("start", "-l", join(cluster.dir, "postgres.log"), "-w", "-t", "60", "-s");

  beforeAll(async () => {
    cluster = (await startCluster()) as unknown as Cluster;
    const url = new URL(cluster.url);
    url.pathname = "/sambatan_outage";
    // Not the cluster's `postgres` database: pg_cron lives there and would run jobs of its own.
    const admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
    await admin.unsafe("create database sambatan_outage");
    await admin.end();
    stackUrl = url.toString();
    await launchStack();
    // The test's own connection reconnects by itself after each restart.
    sql = postgres(url.toString(), { max: 2, onnotice: () => {} });
    await sql`update sambatan_private.settings set value = '0' where key = 'join_rate_limit_per_minute'`;
    tokens = { buyer: await stack.token(randomUUID()), omni: await stack.token(randomUUID(), [...MANAGE, ...OPERATE]) };
    manager = appHeaders(stack.publishableKey, tokens.omni);
  }, 120_000);

  afterAll(async () => {
    const failures = stacks.flatMap((s) => serverFailures(s));
    await sql?.end({ timeout: 1 });
    for (const s of stacks) await s.stop();
    await cluster?.stop();
    // Outages may answer 503, never 500.
    expect(failures).toEqual([]);
  });

  /**
   * A stack that died in an earlier test (see the report it failed with) is started
   * again on the same port and data, so each test here reports its own result.
   */
  async function ensureStack() {
    if (exitedStacks.has(stack)) await launchStack(stack.port);
  }
  async function launchStack(port?: number) {
    stack = await startStack({ databaseUrl: stackUrl, port });
    const started = stack;
    stacks.push(started);
    void started.done.then(() => exitedStacks.add(started));
  }

  async function createCampaign(totalSlots: number, paymentWindowMinutes?: number): Promise<string> {
    const r = await call(stack, "campaigns-create", {
      method: "POST",
      headers: manager,
      body: {
        product_id: SEED_PRODUCTS.kopiGayo, title: "Tahan banting", total_slots: totalSlots, price_per_slot: 5000, deadline: inDays(1),
        payment_window_minutes: paymentWindowMinutes,
      },
    });
    expect(r.status, r.text).toBe(201);
    return r.json.id;
  }

  async function waitHealthy(timeoutMs = 30_000) {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if ((await call(stack, "health")).status === 200) return;
      await sleep(200);
    }
    throw new Error("health did not recover");
  }

  /** One buyer's join as a mobile app does it: one Idempotency-Key, retried on 503 or no answer until a definitive answer. */
  interface Attempted {
    sub: string;
    key: string;
    /** Status 0: no answer within ANSWER_TIMEOUT_MS. `phase`: the outage last begun when it arrived. */
    answers: { status: number; replayed: boolean; phase: string }[];
    final?: RawAnswer;
  }

  interface Outage {
    name: string;
    run(): Promise<void>;
  }

  /**
   * Fires joins from `width` clients, a new buyer per join, while each outage in
   * turn takes the database away and brings it back; then checks that every
   * acknowledged join is exactly one row and that nothing else was written.
   */
  async function joinsThrough(outages: Outage[], width = 16) {
    await ensureStack();
    const campaignId = await createCampaign(100_000);
    const attempts: Attempted[] = [];
    let stop = false;
    let acknowledged = 0;
    let phase = "before any outage";
    // A stack that dies is the failure to report, not a reason to wait out every timeout.
    let exited: number | null | undefined;
    const current = stack;
    void current.done.then((code) => (exited = code));
    const alive = () => {
      if (exited !== undefined) {
        const last = current.logs.filter((l) => !l.startsWith("{")).slice(-8).join("\n");
        throw new Error(`the local stack exited (code ${exited}), ${phase}:\n${last}`);
      }
    };

    const client = async () => {
      while (!stop && exited === undefined) {
        const sub = randomUUID();
        const a: Attempted = { sub, key: `ulang-${randomUUID()}`, answers: [] };
        attempts.push(a);
        const headers = { ...appHeaders(stack.publishableKey, await stack.token(sub)), "idempotency-key": a.key };
        const giveUp = Date.now() + 60_000;
        while (Date.now() < giveUp && exited === undefined) {
          let answer: RawAnswer | undefined;
          try {
            answer = await call(stack, "campaign-join", {
              method: "POST",
              headers,
              body: { campaign_id: campaignId, quantity: 1, shipping_address: address },
              timeoutMs: ANSWER_TIMEOUT_MS,
            });
          } catch {
            answer = undefined; // no answer: retry with the same key, as a phone would
          }
          a.answers.push({ status: answer?.status ?? 0, replayed: answer?.headers.get("idempotent-replayed") === "true", phase });
          if (answer && answer.status !== 503) {
            a.final = answer;
            if (answer.status === 201) acknowledged++;
            break;
          }
          await sleep(100);
        }
      }
    };
    const until = async (n: number) => {
      const deadline = Date.now() + 30_000;
      while (acknowledged < n && Date.now() < deadline) {
        alive();
        await sleep(20);
      }
      alive();
      expect(acknowledged, `joins kept being acknowledged ${phase}`).toBeGreaterThanOrEqual(n);
    };

    const clients = Array.from({ length: width }, client);
    const recoveryMs: Record<string, number> = {};
    try {
      await until(50);
      for (const outage of outages) {
        phase = `during or after ${outage.name}`; // the label answers carry from here on
        await outage.run();
        const back = Date.now();
        await until(acknowledged + 1);
        recoveryMs[outage.name] = Date.now() - back;
        await until(acknowledged + 50);
      }
    } finally {
      // Clients finish the join in hand (to a definitive answer), then stop.
      stop = true;
      await Promise.all(clients);
    }
    alive();

    // Every client got a definitive answer, and it was a 201: there were slots for all.
    expect(attempts.filter((a) => !a.final).map((a) => a.answers)).toEqual([]);
    expect(attempts.filter((a) => a.final!.status !== 201).map((a) => outcome(a.final!))).toEqual([]);
    for (const outage of outages) {
      const hit = attempts.filter((a) => a.answers.some((x) => x.status !== 201 && x.phase.endsWith(outage.name)));
      expect(hit.length, `${outage.name} hit requests in flight`).toBeGreaterThan(0);
    }

    const rows = await sql`select id, user_id from public.sambatan_participants where campaign_id = ${campaignId}`;
    const bySub = new Map<string, string[]>();
    for (const r of rows) bySub.set(r.user_id, [...(bySub.get(r.user_id) ?? []), r.id]);
    // Each acknowledged join is exactly one row, the one the buyer was told about; nothing else exists.
    const wrong = attempts.filter((a) => JSON.stringify(bySub.get(a.sub)) !== JSON.stringify([a.final!.json.id]));
    expect(wrong.map((a) => ({ sub: a.sub, answers: a.answers, rows: bySub.get(a.sub) }))).toEqual([]);
    expect(rows.length).toBe(attempts.length);
    const [c] = await sql`select filled_slots from public.sambatan_campaigns where id = ${campaignId}`;
    expect(c.filled_slots).toBe(attempts.length);
    expect(await sql.unsafe(invariantViolationsSql)).toEqual([]);
    // Last, so the durability checks above report first: a request that got no answer
    // at all is an outage the API promised to answer with 503.
    const hung = attempts.filter((a) => a.answers.some((x) => x.status === 0)).map((a) => a.answers.map((x) => `${x.status} ${x.phase}`));
    expect(hung, `requests without any answer within ${ANSWER_TIMEOUT_MS} ms`).toEqual([]);
    return { recoveryMs, total: attempts.length };
  }

  test("a restart (fast shutdown) and then a crash (immediate shutdown) amid continuous joins lose no acknowledged join and duplicate none", async () => {
    // The throwaway cluster trades durability for speed; surviving a crash needs the
    // production default back (a fast shutdown flushes either way).
    await sql`alter system set synchronous_commit = on`;
    await sql`select pg_reload_conf()`;
    // Backends apply a reload between commands, shortly after the signal.
    let setting = "";
    for (let i = 0; i < 50 && setting !== "on"; i++) {
      if (i > 0) await sleep(100);
      [{ synchronous_commit: setting }] = await sql`show synchronous_commit`;
    }
    expect(setting).toBe("on");

    const result = await joinsThrough([
      {
        name: "a fast restart",
        async run() {
          await stopServer("fast");
          await sleep(1000); // down a moment, so clients keep arriving while it is gone
          await startServer();
        },
      },
      {
        name: "a crash",
        async run() {
          await stopServer("immediate");
          await sleep(500);
          await startServer(); // crash recovery replays the WAL
        },
      },
    ]);
    expect(result.total).toBeGreaterThanOrEqual(150);
    // The pool reconnects by itself; postgres.js waits up to 20 s between attempts.
    expect(Object.values(result.recoveryMs).every((ms) => ms < 25_000), JSON.stringify(result.recoveryMs)).toBe(true);
  }, 120_000);

  test("while PostgreSQL is down every function that needs it answers 503 UNAVAILABLE with Retry-After, health says unreachable, and all recover", async () => {
    await ensureStack();
    // Requests that succeed once the database is back: the buyer owns the participation
    // to cancel and joins a campaign of their own.
    const campaignId = await createCampaign(10);
    const joinAs = async (token: string, id: string) =>
      call(stack, "campaign-join", { method: "POST", headers: appHeaders(stack.publishableKey, token), body: { campaign_id: id, quantity: 1, shipping_address: address } });
    const owned = await joinAs(tokens.buyer, campaignId);
    expect(owned.status).toBe(201);
    // Checkout and payment-confirm need a participation that awaits payment (and is not the one cancelled).
    const payable = await joinAs(tokens.buyer, await createCampaign(10, 60));
    expect(payable.status).toBe(201);
    const fixture: Fixture = {
      campaignId: await createCampaign(10), ownerSub: "", participationId: owned.json.id, aSub: "", aParticipationId: "", payableParticipationId: payable.json.id,
      // Cancelled or extended once the database is back: campaigns of their own, so the others stay open.
      cancellableCampaignId: await createCampaign(10), extendableCampaignId: await createCampaign(10),
    };
    const slugs = await servedFunctions();
    const request = (slug: string) => {
      const spec = ENDPOINTS[slug];
      const { query, body } = spec.request(fixture);
      return call(stack, slug, { method: spec.method, headers: succeedingHeaders(stack, spec.rule, tokens), query, body });
    };

    await stopServer("fast");
    const down: Record<string, string> = {};
    try {
      // All at once, as traffic keeps arriving during an outage.
      const answers = await Promise.all(slugs.map(async (slug) => {
        const started = Date.now();
        return { slug, answer: await request(slug), ms: Date.now() - started };
      }));
      for (const { slug, answer, ms } of answers) {
        const spec = ENDPOINTS[slug];
        const where = `${slug} while down`;
        // Never a hang: the pool's reconnect backoff (at most 20 s in postgres.js) bounds the wait.
        expect(ms, `${where} answered`).toBeLessThan(30_000);
        expect(answer.headers.get("x-request-id"), where).toBeTruthy();
        if (slug === "health") {
          expect(answer.status, where).toBe(503);
          expect(answer.json, where).toMatchObject({ status: "degraded", database: "unreachable" });
          expect(Number(answer.headers.get("retry-after")), where).toBeGreaterThanOrEqual(1);
        } else if (spec.usesDatabase) {
          down[slug] = outcome(answer);
          expect(Number(answer.headers.get("retry-after")), `${where}: Retry-After`).toBeGreaterThanOrEqual(1);
        } else {
          // What needs no database (the OpenAPI document) keeps answering.
          expect(answer.status, where).toBe(spec.success);
        }
      }
      expect(down).toEqual(Object.fromEntries(Object.keys(down).map((s) => [s, "503 UNAVAILABLE"])));
      expect(Object.keys(down).length).toBeGreaterThanOrEqual(14);

      // Credentials are checked without the database: an outage never opens a door.
      expect(outcome(await call(stack, "dashboard-summary"))).toBe("401 UNAUTHENTICATED");
      expect(outcome(await call(stack, "dashboard-summary", { headers: appHeaders(stack.publishableKey, tokens.buyer) }))).toBe("403 FORBIDDEN");
      expect(outcome(await call(stack, "campaign-join", { method: "POST", headers: appHeaders(stack.publishableKey, tokens.buyer), body: { quantity: 0 } })))
        .toBe("400 VALIDATION_FAILED");
    } finally {
      await startServer();
    }

    await waitHealthy();
    const back: Record<string, string> = {};
    for (const slug of slugs) back[slug] = outcome(await request(slug));
    expect(back).toEqual(Object.fromEntries(slugs.map((s) => [s, ENDPOINTS[s].outcome ?? String(ENDPOINTS[s].success)])));
  }, 90_000);
});
