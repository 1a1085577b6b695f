import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { anon, buyer, campaign, failure, join, manager, service, TestDb } from "../helpers/db.ts";

let db: TestDb;
const operator = manager(undefined, ["scheduled_job.read", "scheduled_job.execute"]);
const reader = manager(undefined, ["scheduled_job.read"]);

beforeAll(async () => {
  db = await TestDb.create();
  // A job whose handler throws, to exercise failure, retry and the attempt limit.
  await db.exec(`
    create function sambatan_private.job_test_failing(p_execution_id bigint, p_batch_size integer) returns jsonb
    language plpgsql set search_path = '' as $$ begin raise exception 'supplier API down'; end $$;
    insert into sambatan_jobs.scheduled_jobs (name, schedule, handler, max_attempts, backoff_seconds)
    values ('test.failing', '*/5 * * * *', 'job_test_failing', 2, 0);`);
}, 60_000);
afterAll(() => db?.close());
beforeEach(() => { db.clockOffset = "0"; });

/** Runs what pg_cron runs. */
async function dispatch() {
  const [{ command }] = await db.sql("select sambatan_jobs.dispatch_command() as command");
  await db.exec(command);
}

async function runJob(who: any, job: string, trigger = "manual") {
  const execution = await db.rpc(who, "sambatan_start_job", { p_job: job, p_triggered_by: trigger });
  let error: string | null = null;
  for (;;) {
    try {
      const batch = await db.rpc(who, "sambatan_run_job_batch", { p_execution_id: execution.id });
      if (batch.done) break;
    } catch (e) {
      error = (e as Error).message;
      break;
    }
  }
  return db.rpc(who, "sambatan_finish_job", { p_execution_id: execution.id, p_error: error });
}

describe("cron schedule arithmetic", () => {
  test.each([
    ["*/5 * * * *", "2026-11-23T12:03:10Z", "2026-11-23T12:05:00.000Z", 5],
    ["*/5 * * * *", "2026-11-23T12:05:00Z", "2026-11-23T12:10:00.000Z", 5],
    ["0 * * * *", "2026-11-23T12:00:00Z", "2026-11-23T13:00:00.000Z", 60],
    ["30 3 * * *", "2026-11-23T04:00:00Z", "2026-11-24T03:30:00.000Z", 1440],
    ["0 0 1 * *", "2026-12-15T00:00:00Z", "2027-01-01T00:00:00.000Z", null],
    ["15 10 * * 1", "2026-11-23T10:15:00Z", "2026-11-30T10:15:00.000Z", 10080],
    ["0 12 * * 1-5", "2026-11-27T12:00:00Z", "2026-11-30T12:00:00.000Z", null],
  ])("%s after %s is %s", async (schedule, after, next, interval) => {
    const [row] = await db.sql(
      "select sambatan_private.iso(sambatan_jobs.cron_next($1, $2::timestamptz)) as next, sambatan_jobs.cron_interval_minutes($1, $2::timestamptz) as minutes",
      [schedule, after],
    );
    expect(row.next).toBe(next);
    if (interval !== null) expect(row.minutes).toBe(interval);
  });

  test.each([["* * * *"], ["61 * * * *"], ["*/0 * * * *"], ["a b c d e"]])("rejects %s (SB003)", async (schedule) => {
    expect((await failure(db.sql("select sambatan_jobs.cron_next($1, now())", [schedule]))).code).toBe("SB003");
  });
});

