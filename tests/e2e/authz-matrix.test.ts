// Who may call what: every served function × every credential an app or an
// attacker can present → the status (and code) docs/API.md promises, as one table; then
// broken object-level authorization: buyer B never reads, cancels or learns of
// buyer A's participation, through ids, status filters, cursors or idempotency keys.
// Runs on real PostgreSQL so the tests can look at the rows behind the answers.

import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  appHeaders,
  call,
  CREDENTIALS,
  type Credential,
  ENDPOINTS,
  type EndpointSpec,
  type Fixture,
  forgedTokens,
  MANAGE,
  OPERATE,
  outcome,
  type PgStack,
  type RawAnswer,
  serverFailures,
  servedFunctions,
  stackOnFreshDatabase,
  tableState,
} from "./harness.ts";
import { inDays, inSeconds, sleep, type Stack } from "./stack.ts";

const UNAUTHENTICATED = "401 UNAUTHENTICATED";
const FORBIDDEN = "403 FORBIDDEN";
const BAD_TOKENS: Credential[] = ["expired token", "token signed by another key", "alg none token", "HS256 token"];
const USERS: Credential[] = ["buyer A", "buyer B", "participant owner", "manager", "operator"];
const PERMISSIONS_OF: Partial<Record<Credential, string[]>> = { manager: MANAGE, operator: OPERATE };

/** The answer docs/API.md promises for `cred` on `slug`. */
function expectedOutcome(slug: string, spec: EndpointSpec, cred: Credential): string {
  const ok = spec.outcome ?? String(spec.success);
  if (spec.rule === "none") return ok; // credentials are not even looked at
  // The providers' webhook takes only the provider's proof, which none of these is:
  // not a user, not a manager, not even the secret key.
  if (spec.rule === "provider_proof") return UNAUTHENTICATED;
  if (cred === "no credentials" || BAD_TOKENS.includes(cred)) return UNAUTHENTICATED;
  const isUser = USERS.includes(cred);
  let answer: string;
  switch (spec.rule) {
    case "publishable_or_user":
      answer = ok;
      break;
    case "user":
      // Buyer endpoints need a person: the publishable key is nobody, a secret key is no buyer.
      answer = cred === "publishable key" ? UNAUTHENTICATED : cred === "secret key" ? FORBIDDEN : ok;
      break;
    case "user_or_secret":
      answer = cred === "publishable key" ? UNAUTHENTICATED : ok;
      break;
    case "secret":
      // The cron hook knows no users at all: a user token is not a credential for it.
      answer = cred === "secret key" ? ok : UNAUTHENTICATED;
      break;
    default:
      // A permission: users need it in app_metadata; a secret key holds every permission.
      if (cred === "publishable key") answer = UNAUTHENTICATED;
      else if (cred === "secret key") answer = ok;
      else answer = (PERMISSIONS_OF[cred] ?? []).includes(spec.rule) ? ok : FORBIDDEN;
  }
  // Past authorization, the domain answers: A and the owner already hold a participation
  // in the fixture's campaign; a buyer who does not own the participation is told it
  // does not exist.
  if (slug === "campaign-join" && (cred === "buyer A" || cred === "participant owner")) return "409 ALREADY_JOINED";
  if (slug === "participation-cancel" && isUser && cred !== "participant owner" && cred !== "manager") {
    return "404 PARTICIPATION_NOT_FOUND";
  }
  // Only the buyer pays for their participation; a manager is no exception.
  if (slug === "participation-checkout" && isUser && cred !== "participant owner") return "404 PARTICIPATION_NOT_FOUND";
  return answer;
}

