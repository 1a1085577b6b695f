// The scheduler's per-job run policies: overlap, the hard timeout and heartbeat,
// dead letters and requeue, history volume, the silence alert, and setting them all
// through sambatan_control_job. Time is moved by moving rows (the jobs read the
// real clock), never by waiting.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createHmac } from "node:crypto";
import { failure, manager, service, TestDb } from "../helpers/db.ts";

let db: TestDb;
const operator = manager(undefined, ["scheduled_job.read", "scheduled_job.execute"]);
const reader = manager(undefined, ["scheduled_job.read"]);

beforeAll(async () => {
  db = await TestDb.create();
  await db.exec(`
    create function sambatan_private.job_test_ok(p_execution_id bigint, p_batch_size integer) returns jsonb
    language sql set search_path = '' as $$ select '{"done": true, "items": 1}'::jsonb $$;
    create function sambatan_private.job_test_broken(p_execution_id bigint, p_batch_size integer) returns jsonb
    language plpgsql set search_path = '' as $$ begin raise exception 'warehouse API down'; end $$;
    insert into sambatan_jobs.scheduled_jobs (name, schedule, handler, max_attempts, backoff_seconds, overlap)
    values ('test.queued', '0 0 1 1 *', 'job_test_ok', 3, 0, 'queue_one'),
           ('test.skipping', '0 0 1 1 *', 'job_test_ok', 3, 0, 'skip'),
           ('test.broken', '0 0 1 1 *', 'job_test_broken', 1, 0, 'skip'),
           ('test.timed', '0 0 1 1 *', 'job_test_ok', 1, 0, 'skip');
    select vault.create_secret('http://127.0.0.1:9/alerts', 'sambatan_alert_webhook_url'), vault.create_secret('s3cret', 'sambatan_alert_webhook_secret');`);
}, 60_000);
afterAll(() => db?.close());

const start = (job: string, who: any = operator, trigger = "manual") => db.rpc(who, "sambatan_start_job", { p_job: job, p_triggered_by: trigger });
const batch = (id: number) => db.rpc(service, "sambatan_run_job_batch", { p_execution_id: id });
const finish = (id: number, error: string | null = null) => db.rpc(service, "sambatan_finish_job", { p_execution_id: id, p_error: error });
const jobRow = async (name: string) => (await db.sql("select * from sambatan_jobs.scheduled_jobs where name = $1", [name]))[0];
const execution = async (id: number) => (await db.sql("select * from sambatan_jobs.job_executions where id = $1", [id]))[0];
const status = async (job: string) => (await db.rpc(reader, "sambatan_job_status", { p_job: job })).jobs[0];
const lastAlert = async () => (await db.sql("select body, headers, body::text as text from net.http_request_queue order by id desc limit 1"))[0];
const alertCount = async (type: string) =>
  Number((await db.sql("select count(*)::int as n from net.http_request_queue where body ->> 'type' = $1", [type]))[0].n);