describe("running a job", () => {
  test("a manual run of sambatan.lifecycle fulfils due campaigns and records a succeeded execution", async () => {
    const c = await campaign(db, manager(), { slots: 2 });
    await join(db, buyer(), c.id, 2);
    const done = await runJob(operator, "sambatan.lifecycle");
    expect(done).toMatchObject({ job: "sambatan.lifecycle", status: "succeeded", attempt: 1, triggered_by: "manual", error: null });
    expect(done.result).toMatchObject({ fulfilled: 1, confirmed: 1 });
    expect(done.duration_ms).toBeGreaterThanOrEqual(0);
    expect((await db.rpc(anon, "get_campaign", { p_campaign_id: c.id })).status).toBe("fulfilled");
  });

  test("one single-run gate: a second start while running is JOB_ALREADY_RUNNING (SB026)", async () => {
    const first = await db.rpc(service, "sambatan_start_job", { p_job: "sambatan.lifecycle", p_triggered_by: "cron" });
    expect((await failure(db.rpc(operator, "sambatan_start_job", { p_job: "sambatan.lifecycle" }))).code).toBe("SB026");
    const status = await db.rpc(reader, "sambatan_job_status", { p_job: "sambatan.lifecycle" });
    expect(status.is_running).toBe(true);
    expect(status.jobs[0].running_execution_id).toBe(first.id);
    await db.rpc(service, "sambatan_finish_job", { p_execution_id: first.id });
    expect((await db.rpc(reader, "sambatan_job_status")).is_running).toBe(false);
  });

  test("a lease past its timeout is taken over and the stale execution marked failed", async () => {
    const stale = await db.rpc(service, "sambatan_start_job", { p_job: "sambatan.deadline-reminders", p_triggered_by: "cron" });
    await db.sql("update sambatan_jobs.scheduled_jobs set lease_expires_at = now() - interval '1 second' where name = 'sambatan.deadline-reminders'");
    const next = await db.rpc(operator, "sambatan_start_job", { p_job: "sambatan.deadline-reminders" });
    expect(next.id).not.toBe(stale.id);
    const [old] = await db.sql("select status, error from sambatan_jobs.job_executions where id = $1", [stale.id]);
    expect(old.status).toBe("failed");
    expect(old.error).toMatch(/lease expired/);
    // The lost runner's late batches are refused.
    expect((await failure(db.rpc(service, "sambatan_run_job_batch", { p_execution_id: stale.id }))).code).toBe("SB026");
    await db.rpc(operator, "sambatan_finish_job", { p_execution_id: next.id });
  });

  test("a job that throws fails with its error, is retried after backoff, and is dead at max_attempts", async () => {
    const first = await runJob(operator, "test.failing");
    expect(first).toMatchObject({ status: "failed", attempt: 1 });
    expect(first.error).toMatch(/supplier API down/);
    const status = await db.rpc(reader, "sambatan_job_status", { p_job: "test.failing" });
    expect(status.jobs[0].next_retry_at).not.toBeNull();
    expect(await db.rpc(service, "sambatan_due_jobs")).toContainEqual({ job: "test.failing", triggered_by: "retry" });
    const retry = await runJob(service, "test.failing", "retry");
    expect(retry).toMatchObject({ status: "dead", attempt: 2, triggered_by: "retry" });
    expect(retry.message).toMatch(/dead: not retried until requeued/);
    const after = await db.rpc(reader, "sambatan_job_status", { p_job: "test.failing" });
    expect(after.jobs[0].next_retry_at).toBeNull();
    expect(await db.rpc(service, "sambatan_due_jobs")).not.toContainEqual({ job: "test.failing", triggered_by: "retry" });
  });

  test("a failed job posts a signed alert when a webhook is configured in Vault", async () => {
    await db.sql("select vault.create_secret('http://127.0.0.1:9/alerts', 'sambatan_alert_webhook_url'), vault.create_secret('s3cret', 'sambatan_alert_webhook_secret')");
    await runJob(operator, "test.failing");
    const [req] = await db.sql("select url, headers, body from net.http_request_queue order by id desc limit 1");
    expect(req.url).toBe("http://127.0.0.1:9/alerts");
    expect(req.body).toMatchObject({ type: "job.failed", will_retry: true, execution: { job: "test.failing", status: "failed" } });
    const { createHmac } = await import("node:crypto");
    const [raw] = await db.sql("select body::text as text from net.http_request_queue order by id desc limit 1");
    expect(req.headers["X-Sambatan-Signature"]).toBe("sha256=" + createHmac("sha256", "s3cret").update(raw.text).digest("hex"));
  });

  test("pause stops runs (JOB_PAUSED, SB027) and resume restarts them", async () => {
    const paused = await db.rpc(operator, "sambatan_control_job", { p_job: "sambatan.lifecycle", p_action: "pause" });
    expect(paused).toMatchObject({ enabled: false, next_run_time: null });
    expect((await failure(db.rpc(operator, "sambatan_start_job", { p_job: "sambatan.lifecycle" }))).code).toBe("SB027");
    expect((await db.rpc(service, "sambatan_due_jobs")).map((d: any) => d.job)).not.toContain("sambatan.lifecycle");
    const resumed = await db.rpc(operator, "sambatan_control_job", { p_job: "sambatan.lifecycle", p_action: "resume" });
    expect(resumed.enabled).toBe(true);
    expect(resumed.next_run_time).not.toBeNull();
    expect((await runJob(operator, "sambatan.lifecycle")).status).toBe("succeeded");
  });

  test("unknown jobs are JOB_NOT_FOUND (SB013); bad actions are SB003", async () => {
    expect((await failure(db.rpc(operator, "sambatan_start_job", { p_job: "nope" }))).code).toBe("SB013");
    expect((await failure(db.rpc(operator, "sambatan_control_job", { p_job: "nope", p_action: "pause" }))).code).toBe("SB013");
    expect((await failure(db.rpc(reader, "sambatan_job_history", { p_job: "nope" }))).code).toBe("SB013");
    expect((await failure(db.rpc(operator, "sambatan_control_job", { p_job: "jobs.cleanup", p_action: "stop" }))).code).toBe("SB003");
  });

  test("permissions: read needs scheduled_job.read, run and control need scheduled_job.execute (SB002)", async () => {
    const campaignManager = manager();
    expect((await failure(db.rpc(campaignManager, "sambatan_job_status"))).code).toBe("SB002");
    expect((await failure(db.rpc(campaignManager, "sambatan_job_history"))).code).toBe("SB002");
    expect((await failure(db.rpc(reader, "sambatan_start_job", { p_job: "jobs.cleanup" }))).code).toBe("SB002");
    expect((await failure(db.rpc(reader, "sambatan_control_job", { p_job: "jobs.cleanup", p_action: "pause" }))).code).toBe("SB002");
    expect((await failure(db.rpc(operator, "sambatan_start_job", { p_job: "jobs.cleanup", p_triggered_by: "cron" }))).code).toBe("SB003");
    expect((await failure(db.rpc(anon, "sambatan_job_status"))).code).toBe("42501");
  });
});

