// Running a job from a function logs one JSON line per execution, whatever the outcome.
import { describe, expect, test } from "vitest";
import type { RpcCall } from "../../shared/db/port.ts";
import { DomainError } from "../../shared/errors.ts";
import { runDueJobs, runJob } from "../../shared/jobs.ts";
import type { JobLog } from "../../shared/log.ts";
import type { Execution } from "../../shared/schemas.ts";

const execution = (over: Partial<Execution> = {}): Execution => ({
  id: 7, job: "sambatan.lifecycle", status: "running", attempt: 1, triggered_by: "manual",
  started_at: "2026-01-01T00:00:00.000Z", finished_at: null, deadline_at: null, duration_ms: null, message: null, error: null, result: null,
  requeue_of: null, ...over,
});

/** A fake database: answers per RPC name, recording the calls. */
function fake(answers: Record<string, (args: any) => unknown>) {
  const calls: [string, unknown][] = [];
  const rpc = (async (name: string, args?: unknown) => {
    calls.push([name, args]);
    return answers[name](args);
  }) as RpcCall;
  const lines: Omit<JobLog, "request_id">[] = [];
  return { runner: { rpc, logJob: (l: Omit<JobLog, "request_id">) => lines.push(l) }, calls, lines };
}

describe("runJob", () => {
  test("a queued start (overlap queue_one, job running) answers Queued and runs nothing", async () => {
    const queued = { queued: true, job: "sambatan.lifecycle", running_execution_id: 3, queued_at: "2026-01-01T00:00:00.000Z" };
    const db = fake({ sambatan_start_job: () => queued });
    expect(await runJob(db.runner, "sambatan.lifecycle", "manual")).toEqual(queued);
    expect(db.calls.map(([n]) => n)).toEqual(["sambatan_start_job"]);
  });

  test("drives the follow-up run a finish started, answers the first and reports both", async () => {
    const db = fake({
      sambatan_start_job: () => execution(),
      sambatan_run_job_batch: () => ({ done: true }),
      sambatan_finish_job: ({ p_execution_id }) => ({
        ...execution({ id: p_execution_id, status: "succeeded" }),
        follow_up: p_execution_id === 7 ? execution({ id: 8, triggered_by: "cron" }) : null,
      }),
    });
    const ran: Execution[] = [];
    const first = await runJob(db.runner, "sambatan.lifecycle", "manual", ran) as Execution;
    expect(first.id).toBe(7);
    expect(ran.map((e) => e.id)).toEqual([7, 8]);
    expect(ran.every((e) => !("follow_up" in e))).toBe(true);
    expect(db.calls.filter(([n]) => n === "sambatan_run_job_batch").map(([, a]) => a)).toEqual([{ p_execution_id: 7 }, { p_execution_id: 8 }]);
  });

  test("each batch goes under a statement timeout of the run's time left, where the runner can set one", async () => {
    const timeouts: number[] = [];
    const db = fake({
      sambatan_start_job: () => execution({ deadline_at: "2026-01-01T00:05:00.000Z" }),
      sambatan_run_job_batch: () => ({ done: true }),
      sambatan_finish_job: () => ({ ...execution({ status: "succeeded" }), follow_up: null }),
    });
    await runJob({ ...db.runner, rpcWithin: (ms: number) => { timeouts.push(ms); return db.runner.rpc; } }, "sambatan.lifecycle", "manual");
    expect(timeouts).toHaveLength(1);
    expect(timeouts[0]).toBeGreaterThan(299_000);
    expect(timeouts[0]).toBeLessThanOrEqual(300_000);
  });

  test("runs batches until done and logs the finished execution once", async () => {
    let batches = 0;
    const db = fake({
      sambatan_start_job: () => execution(),
      sambatan_run_job_batch: () => ({ done: ++batches === 3 }),
      sambatan_finish_job: ({ p_error }) => execution({ status: p_error ? "failed" : "succeeded", duration_ms: 42, error: p_error }),
    });
    const done = await runJob(db.runner, "sambatan.lifecycle", "manual") as Execution;
    expect(done.status).toBe("succeeded");
    expect(db.calls.map(([n]) => n)).toEqual(["sambatan_start_job", "sambatan_run_job_batch", "sambatan_run_job_batch", "sambatan_run_job_batch", "sambatan_finish_job"]);
    expect(db.lines).toEqual([{
      job: "sambatan.lifecycle", execution_id: 7, attempt: 1, triggered_by: "manual", status: "succeeded", duration_ms: 42, error: null,
    }]);
  });

  test("a failing batch finishes the execution as failed, with the code as its error, and logs it", async () => {
    const db = fake({
      sambatan_start_job: () => execution({ attempt: 2, triggered_by: "retry" }),
      sambatan_run_job_batch: () => Promise.reject(new DomainError("UNAVAILABLE")),
      sambatan_finish_job: ({ p_error }) => execution({ status: "failed", attempt: 2, triggered_by: "retry", duration_ms: 5, error: p_error }),
    });
    await runJob(db.runner, "sambatan.lifecycle", "retry");
    expect(db.calls.at(-1)).toEqual(["sambatan_finish_job", { p_execution_id: 7, p_error: "UNAVAILABLE" }]);
    expect(db.lines).toEqual([expect.objectContaining({ status: "failed", attempt: 2, triggered_by: "retry", error: "UNAVAILABLE" })]);
  });

  test("when finishing fails the log still says so, and the error propagates", async () => {
    const db = fake({
      sambatan_start_job: () => execution(),
      sambatan_run_job_batch: () => ({ done: true }),
      sambatan_finish_job: () => Promise.reject(new Error("connection lost")),
    });
    await expect(runJob(db.runner, "sambatan.lifecycle", "manual")).rejects.toThrow("connection lost");
    expect(db.lines).toEqual([expect.objectContaining({ status: "running", error: expect.stringContaining("connection lost") })]);
    expect(db.lines[0].duration_ms).toBeGreaterThanOrEqual(0);
  });

  test("runDueJobs logs each job it ran and leaves one another runner holds", async () => {
    const db = fake({
      sambatan_due_jobs: () => [{ job: "a.job", triggered_by: "cron" }, { job: "b.job", triggered_by: "cron" }],
      sambatan_start_job: ({ p_job }) => p_job === "a.job" ? Promise.reject(new DomainError("JOB_ALREADY_RUNNING")) : execution({ job: p_job, triggered_by: "cron" }),
      sambatan_run_job_batch: () => ({ done: true }),
      sambatan_finish_job: () => execution({ job: "b.job", status: "succeeded", triggered_by: "cron", duration_ms: 1 }),
    });
    const ran = await runDueJobs(db.runner);
    expect(ran.map((e) => e.job)).toEqual(["b.job"]);
    expect(db.lines.map((l) => [l.job, l.status, l.triggered_by])).toEqual([["b.job", "succeeded", "cron"]]);
  });
});