describe("overlap", () => {
  test("skip: a trigger while running is JOB_ALREADY_RUNNING (SB026) and nothing is queued", async () => {
    const running = await start("test.skipping");
    expect((await failure(start("test.skipping"))).code).toBe("SB026");
    expect((await finish(running.id)).follow_up).toBeNull();
    expect((await status("test.skipping")).queued_at).toBeNull();
  });

  test("queue_one: a trigger while running queues one follow-up, a second is absorbed, and finish starts it", async () => {
    const running = await start("test.queued");
    const queued = await start("test.queued");
    expect(queued).toMatchObject({ queued: true, job: "test.queued", running_execution_id: running.id });
    expect(await start("test.queued")).toMatchObject({ queued: true, queued_at: queued.queued_at });
    expect((await status("test.queued")).queued_at).toBe(queued.queued_at);

    const done = await finish(running.id);
    expect(done.status).toBe("succeeded");
    expect(done.follow_up).toMatchObject({ job: "test.queued", status: "running", triggered_by: "manual", attempt: 1 });
    expect((await jobRow("test.queued")).lease_execution_id).toBe(done.follow_up.id);
    expect((await status("test.queued")).queued_at).toBeNull();
    // Exactly one: the follow-up's own finish starts nothing more.
    expect((await finish(done.follow_up.id)).follow_up).toBeNull();
    expect((await jobRow("test.queued")).lease_execution_id).toBeNull();
    const runs = await db.sql("select count(*)::int as n from sambatan_jobs.job_executions where job = 'test.queued'");
    expect(runs[0].n).toBe(2);
  });

  test("queue_one: a cron tick that fell inside the run is one cron follow-up as the run finishes", async () => {
    const running = await start("test.queued");
    await db.sql("update sambatan_jobs.scheduled_jobs set next_run_at = now() - interval '1 minute' where name = 'test.queued'");
    const done = await finish(running.id);
    expect(done.follow_up).toMatchObject({ triggered_by: "cron" });
    expect(new Date((await jobRow("test.queued")).next_run_at).getTime()).toBeGreaterThan(Date.now());
    expect((await finish(done.follow_up.id)).follow_up).toBeNull();
  });

  test("the in-database runner drives the queued follow-up with the same loop", async () => {
    const running = await start("test.queued", service, "cron");
    await start("test.queued");
    const [{ state }] = await db.sql("select sambatan_jobs.dispatch_step($1::jsonb) as state", [JSON.stringify({ queue: [], execution: running.id })]);
    // The first batch said done: finished, and the follow-up is the next execution to drive.
    const followUp = Number(state.execution);
    expect(followUp).toBeGreaterThan(running.id);
    expect((await execution(running.id)).status).toBe("succeeded");
    const [{ state: after }] = await db.sql("select sambatan_jobs.dispatch_step($1::jsonb) as state", [JSON.stringify(state)]);
    expect(after).toEqual({ queue: [] });
    expect((await execution(followUp))).toMatchObject({ status: "succeeded", triggered_by: "manual" });
  });

  test("pausing drops a queued request", async () => {
    const running = await start("test.queued");
    await start("test.queued");
    await db.rpc(operator, "sambatan_control_job", { p_job: "test.queued", p_action: "pause" });
    expect((await finish(running.id)).follow_up).toBeNull();
    await db.rpc(operator, "sambatan_control_job", { p_job: "test.queued", p_action: "resume" });
    expect((await status("test.queued")).queued_at).toBeNull();
  });
});