test("status has the legacy scheduler's top-level fields for sambatan.lifecycle", async () => {
  const s = await db.rpc(reader, "sambatan_job_status");
  expect(s.jobs.map((j: any) => j.job)).toEqual(expect.arrayContaining(["jobs.cleanup", "sambatan.deadline-reminders", "sambatan.lifecycle"]));
  expect(s).toHaveProperty("is_running");
  expect(s.interval_minutes).toBe(5);
  expect(new Date(s.next_run_time).getUTCMinutes() % 5).toBe(0);
  expect(s).toHaveProperty("last_run");
});

test("history pages newest first, filtered by job and status", async () => {
  for (let i = 0; i < 3; i++) await runJob(operator, "jobs.cleanup");
  const first = await db.rpc(reader, "sambatan_job_history", { p_job: "jobs.cleanup", p_limit: 2 });
  expect(first.items).toHaveLength(2);
  expect(first.items[0].id).toBeGreaterThan(first.items[1].id);
  const rest = await db.rpc(reader, "sambatan_job_history", { p_job: "jobs.cleanup", p_limit: 2, p_cursor: first.next_cursor });
  expect(rest.items.every((e: any) => e.id < first.items[1].id)).toBe(true);
  const failed = await db.rpc(reader, "sambatan_job_history", { p_status: "failed" });
  expect(failed.items.every((e: any) => e.status === "failed")).toBe(true);
});

test("deadline reminders are recorded once per campaign and window", async () => {
  const soon = await campaign(db, manager(), { deadline: new Date(Date.now() + 30 * 60_000).toISOString() });
  const later = await campaign(db, manager(), { deadline: new Date(Date.now() + 20 * 3_600_000).toISOString() });
  await runJob(operator, "sambatan.deadline-reminders");
  await runJob(operator, "sambatan.deadline-reminders");
  const rows = await db.sql(
    "select campaign_id, metadata->>'window' as w from public.sambatan_audit_logs where event = 'deadline_reminder' and campaign_id in ($1, $2) order by 1, 2",
    [soon.id, later.id],
  );
  expect(rows).toEqual(
    [{ campaign_id: soon.id, w: "1h" }, { campaign_id: soon.id, w: "24h" }, { campaign_id: later.id, w: "24h" }]
      .sort((a, b) => (a.campaign_id + a.w).localeCompare(b.campaign_id + b.w)),
  );
});

