// The run policies where real time and real connections matter: the statement
// timeout that bounds a function runner's batch, the heartbeat that keeps a live
// long run from being taken over, and queue_one under many racing triggers.
import { afterAll, beforeAll, expect, test } from "vitest";
import { postgresDb } from "../../dev/db/postgres.ts";
import type { Caller, RpcCall } from "../../shared/db/port.ts";
import { runJob, type JobRunner } from "../../shared/jobs.ts";
import { freshDatabase, type FreshDatabase, manager, rpc, service } from "../helpers/pg.ts";

let db: FreshDatabase;
let adapter: ReturnType<typeof postgresDb>;
const operator = manager(undefined, ["scheduled_job.read", "scheduled_job.execute"]);

beforeAll(async () => {
  db = await freshDatabase({ max: 12 });
  await db.sql.unsafe(`
    create function sambatan_private.job_test_sleepy(p_execution_id bigint, p_batch_size integer) returns jsonb
    language plpgsql set search_path = '' as $$
    declare v_done integer;
    begin
      select coalesce((e.result ->> 'batches')::integer, 0) into v_done from sambatan_jobs.job_executions e where e.id = p_execution_id;
      perform pg_catalog.pg_sleep(p_batch_size / 1000.0);
      return jsonb_build_object('batches', 1, 'done', v_done + 1 >= 4);
    end $$;
    insert into sambatan_jobs.scheduled_jobs (name, schedule, handler, max_attempts, backoff_seconds, timeout_seconds, heartbeat_seconds, batch_size, overlap)
    values ('test.stuck', '0 0 1 1 *', 'job_test_sleepy', 1, 0, 1, 60, 5000, 'skip'),
           ('test.long', '0 0 1 1 *', 'job_test_sleepy', 1, 0, 600, 1, 1500, 'skip'),
           ('test.busy', '0 0 1 1 *', 'job_test_sleepy', 1, 0, 600, 60, 10, 'queue_one');`);
  // The adapter the local stack runs functions on; its API statement timeout is the usual one.
  adapter = postgresDb(db.url, { lockTimeoutMs: 5000, statementTimeoutMs: 30_000 });
}, 60_000);
afterAll(async () => {
  await adapter?.close?.();
  await db?.drop();
});

function runner(caller: Caller): JobRunner {
  const within = (statementTimeoutMs?: number) => ((name: never, args: never) => adapter.rpc(name, args ?? ({} as never), caller, { statementTimeoutMs })) as unknown as RpcCall;
  return { rpc: within(), rpcWithin: within, logJob: () => {} };
}

test("a function runner's batch runs under the time left of the run: one that would outlive the limit is cancelled and the run fails as timed out", async () => {
  // The handler sleeps 5 s in one batch; the job's limit is 1 s and the API's statement timeout 30 s.
  const run = await runJob(runner({ role: "service_role", claims: { role: "service_role" } }), "test.stuck", "manual");
  expect(run).toMatchObject({ job: "test.stuck", status: "dead" });
  expect((run as any).error).toMatch(/^timed out: the run passed its 1 s limit \(UNAVAILABLE\)/);
  // Nothing of the cancelled batch was kept.
  expect((run as any).result).toEqual({});
});

test("a SET inside the handler's call would not have bounded it: PostgreSQL arms statement_timeout when a top-level statement starts", async () => {
  const [{ cancelled }] = await db.sql.unsafe(`
    select sambatan_private.iso(clock_timestamp()) is not null as cancelled
      from (select set_config('statement_timeout', '50', true)) s, pg_sleep(0.3)`);
  // The sleep ran to its end although the setting said 50 ms: only a runner that sets it before its call bounds a batch.
  expect(cancelled).toBe(true);
});

test("heartbeat: a live run with batches longer than its lease is never taken over; a start racing a batch waits, then hears JOB_ALREADY_RUNNING", async () => {
  // test.long: heartbeat 1 s, each of its 4 batches sleeps 1.5 s.
  const started = await rpc(db.sql, service, "sambatan_start_job", { p_job: "test.long", p_triggered_by: "manual" });
  const attempts: Promise<string>[] = [];
  for (;;) {
    const batch = rpc(db.sql, service, "sambatan_run_job_batch", { p_execution_id: started.id });
    // While the batch sleeps the committed lease has run out; a takeover must still fail.
    await new Promise((r) => setTimeout(r, 1200));
    attempts.push(rpc(db.sql, operator, "sambatan_start_job", { p_job: "test.long" }).then(() => "took over", (e) => e.code));
    if ((await batch).done) break;
  }
  expect(await Promise.all(attempts)).toEqual(["SB026", "SB026", "SB026", "SB026"]);
  const done = await rpc(db.sql, service, "sambatan_finish_job", { p_execution_id: started.id });
  expect(done).toMatchObject({ status: "succeeded", result: { batches: 4 } });

  // A runner that stops reporting loses the lease after the heartbeat.
  const lost = await rpc(db.sql, service, "sambatan_start_job", { p_job: "test.long", p_triggered_by: "manual" });
  await new Promise((r) => setTimeout(r, 1300));
  const next = await rpc(db.sql, operator, "sambatan_start_job", { p_job: "test.long" });
  const [old] = await db.sql`select status, error from sambatan_jobs.job_executions where id = ${lost.id}`;
  expect(old.status).toBe("failed");
  expect(old.error).toMatch(/^lease expired: no heartbeat for 1 s/);
  await db.sql`update sambatan_jobs.scheduled_jobs set lease_execution_id = null, lease_expires_at = null where name = 'test.long'`;
  expect(next.id).toBeGreaterThan(lost.id);
}, 60_000);

test("queue_one: eight triggers racing a running job queue exactly one follow-up; the finish starts it, and nothing after it", async () => {
  const running = await rpc(db.sql, service, "sambatan_start_job", { p_job: "test.busy", p_triggered_by: "cron" });
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) =>
    rpc(db.sql, i % 2 ? operator : service, "sambatan_start_job", { p_job: "test.busy", p_triggered_by: i % 2 ? "manual" : "cron" })));
  expect(answers.every((a) => a.queued === true && a.running_execution_id === running.id)).toBe(true);
  expect(new Set(answers.map((a) => a.queued_at)).size).toBe(1);

  const first = await runJob(runner({ role: "service_role", claims: { role: "service_role" } }), "test.busy", "manual").catch((e) => e);
  // The job is still held by `running`, so this trigger is absorbed as well.
  expect(first).toMatchObject({ queued: true });
  for (;;) if ((await rpc(db.sql, service, "sambatan_run_job_batch", { p_execution_id: running.id })).done) break;
  const done = await rpc(db.sql, service, "sambatan_finish_job", { p_execution_id: running.id });
  expect(done.follow_up).toMatchObject({ status: "running", attempt: 1 });
  for (;;) if ((await rpc(db.sql, service, "sambatan_run_job_batch", { p_execution_id: done.follow_up.id })).done) break;
  expect((await rpc(db.sql, service, "sambatan_finish_job", { p_execution_id: done.follow_up.id })).follow_up).toBeNull();
  const [{ n }] = await db.sql`select count(*)::int as n from sambatan_jobs.job_executions where job = 'test.busy'`;
  expect(n).toBe(2);
});