describe("hard timeout and heartbeat", () => {
  test("a run's deadline is its job's timeout from the start, and the lease never outlives it", async () => {
    await db.rpc(operator, "sambatan_control_job", { p_job: "test.timed", p_action: "configure", p_settings: { timeout_seconds: 5 } });
    const run = await start("test.timed");
    expect(Date.parse(run.deadline_at) - Date.parse(run.started_at)).toBe(5000);
    const job = await jobRow("test.timed");
    expect(new Date(job.lease_expires_at).getTime()).toBe(Date.parse(run.deadline_at));
    await finish(run.id);
  });

  test("each batch renews the lease by heartbeat_seconds (a live run is not taken over); a silent one is", async () => {
    await db.rpc(operator, "sambatan_control_job", { p_job: "test.timed", p_action: "configure", p_settings: { timeout_seconds: 3600, heartbeat_seconds: 30 } });
    const run = await start("test.timed");
    // Almost out of lease: the batch renews it to about 30 s from now.
    await db.sql("update sambatan_jobs.scheduled_jobs set lease_expires_at = now() + interval '1 second' where name = 'test.timed'");
    await batch(run.id);
    const renewed = new Date((await jobRow("test.timed")).lease_expires_at).getTime() - Date.now();
    expect(renewed).toBeGreaterThan(20_000);
    expect(renewed).toBeLessThanOrEqual(30_000);
    expect((await failure(start("test.timed"))).code).toBe("SB026");
    // Silent past its lease: taken over, with the reason.
    await db.sql("update sambatan_jobs.scheduled_jobs set lease_expires_at = now() - interval '1 second' where name = 'test.timed'");
    const next = await start("test.timed");
    expect(await execution(run.id)).toMatchObject({ status: "failed" });
    expect((await execution(run.id)).error).toMatch(/lease expired: no heartbeat for 30 s/);
    await finish(next.id);
  });

  test("a batch past the run's deadline is refused (JOB_TIMED_OUT, SB071) and the run fails saying it timed out", async () => {
    const run = await start("test.timed");
    await db.sql("update sambatan_jobs.job_executions set deadline_at = now() - interval '1 second', started_at = now() - interval '3601 seconds' where id = $1", [run.id]);
    const refused = await failure(batch(run.id));
    expect(refused.code).toBe("SB071");
    const done = await finish(run.id, "JOB_TIMED_OUT");
    expect(done.status).toBe("dead");
    expect(done.error).toMatch(/^timed out: the run passed its 3600 s limit \(JOB_TIMED_OUT\)/);
  });

  test("a run past its deadline whose runner vanished is taken over as timed out", async () => {
    const run = await start("test.timed");
    await db.sql("update sambatan_jobs.job_executions set deadline_at = now() - interval '1 second', started_at = now() - interval '3601 seconds' where id = $1", [run.id]);
    await db.sql("update sambatan_jobs.scheduled_jobs set lease_expires_at = now() - interval '1 second' where name = 'test.timed'");
    const next = await start("test.timed");
    expect((await execution(run.id)).error).toMatch(/^timed out: the run passed its 3600 s limit and its runner stopped; taken over/);
    await finish(next.id);
  });
});

describe("dead letter and requeue", () => {
  let dead: any;

  test("the last allowed attempt is dead: not retried, counted in status, found by history", async () => {
    const run = await start("test.broken");
    await failure(batch(run.id));
    dead = await finish(run.id, "warehouse API down");
    expect(dead).toMatchObject({ status: "dead", attempt: 1, error: "warehouse API down" });
    expect(await db.rpc(service, "sambatan_due_jobs")).not.toContainEqual({ job: "test.broken", triggered_by: "retry" });
    expect(await status("test.broken")).toMatchObject({ next_retry_at: null, dead_executions: 1 });
    const page = await db.rpc(reader, "sambatan_job_history", { p_job: "test.broken", p_status: "dead" });
    expect(page.items.map((e: any) => e.id)).toEqual([dead.id]);
    expect((await lastAlert()).body).toMatchObject({ type: "job.failed", will_retry: false, execution: { status: "dead" } });
  });

  test("requeue starts a new run (attempt 1, triggered_by requeue, requeue_of the dead one), once", async () => {
    const again = await db.rpc(operator, "sambatan_requeue_job", { p_execution_id: dead.id });
    expect(again).toMatchObject({ job: "test.broken", status: "running", attempt: 1, triggered_by: "requeue", requeue_of: dead.id });
    expect((await failure(db.rpc(operator, "sambatan_requeue_job", { p_execution_id: dead.id }))).code).toBe("SB070");
    const done = await finish(again.id, "still down");
    expect(done.status).toBe("dead");
    expect((await status("test.broken")).dead_executions).toBe(1);
    // The first dead one is requeued already; the new one may be.
    expect((await failure(db.rpc(operator, "sambatan_requeue_job", { p_execution_id: dead.id }))).code).toBe("SB070");
    const third = await db.rpc(operator, "sambatan_requeue_job", { p_execution_id: done.id });
    await finish(third.id);
    expect((await status("test.broken")).dead_executions).toBe(0);
  });

  test("requeue refuses what is not dead (SB070), unknown ids (SB013), readers (SB002), and writes nothing", async () => {
    const ok = await start("test.skipping");
    await finish(ok.id);
    const before = (await db.sql("select count(*)::int as n from sambatan_jobs.job_executions"))[0].n;
    expect((await failure(db.rpc(operator, "sambatan_requeue_job", { p_execution_id: ok.id }))).code).toBe("SB070");
    expect((await failure(db.rpc(operator, "sambatan_requeue_job", { p_execution_id: 999999 }))).code).toBe("SB013");
    expect((await failure(db.rpc(reader, "sambatan_requeue_job", { p_execution_id: dead.id }))).code).toBe("SB002");
    expect((await db.sql("select count(*)::int as n from sambatan_jobs.job_executions"))[0].n).toBe(before);
  });
});