test("cleanup removes only history older than the retention", async () => {
  const [old] = await db.sql(
    "insert into sambatan_jobs.job_executions (job, status, triggered_by, started_at, finished_at) values ('sambatan.lifecycle', 'succeeded', 'cron', now() - interval '91 days', now() - interval '91 days') returning id",
  );
  const [recent] = await db.sql(
    "insert into sambatan_jobs.job_executions (job, status, triggered_by, started_at, finished_at) values ('sambatan.lifecycle', 'succeeded', 'cron', now() - interval '89 days', now() - interval '89 days') returning id",
  );
  const run = await runJob(operator, "jobs.cleanup");
  expect(run.result.executions_deleted).toBeGreaterThanOrEqual(1);
  const left = await db.sql("select id from sambatan_jobs.job_executions where id in ($1, $2)", [old.id, recent.id]);
  expect(left.map((r) => r.id)).toEqual([recent.id]);
});

test("the in-database dispatcher runs due jobs with commits between steps", async () => {
  await db.sql("update sambatan_jobs.scheduled_jobs set next_run_at = now() - interval '1 minute' where name = 'sambatan.lifecycle'");
  await db.sql("delete from vault.secrets where name in ('sambatan_lifecycle_url', 'sambatan_secret_key')");
  await dispatch();
  const [e] = await db.sql("select status, triggered_by, message from sambatan_jobs.job_executions where job = 'sambatan.lifecycle' order by id desc limit 1");
  expect(e).toMatchObject({ status: "succeeded", triggered_by: "cron" });
  expect(e.message).toMatch(/ran in the database/);
});

test("with the hook in Vault the dispatcher posts to the lifecycle function instead", async () => {
  await db.sql("update sambatan_jobs.scheduled_jobs set next_run_at = now() - interval '1 minute' where name = 'sambatan.lifecycle'");
  await db.sql("select vault.create_secret('http://127.0.0.1:54321/functions/v1/lifecycle', 'sambatan_lifecycle_url'), vault.create_secret('sb_secret_x', 'sambatan_secret_key')");
  await dispatch();
  const [req] = await db.sql("select url, headers from net.http_request_queue order by id desc limit 1");
  expect(req.url).toBe("http://127.0.0.1:54321/functions/v1/lifecycle");
  expect(req.headers.apikey).toBe("sb_secret_x");
});

