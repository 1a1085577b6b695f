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