describe("history volume", () => {
  test("sambatan.lifecycle keeps errors_only: failed and dead runs, and only its latest success", async () => {
    expect((await status("sambatan.lifecycle")).history).toBe("errors_only");
    const ids: number[] = [];
    for (let i = 0; i < 3; i++) {
      const run = await start("sambatan.lifecycle");
      ids.push(run.id);
      await finish(run.id, i === 1 ? "supplier down" : null);
    }
    const kept = await db.sql("select id, status from sambatan_jobs.job_executions where job = 'sambatan.lifecycle' order by id");
    expect(kept).toEqual([{ id: ids[1], status: "failed" }, { id: ids[2], status: "succeeded" }]);
    expect((await status("sambatan.lifecycle")).last_success_at).not.toBeNull();
  });

  test("history all keeps every run", async () => {
    const before = (await db.sql("select count(*)::int as n from sambatan_jobs.job_executions where job = 'test.skipping' and status = 'succeeded'"))[0].n;
    await finish((await start("test.skipping")).id);
    await finish((await start("test.skipping")).id);
    const after = (await db.sql("select count(*)::int as n from sambatan_jobs.job_executions where job = 'test.skipping' and status = 'succeeded'"))[0].n;
    expect(after).toBe(before + 2);
  });
});

describe("silence alert", () => {
  test("a job with no success within alert_after posts a signed job.stale once per silence period", async () => {
    await db.rpc(operator, "sambatan_control_job", { p_job: "test.skipping", p_action: "configure", p_settings: { alert_after_seconds: 3600 } });
    // The job's last success two hours ago.
    await db.sql("update sambatan_jobs.job_executions set finished_at = now() - interval '2 hours', started_at = now() - interval '2 hours' where job = 'test.skipping'");
    const before = await alertCount("job.stale");
    await db.rpc(service, "sambatan_due_jobs");
    expect(await alertCount("job.stale")).toBe(before + 1);
    const alert = await lastAlert();
    expect(alert.body).toMatchObject({ type: "job.stale", job: "test.skipping", alert_after_seconds: 3600 });
    expect(alert.headers["X-Sambatan-Signature"]).toBe("sha256=" + createHmac("sha256", "s3cret").update(alert.text).digest("hex"));
    expect((await status("test.skipping")).stale_alerted_at).not.toBeNull();

    // Once per period: the dispatcher's pass and the hook's again post nothing new.
    await db.sql("select sambatan_jobs.dispatch_step(null)");
    await db.rpc(service, "sambatan_due_jobs");
    expect(await alertCount("job.stale")).toBe(before + 1);

    // Still silent an alert_after later: posted again (the dispatcher posts it too).
    await db.sql("update sambatan_jobs.scheduled_jobs set stale_alerted_at = now() - interval '61 minutes' where name = 'test.skipping'");
    await db.sql("select sambatan_jobs.dispatch_step(null)");
    expect(await alertCount("job.stale")).toBe(before + 2);

    // A success ends the silence: nothing more.
    await finish((await start("test.skipping")).id);
    await db.rpc(service, "sambatan_due_jobs");
    expect(await alertCount("job.stale")).toBe(before + 2);
  });

  test("a subscribed endpoint gets job.stale from the outbox, once per alert", async () => {
    const shop = manager(undefined, ["sambatan.manage"]);
    await db.rpc(shop, "create_webhook_endpoint", { p_url: "https://toko.example/hooks", p_event_types: ["job.stale"] });
    await db.rpc(operator, "sambatan_control_job", { p_job: "test.skipping", p_action: "configure", p_settings: { alert_after_seconds: 3600 } });
    await db.sql("update sambatan_jobs.job_executions set finished_at = now() - interval '2 hours', started_at = now() - interval '2 hours' where job = 'test.skipping'");
    await db.sql("update sambatan_jobs.scheduled_jobs set stale_alerted_at = null where name = 'test.skipping'");
    await db.rpc(service, "sambatan_due_jobs");
    await db.rpc(service, "sambatan_due_jobs");
    const events = await db.sql("select payload from public.notification_events where type = 'job.stale'");
    expect(events).toHaveLength(1);
    expect(events[0].payload).toMatchObject({ type: "job.stale", data: { job: "test.skipping", alert_after_seconds: 3600 } });
    expect(await db.sql("select 1 from public.webhook_deliveries where event_type = 'job.stale' and status = 'pending'")).toHaveLength(1);
    await finish((await start("test.skipping")).id);
  });

  test("alert_after null (the default) never alerts", async () => {
    await db.sql("update sambatan_jobs.job_executions set finished_at = now() - interval '30 days' where job = 'test.queued'");
    await db.rpc(service, "sambatan_due_jobs");
    const stale = await db.sql("select count(*)::int as n from net.http_request_queue where body ->> 'job' = 'test.queued'");
    expect(stale[0].n).toBe(0);
  });
});