describe("the in-database runner skips only a job someone else holds or that is paused", () => {
  const due = "update sambatan_jobs.scheduled_jobs set next_run_at = now() - interval '1 minute' where name = $1";
  beforeEach(async () => {
    await db.sql("delete from vault.secrets where name in ('sambatan_lifecycle_url', 'sambatan_secret_key')");
    await db.sql("update sambatan_jobs.scheduled_jobs set next_run_at = now() + interval '1 hour', next_retry_at = null");
  });

  test("a job another runner holds (JOB_ALREADY_RUNNING) is skipped; the next due job still runs", async () => {
    const held = await db.rpc(service, "sambatan_start_job", { p_job: "jobs.cleanup", p_triggered_by: "manual" });
    await db.sql(due, ["jobs.cleanup"]);
    await db.sql(due, ["sambatan.lifecycle"]);
    const before = await db.sql("select max(id)::int as id from sambatan_jobs.job_executions");
    await dispatch();
    const ran = await db.sql("select job, status from sambatan_jobs.job_executions where id > $1 order by id", [before[0].id]);
    expect(ran).toEqual([{ job: "sambatan.lifecycle", status: "succeeded" }]);
    await db.rpc(service, "sambatan_finish_job", { p_execution_id: held.id });
  });

  test("a job paused after it was found due (JOB_PAUSED) is skipped", async () => {
    await db.sql(due, ["sambatan.lifecycle"]);
    // The first step queues the due jobs; the pause lands between it and the start.
    const [{ state }] = await db.sql("select sambatan_jobs.dispatch_step(null) as state");
    expect(state.queue).toEqual([["sambatan.lifecycle", "cron"]]);
    await db.rpc(operator, "sambatan_control_job", { p_job: "sambatan.lifecycle", p_action: "pause" });
    const [{ next }] = await db.sql("select sambatan_jobs.dispatch_step($1::jsonb) as next", [JSON.stringify(state)]);
    expect(next).toEqual({ queue: [] });
    await db.rpc(operator, "sambatan_control_job", { p_job: "sambatan.lifecycle", p_action: "resume" });
  });

  test("any other error while starting fails the dispatch (pg_cron records it) and leaves no execution behind", async () => {
    await db.exec(`insert into sambatan_jobs.scheduled_jobs (name, schedule, handler) values ('test.gone', '* * * * *', 'job_cleanup')`);
    await db.sql(due, ["test.gone"]);
    const [{ state }] = await db.sql("select sambatan_jobs.dispatch_step(null) as state");
    expect(state.queue).toEqual([["test.gone", "cron"]]);
    // Removed between being found due and being started: not one of the two skips.
    await db.exec(`delete from sambatan_jobs.scheduled_jobs where name = 'test.gone'`);
    const before = await db.sql("select count(*)::int as n from sambatan_jobs.job_executions");
    const err = await failure(db.sql("select sambatan_jobs.dispatch_step($1::jsonb)", [JSON.stringify(state)]));
    expect(err.code).toBe("SB013");
    expect(await db.sql("select count(*)::int as n from sambatan_jobs.job_executions")).toEqual(before);
  });

  test("a schedule or zone set by hand is checked and moves the next run", async () => {
    const bad = failure(db.sql("update sambatan_jobs.scheduled_jobs set schedule = 'every minute' where name = 'jobs.cleanup'"));
    expect((await bad).code).toBe("SB003");
    expect((await failure(db.sql("update sambatan_jobs.scheduled_jobs set time_zone = 'Mars/Olympus' where name = 'jobs.cleanup'"))).code).toBe("SB003");
    await db.sql("update sambatan_jobs.scheduled_jobs set schedule = '0 9 * * *', time_zone = 'Asia/Jakarta' where name = 'jobs.cleanup'");
    const status = await db.rpc(reader, "sambatan_job_status", { p_job: "jobs.cleanup" });
    const job = status.jobs[0];
    expect(job).toMatchObject({ schedule: "0 9 * * *", time_zone: "Asia/Jakarta" });
    // 09:00 in Jakarta (UTC+7, no DST) is 02:00 UTC, every day.
    expect(job.next_runs).toHaveLength(5);
    for (const run of job.next_runs) expect(run).toMatch(/T02:00:00\.000Z$/);
    expect(job.next_run_time).toBe(job.next_runs[0]);
    await db.sql("update sambatan_jobs.scheduled_jobs set schedule = '30 3 * * *', time_zone = 'UTC' where name = 'jobs.cleanup'");
  });

  test("a batch that throws fails its execution with the error, and the runner goes on", async () => {
    await db.sql(due, ["test.failing"]);
    await db.sql(due, ["sambatan.lifecycle"]);
    const before = await db.sql("select max(id)::int as id from sambatan_jobs.job_executions");
    await dispatch();
    const ran = await db.sql("select job, status, error from sambatan_jobs.job_executions where id > $1 order by id", [before[0].id]);
    expect(ran).toEqual([
      { job: "sambatan.lifecycle", status: "succeeded", error: null },
      { job: "test.failing", status: "failed", error: "supplier API down" },
    ]);
  });
});

test("run-now (a manual trigger) never moves the schedule; a cron run moves it to the next slot", async () => {
  const nextRun = async () =>
    (await db.sql("select next_run_at from sambatan_jobs.scheduled_jobs where name = 'jobs.cleanup'"))[0].next_run_at;
  await db.sql("update sambatan_jobs.scheduled_jobs set next_run_at = now() + interval '7 hours' where name = 'jobs.cleanup'");
  const planned = await nextRun();
  const run = await runJob(operator, "jobs.cleanup");
  expect(run).toMatchObject({ status: "succeeded", triggered_by: "manual" });
  expect(await nextRun()).toEqual(planned);
  await runJob(service, "jobs.cleanup", "cron");
  const [{ expected }] = await db.sql("select sambatan_jobs.cron_next(schedule, now(), time_zone) as expected from sambatan_jobs.scheduled_jobs where name = 'jobs.cleanup'");
  expect(await nextRun()).toEqual(expected);
});
