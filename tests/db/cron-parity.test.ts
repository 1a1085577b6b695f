// The SQL cron parser (sambatan_jobs.cron_next, which the registry and job status
// need inside the database) against croner, a kept cron library: over many random
// five-field expressions and instants, both name the same next run, in UTC as
// pg_cron schedules.

import { Cron } from "croner";
import fc from "fast-check";
import { afterAll, beforeAll, expect, test } from "vitest";
import { TestDb } from "../helpers/db.ts";

let db: TestDb;
beforeAll(async () => {
  db = await TestDb.create();
});
afterAll(async () => {
  await db?.pg.close();
});

// One field: a star, a stepped star, a, a-b, a-b/n, or a list of those, within [lo, hi].
function field(lo: number, hi: number): fc.Arbitrary<string> {
  const value = fc.integer({ min: lo, max: hi });
  const range = fc.tuple(value, value).map(([a, b]) => (a <= b ? `${a}-${b}` : `${b}-${a}`));
  const step = fc.integer({ min: 1, max: Math.max(1, Math.ceil((hi - lo) / 2)) });
  const part = fc.oneof(
    value.map(String),
    range,
    fc.tuple(range, step).map(([r, s]) => `${r}/${s}`),
  );
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant("*") },
    { weight: 2, arbitrary: step.map((s) => `*/${s}`) },
    { weight: 4, arbitrary: part },
    { weight: 2, arbitrary: fc.array(part, { minLength: 2, maxLength: 3 }).map((ps) => ps.join(",")) },
  );
}

const expression = fc
  .tuple(field(0, 59), field(0, 23), field(1, 28), field(1, 12), field(0, 7))
  .map((fields) => fields.join(" "));
const instant = fc.date({ min: new Date("2026-01-01T00:00:00Z"), max: new Date("2032-12-31T23:59:59Z"), noInvalidDate: true });

test("cron_next agrees with croner on the next run for 600 random expressions and instants", async () => {
  const cases = fc.sample(fc.tuple(expression, instant), { numRuns: 600, seed: 20261201 });
  const rows = await db.sql<{ i: number; next: string | null }>(
    `select c.i::int, sambatan_jobs.cron_next(c.expr, c.after) as next
       from unnest($1::text[], $2::timestamptz[]) with ordinality c(expr, after, i)`,
    [cases.map(([e]) => e), cases.map(([, at]) => at.toISOString())],
  );
  const mismatches = rows.flatMap(({ i, next }) => {
    const [expr, after] = cases[i - 1];
    const ours = next === null ? null : new Date(next).toISOString();
    const theirs = new Cron(expr, { timezone: "UTC", mode: "5-part" }).nextRun(after)?.toISOString() ?? null;
    return ours === theirs ? [] : [{ expr, after: after.toISOString(), ours, theirs }];
  });
  expect(mismatches).toEqual([]);
  expect(rows).toHaveLength(600);
});

test("cron_next agrees with croner on the schedules the jobs use and on edge cases", async () => {
  const exprs = ["*/5 * * * *", "0 * * * *", "30 3 * * *", "0 0 29 2 *", "0 9 * * 1-5", "0 0 * * 7", "0 0 1-7 * 1-7",
    "15 14 1 * *", "0 22 * * 1-5", "23 0-20/2 * * *", "5 4 * * 0", "0 0,12 1 */2 *", "59 23 31 12 *"];
  const after = new Date("2026-12-03T08:41:17Z");
  for (const expr of exprs) {
    const [{ next }] = await db.sql("select sambatan_jobs.cron_next($1, $2) as next", [expr, after.toISOString()]);
    expect(new Date(next).toISOString(), expr).toBe(new Cron(expr, { timezone: "UTC", mode: "5-part" }).nextRun(after)?.toISOString());
  }
});

const ZONES = ["Asia/Jakarta", "Asia/Makassar", "America/New_York", "Europe/Berlin", "Europe/London",
  "Australia/Sydney", "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham", "UTC"];