describe("control: configure", () => {
  test("sets overlap, timeout, heartbeat, history, alert_after, max_attempts and retention, shown in status", async () => {
    const job = await db.rpc(operator, "sambatan_control_job", {
      p_job: "jobs.cleanup", p_action: "configure",
      p_settings: { overlap: "queue_one", timeout_seconds: 900, heartbeat_seconds: 120, history: "errors_only", alert_after_seconds: 172800, max_attempts: 5, retention_days: 30 },
    });
    expect(job).toMatchObject({ overlap: "queue_one", timeout_seconds: 900, heartbeat_seconds: 120, history: "errors_only", alert_after_seconds: 172800, max_attempts: 5, retention_days: 30, enabled: true });
    const off = await db.rpc(operator, "sambatan_control_job", { p_job: "jobs.cleanup", p_action: "configure", p_settings: { alert_after_seconds: null } });
    expect(off).toMatchObject({ alert_after_seconds: null, overlap: "queue_one" });
  });

  test.each([
    [{}], [null], [{ retries: 3 }], [{ overlap: "all" }], [{ timeout_seconds: 0 }], [{ timeout_seconds: 1.5 }], [{ timeout_seconds: "60" }],
    [{ heartbeat_seconds: 3601 }], [{ history: "none" }], [{ alert_after_seconds: 59 }], [{ max_attempts: 11 }], [{ retention_days: 0 }],
    [{ overlap: "skip", max_attempts: 0 }],
  ])("refuses settings %j (SB003) and changes nothing", async (settings) => {
    const before = await jobRow("jobs.cleanup");
    expect((await failure(db.rpc(operator, "sambatan_control_job", { p_job: "jobs.cleanup", p_action: "configure", p_settings: settings }))).code).toBe("SB003");
    expect(await jobRow("jobs.cleanup")).toEqual(before);
  });

  test("settings only with configure; readers may not configure (SB002)", async () => {
    expect((await failure(db.rpc(operator, "sambatan_control_job", { p_job: "jobs.cleanup", p_action: "pause", p_settings: { overlap: "skip" } }))).code).toBe("SB003");
    expect((await failure(db.rpc(reader, "sambatan_control_job", { p_job: "jobs.cleanup", p_action: "configure", p_settings: { overlap: "skip" } }))).code).toBe("SB002");
  });
});