describe("authorization", () => {
  let env: PgStack;
  let stack: Stack;
  let managerToken: string;

  beforeAll(async () => {
    env = await stackOnFreshDatabase();
    stack = env.stack;
    managerToken = await stack.token(randomUUID(), MANAGE);
  }, 120_000);
  afterAll(async () => {
    const failures = stack ? serverFailures(stack) : [];
    await env?.stop();
    expect(failures).toEqual([]);
  });

  const asUser = async (sub: string, permissions?: string[]) => appHeaders(stack.publishableKey, await stack.token(sub, permissions));

  async function createCampaign(totalSlots = 10, deadline = inDays(2), paymentWindowMinutes?: number): Promise<string> {
    const r = await call(stack, "campaigns-create", {
      method: "POST",
      headers: appHeaders(stack.publishableKey, managerToken),
      body: {
        product_id: "a0000000-0000-4000-8000-000000000002", title: "Uji otorisasi", total_slots: totalSlots, price_per_slot: 1500, deadline,
        payment_window_minutes: paymentWindowMinutes,
      },
    });
    expect(r.status, r.text).toBe(201);
    return r.json.id;
  }

  async function join(sub: string, campaignId: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
    return call(stack, "campaign-join", {
      method: "POST",
      headers: { ...(await asUser(sub)), ...headers },
      body: { campaign_id: campaignId, quantity: 1, shipping_address: `Alamat rahasia ${sub}` },
    });
  }

  async function cancel(sub: string, participationId: string): Promise<RawAnswer> {
    return call(stack, "participation-cancel", { method: "POST", headers: await asUser(sub), body: { participation_id: participationId } });
  }

  /** A fresh campaign (paid within an hour) in which a fresh owner and a fresh buyer A each hold one slot. */
  async function makeFixture(): Promise<Fixture> {
    const campaignId = await createCampaign(10, inDays(2), 60);
    const ownerSub = randomUUID();
    const aSub = randomUUID();
    const owner = await join(ownerSub, campaignId);
    const a = await join(aSub, campaignId);
    expect([owner.status, a.status]).toEqual([201, 201]);
    return { campaignId, ownerSub, participationId: owner.json.id, aSub, aParticipationId: a.json.id };
  }

  async function headersFor(cred: Credential, f: Fixture): Promise<{ headers: Record<string, string>; sub?: string }> {
    const forged = BAD_TOKENS.includes(cred) ? await forgedTokens(stack, f.ownerSub) : undefined;
    const pub = (token: string) => appHeaders(stack.publishableKey, token);
    switch (cred) {
      case "no credentials":
        return { headers: {} };
      case "publishable key":
        return { headers: appHeaders(stack.publishableKey) };
      case "buyer A":
        return { headers: await asUser(f.aSub), sub: f.aSub };
      case "buyer B": {
        const sub = randomUUID();
        return { headers: await asUser(sub), sub };
      }
      case "participant owner":
        return { headers: await asUser(f.ownerSub), sub: f.ownerSub };
      case "manager": {
        const sub = randomUUID();
        return { headers: await asUser(sub, MANAGE), sub };
      }
      case "operator": {
        const sub = randomUUID();
        return { headers: await asUser(sub, OPERATE), sub };
      }
      case "secret key":
        return { headers: appHeaders(stack.secretKey) };
      case "expired token":
        return { headers: pub(forged!.expired) };
      case "token signed by another key":
        return { headers: pub(forged!.otherKey) };
      case "alg none token":
        return { headers: pub(forged!.algNone) };
      case "HS256 token":
        return { headers: pub(forged!.hs256) };
    }
  }

  test("every function × every credential answers the status docs/API.md gives it (the whole matrix)", async () => {
    // Read at run time: a function added to functions/ without a row here fails the test.
    const slugs = await servedFunctions();
    const unknown = slugs.filter((s) => !ENDPOINTS[s]);
    expect(unknown, "functions without a row in ENDPOINTS (tests/e2e/harness.ts)").toEqual([]);
    for (const required of Object.keys(ENDPOINTS).filter((s) => s !== "openapi" && s !== "metrics")) {
      expect(slugs, "docs/API.md's endpoints are all served").toContain(required);
    }

    const actual: Record<string, Record<string, string>> = {};
    const expected: Record<string, Record<string, string>> = {};
    const problems: string[] = [];
    const unused = { campaignId: randomUUID(), ownerSub: randomUUID(), participationId: randomUUID(), aSub: randomUUID(), aParticipationId: randomUUID() };

    for (const slug of slugs) {
      const spec = ENDPOINTS[slug];
      actual[slug] = {};
      expected[slug] = {};
      for (const cred of CREDENTIALS) {
        const fixture = spec.needsFixture ? await makeFixture() : unused;
        const { headers, sub } = await headersFor(cred, fixture);
        const { query, body } = spec.request(fixture);
        const before = await tableState(env.db.sql);
        const answer = await call(stack, slug, { method: spec.method, headers, query, body });
        actual[slug][cred] = outcome(answer);
        expected[slug][cred] = expectedOutcome(slug, spec, cred);

        const where = `${slug} as ${cred}`;
        if (!answer.headers.get("x-request-id")) problems.push(`${where}: no x-request-id`);
        if (answer.status >= 400 && !(typeof answer.json?.error?.message === "string" && answer.json.error.details)) {
          problems.push(`${where}: error body is not {error: {code, message, details}}: ${answer.text.slice(0, 200)}`);
        }
        // A buyer's list is the buyer's own rows and nothing else.
        if (slug === "my-participations" && answer.status === 200) {
          const owners = new Set(answer.json.items.map((p: { user_id: string }) => p.user_id));
          if ([...owners].some((o) => o !== sub)) problems.push(`${where}: listed rows of ${[...owners].join(", ")}`);
          const want = cred === "participant owner" ? [fixture.participationId] : cred === "buyer A" ? [fixture.aParticipationId] : [];
          const got = answer.json.items.map((p: { id: string }) => p.id);
          if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${where}: listed ${got} instead of ${want}`);
        }
        // A buyer's data export is the buyer's own rows and nothing else.
        if (slug === "my-data" && answer.status === 200) {
          if (answer.json.user_id !== sub) problems.push(`${where}: exported the data of ${answer.json.user_id}`);
          const owners = new Set(answer.json.participations.map((p: { user_id: string }) => p.user_id));
          if ([...owners].some((o) => o !== sub)) problems.push(`${where}: exported rows of ${[...owners].join(", ")}`);
          const want = cred === "participant owner" ? [fixture.participationId] : cred === "buyer A" ? [fixture.aParticipationId] : [];
          const got = answer.json.participations.map((p: { id: string }) => p.id);
          if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${where}: exported ${got} instead of ${want}`);
          const other = cred === "participant owner" ? fixture.aSub : fixture.ownerSub;
          if (answer.text.includes(other) || answer.text.includes(`Alamat rahasia ${other}`)) problems.push(`${where}: mentions another buyer`);
        }
        // A refused request changed nothing: no row written, updated or deleted.
        if (answer.status >= 400 && JSON.stringify(await tableState(env.db.sql)) !== JSON.stringify(before)) {
          problems.push(`${where}: refused with ${answer.status} but tables changed`);
        }
      }
    }
    expect(actual).toEqual(expected);
    expect(problems).toEqual([]);
  }, 180_000);

  describe("BOLA: buyer B and buyer A's participation", () => {
    const a = randomUUID();
    const b = randomUUID();
    const mine: Record<string, string[]> = { [a]: [], [b]: [] };
    let aPending: string;
    let aCancelled: string;

    beforeAll(async () => {
      // A holds one participation in every status; B holds a couple of its own in the same campaigns.
      // The short campaign first: A must join it before its deadline, however slow the machine.
      const deadline = inSeconds(4);
      const expiring = await createCampaign(10, deadline);
      const aRefunded = (await join(a, expiring)).json.id;
      const open = await createCampaign();
      const other = await createCampaign();
      const fulfilled = await createCampaign(1);
      aPending = (await join(a, open)).json.id;
      aCancelled = (await join(a, other)).json.id;
      expect((await cancel(a, aCancelled)).status).toBe(200);
      const aConfirmed = (await join(a, fulfilled)).json.id;
      const bPending = (await join(b, open)).json.id;
      const bCancelled = (await join(b, other)).json.id;
      expect((await cancel(b, bCancelled)).status).toBe(200);
      mine[a].push(aPending, aCancelled, aConfirmed, aRefunded);
      mine[b].push(bPending, bCancelled);
      // Let the short campaign pass its deadline, then one lifecycle run fulfils and expires.
      await sleep(Math.max(0, Date.parse(deadline) - Date.now()) + 200);
      // scheduler-trigger runs the lifecycle now; the cron hook would skip it until due.
      const run = await call(stack, "scheduler-trigger", { method: "POST", headers: await asUser(randomUUID(), OPERATE), body: {} });
      expect(run.status, run.text).toBe(200);
      const statuses = await env.db.sql`select id, status from public.sambatan_participants where user_id = ${a} order by status`;
      expect(statuses.map((r) => r.status)).toEqual(["pending_payment", "confirmed", "cancelled", "refunded"]);
    }, 60_000);

    /** Every item B sees through my-participations with this query, following next_cursor to the end. */
    async function pagesOf(sub: string, query: Record<string, string>, firstCursor?: string) {
      const headers = await asUser(sub);
      const items: { id: string; user_id: string }[] = [];
      const cursors: string[] = [];
      let cursor = firstCursor;
      for (let page = 0; page < 50; page++) {
        const r = await call(stack, "my-participations", { headers, query: { ...query, ...(cursor ? { cursor } : {}) } });
        expect(r.status, r.text).toBe(200);
        items.push(...r.json.items);
        cursor = r.json.next_cursor ?? undefined;
        if (!cursor) return { items, cursors };
        cursors.push(cursor);
      }
      throw new Error("pagination did not end");
    }

    const FILTERS: Record<string, string>[] = [{}, { status: "pending_payment" }, { status: "confirmed" }, { status: "cancelled" }, { status: "refunded" }];

    test("B's cancel of A's participation, pending or already final, is PARTICIPATION_NOT_FOUND like an id that never existed, and changes nothing", async () => {
      const before = await tableState(env.db.sql);
      const never = randomUUID();
      const answers = [await cancel(b, aPending), await cancel(b, aCancelled), await cancel(b, never)];
      const shapes = answers.map((r) => ({ status: r.status, code: r.json.error.code, detailKeys: Object.keys(r.json.error.details).sort() }));
      expect(shapes).toEqual(Array(3).fill({ status: 404, code: "PARTICIPATION_NOT_FOUND", detailKeys: ["participation_id"] }));
      // Final or not, A's row is reported the same way: 409 PARTICIPATION_FINAL would reveal it exists.
      expect(answers.map((r) => r.json.error.details.participation_id)).toEqual([aPending, aCancelled, never]);
      expect(await tableState(env.db.sql)).toEqual(before);
    });

    test("my-participations shows B only B's rows under every status filter and page size, and never one of A's", async () => {
      const rows = await env.db.sql`select id, status from public.sambatan_participants where user_id = ${b}`;
      for (const filter of FILTERS) {
        const want = rows.filter((r) => !filter.status || r.status === filter.status).map((r) => r.id).sort();
        for (const limit of ["1", "2", "100"]) {
          const { items } = await pagesOf(b, { ...filter, limit });
          expect(items.every((p) => p.user_id === b), JSON.stringify(filter)).toBe(true);
          expect(items.map((p) => p.id).sort(), `${JSON.stringify(filter)} limit ${limit}`).toEqual(want);
          expect(items.filter((p) => mine[a].includes(p.id))).toEqual([]);
        }
      }
    });

    test("cursors taken from A's pages, or forged to point just past A's rows, page only through B's own rows", async () => {
      const aCursors: string[] = [];
      for (const filter of FILTERS) aCursors.push(...(await pagesOf(a, { ...filter, limit: "1" })).cursors);
      expect(aCursors.length).toBeGreaterThanOrEqual(3);
      // Keyset cursors are (created_at, id) just past a row: forge them for each of A's rows.
      const aRows = await env.db.sql`
        select id, to_char((created_at + interval '1 millisecond') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as after
          from public.sambatan_participants where user_id = ${a}`;
      const forged = aRows.map((r) => Buffer.from(JSON.stringify([r.after, r.id])).toString("base64url"));
      forged.push(Buffer.from(JSON.stringify(["infinity", "ffffffff-ffff-4fff-bfff-ffffffffffff"])).toString("base64url"));

      const bRows = new Set(mine[b]);
      for (const cursor of [...aCursors, ...forged]) {
        for (const filter of FILTERS) {
          const { items } = await pagesOf(b, { ...filter, limit: "100" }, cursor);
          expect(items.filter((p) => p.user_id !== b || !bRows.has(p.id)), `cursor ${cursor} ${JSON.stringify(filter)}`).toEqual([]);
        }
      }
    });

    test("the same Idempotency-Key from A and B makes two participations; B never receives A's stored answer", async () => {
      const campaign = await createCampaign();
      const key = { "idempotency-key": `bersama-${randomUUID()}` };
      const first = await join(a, campaign, key);
      const second = await call(stack, "campaign-join", {
        method: "POST",
        headers: { ...(await asUser(b)), ...key },
        // The very same body, so only the user can tell the two requests apart.
        body: { campaign_id: campaign, quantity: 1, shipping_address: `Alamat rahasia ${a}` },
      });
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(second.headers.get("idempotent-replayed")).toBeNull();
      expect(second.json.user_id).toBe(b);
      expect(second.json.id).not.toBe(first.json.id);
      const rows = await env.db.sql`select user_id from public.sambatan_participants where campaign_id = ${campaign} order by user_id`;
      expect(rows.map((r) => r.user_id)).toEqual([a, b].sort());
    });

    test("B's leave of A's waiting entry is WAITLIST_ENTRY_NOT_FOUND like a missing one, and B's my-waitlist never shows A's entries", async () => {
      const full = await createCampaign(1);
      expect((await join(randomUUID(), full)).status).toBe(201);
      const wait = async (sub: string) => {
        const r = await call(stack, "campaign-join", {
          method: "POST", headers: await asUser(sub), body: { campaign_id: full, quantity: 1, shipping_address: `Alamat rahasia ${sub}`, waitlist: true },
        });
        expect(r.status, r.text).toBe(202);
        return r.json.waitlist_entry.id as string;
      };
      const aEntry = await wait(a);
      const bEntry = await wait(b);
      const before = await tableState(env.db.sql);
      const never = randomUUID();
      const answers = await Promise.all([aEntry, never].map(async (id) =>
        call(stack, "waitlist-leave", { method: "POST", headers: await asUser(b), body: { entry_id: id } })));
      expect(answers.map((r) => ({ status: r.status, code: r.json.error.code, details: r.json.error.details })))
        .toEqual([{ status: 404, code: "WAITLIST_ENTRY_NOT_FOUND", details: { entry_id: aEntry } }, { status: 404, code: "WAITLIST_ENTRY_NOT_FOUND", details: { entry_id: never } }]);
      expect(await tableState(env.db.sql)).toEqual(before);
      for (const status of [undefined, "waiting", "offered", "left", "closed"]) {
        const r = await call(stack, "my-waitlist", { headers: await asUser(b), query: { limit: "100", ...(status ? { status } : {}) } });
        expect(r.status).toBe(200);
        expect(r.json.items.map((e: { id: string }) => e.id), String(status)).toEqual(!status || status === "waiting" ? [bEntry] : []);
        expect(r.text).not.toContain(a);
      }
      // The campaign's whole list is a manager's read: a buyer in it is refused, not shown the queue.
      const asBuyer = await call(stack, "campaign-waitlist", { headers: await asUser(b), query: { campaign_id: full } });
      expect(outcome(asBuyer)).toBe("403 FORBIDDEN");
      expect(asBuyer.text).not.toContain(a);
      const queue = await call(stack, "campaign-waitlist", { headers: appHeaders(stack.publishableKey, managerToken), query: { campaign_id: full } });
      expect(queue.json.items.map((e: { id: string; position: number }) => [e.id, e.position])).toEqual([[aEntry, 1], [bEntry, 2]]);
      // A manager acting on the campaign is no buyer of the entry either.
      const manager = await call(stack, "waitlist-leave", { method: "POST", headers: appHeaders(stack.publishableKey, managerToken), body: { entry_id: aEntry } });
      expect(outcome(manager)).toBe("404 WAITLIST_ENTRY_NOT_FOUND");
    });

    test("campaign reads show B counts only: no buyer id, address or note of A; the audit trail is closed to B", async () => {
      const [row] = await env.db.sql`select campaign_id, shipping_address from public.sambatan_participants where id = ${aPending}`;
      const headers = await asUser(b);
      const got = await call(stack, "campaign-get", { headers, query: { id: row.campaign_id } });
      const list = await call(stack, "campaigns-list", { headers, query: { limit: "100" } });
      expect([got.status, list.status]).toEqual([200, 200]);
      for (const text of [got.text, list.text]) {
        expect(text).not.toContain(a);
        expect(text).not.toContain(aPending);
        expect(text).not.toContain(row.shipping_address);
      }
      const audit = await call(stack, "campaign-audit", { headers, query: { campaign_id: row.campaign_id } });
      expect(outcome(audit)).toBe(FORBIDDEN);
    });
  });
});