// Instants within a day of this period's daylight-saving changes, where the rules bite.
const TRANSITIONS = ["2026-03-08T07:00:00Z", "2026-11-01T06:00:00Z", "2026-03-29T01:00:00Z", "2026-10-25T01:00:00Z",
  "2026-04-04T15:00:00Z", "2026-10-03T16:00:00Z", "2026-04-05T03:00:00Z", "2026-09-06T04:00:00Z"].map((t) => Date.parse(t));
const nearTransition = fc
  .tuple(fc.constantFrom(...TRANSITIONS), fc.integer({ min: -26 * 60, max: 26 * 60 }))
  .map(([t, minutes]) => new Date(t + minutes * 60_000 + 17_000));
// Schedules that touch the small hours, where the clocks change.
const smallHours = fc
  .tuple(field(0, 59), fc.oneof(fc.constant("*"), field(0, 4), fc.integer({ min: 0, max: 3 }).map(String)), field(1, 31), field(1, 12), field(0, 7))
  .map((fields) => fields.join(" "));

test("in named time zones, daylight saving included, cron_next agrees with croner (600 cases)", async () => {
  const cases = fc.sample(
    fc.tuple(fc.oneof(expression, smallHours, fc.constantFrom("30 2 * * *", "0 1 * * *", "*/15 * * * *", "0 9 * * *", "45 1 * * 0")),
      fc.constantFrom(...ZONES), fc.oneof(nearTransition, instant)),
    { numRuns: 600, seed: 20261203 },
  );
  const rows = await db.sql<{ i: number; next: string | null }>(
    `select c.i::int, sambatan_jobs.cron_next(c.expr, c.after, c.zone) as next
       from unnest($1::text[], $2::timestamptz[], $3::text[]) with ordinality c(expr, after, zone, i)`,
    [cases.map(([e]) => e), cases.map(([, , at]) => at.toISOString()), cases.map(([, z]) => z)],
  );
  const mismatches = rows.flatMap(({ i, next }) => {
    const [expr, zone, after] = cases[i - 1];
    const ours = next === null ? null : new Date(next).toISOString();
    const theirs = new Cron(expr, { timezone: zone, mode: "5-part" }).nextRun(after)?.toISOString() ?? null;
    return ours === theirs ? [] : [{ expr, zone, after: after.toISOString(), ours, theirs }];
  });
  expect(mismatches.slice(0, 10)).toEqual([]);
}, 120_000); // 600 cases on one embedded session: generous for a loaded machine, never a speed check

test("a shop's 09:00 reminder in Asia/Jakarta runs at 02:00 UTC; New York's 02:30 job meets the spring gap", async () => {
  const next = async (expr: string, after: string, zone: string) =>
    (await db.sql("select sambatan_private.iso(sambatan_jobs.cron_next($1, $2, $3)) as n", [expr, after, zone]))[0].n;
  expect(await next("0 9 * * *", "2026-12-03T08:41:00Z", "Asia/Jakarta")).toBe("2026-12-04T02:00:00.000Z");
  // 2026-03-08: 02:00 EST jumps to 03:00 EDT; a fixed 02:30 job runs at 03:00 EDT (07:00 UTC).
  expect(await next("30 2 * * *", "2026-03-08T05:00:00Z", "America/New_York")).toBe("2026-03-08T07:00:00.000Z");
  // 2026-11-01: 01:30 happens twice; a fixed job runs at the first (EDT, 05:30 UTC) only.
  expect(await next("30 1 * * *", "2026-11-01T04:00:00Z", "America/New_York")).toBe("2026-11-01T05:30:00.000Z");
  expect(await next("30 1 * * *", "2026-11-01T05:31:00Z", "America/New_York")).toBe("2026-11-02T06:30:00.000Z");
  // An interval job runs through both passes of the repeated hour.
  expect(await next("30 * * * *", "2026-11-01T05:31:00Z", "America/New_York")).toBe("2026-11-01T06:30:00.000Z");
});
