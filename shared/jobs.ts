// Running a scheduled job from a function: start (takes the job's lease and commits
// a `running` execution), batches (each its own transaction), finish (records the
// outcome, releases the lease, schedules a retry). The one place where a request
// makes more than one RPC call: a long run must show progress and survive a failure.

import type { RpcCall } from "./db/port.ts";
import { DomainError } from "./errors.ts";
import { describeError, type JobLog } from "./log.ts";
import { deliverDue } from "./notifications.ts";
import { DELIVER_JOB, type Execution } from "./schemas.ts";

export type Trigger = Execution["triggered_by"];

/** What a run needs from the request that drives it (an EndpointContext has both). */
export interface JobRunner {
  rpc: RpcCall;
  /** One line per execution; the execution row holds the same, but logs are what operators ship. */
  logJob(entry: Omit<JobLog, "request_id">): void;
}

/** Runs `job` to its end and answers the finished execution; a failing batch finishes it as failed. */
export async function runJob({ rpc, logJob }: JobRunner, job: string, triggeredBy: Trigger): Promise<Execution> {
  const startedAt = performance.now();
  const started = await rpc("sambatan_start_job", { p_job: job, p_triggered_by: triggeredBy });
  let error: string | null = null;
  try {
    // Webhook delivery makes HTTP requests, which the database cannot wait for here.
    if (job === DELIVER_JOB) await deliverDue(rpc, started.id);
    else {
      for (;;) {
        const batch = await rpc("sambatan_run_job_batch", { p_execution_id: started.id });
        if (batch.done) break;
      }
    }
  } catch (err) {
    // Recorded for operators in the execution row (scheduled_job.read), never sent to buyers.
    error = err instanceof DomainError && err.code !== "INTERNAL" ? err.code : describeError(err instanceof DomainError ? err.cause ?? err : err);
  }
  const line = { job, execution_id: started.id, attempt: started.attempt, triggered_by: started.triggered_by };
  try {
    const finished = await rpc("sambatan_finish_job", { p_execution_id: started.id, p_error: error });
    logJob({ ...line, status: finished.status, duration_ms: finished.duration_ms ?? elapsed(startedAt), error: finished.error });
    return finished;
  } catch (err) {
    // Still `running` in the table until its lease times out: the log says why.
    logJob({ ...line, status: "running", duration_ms: elapsed(startedAt), error: `finish failed: ${describeError(err)}` });
    throw err;
  }
}

/**
 * Runs every due job once; a job another runner holds (or that was paused meanwhile)
 * is left to it. Webhook delivery goes last, so a slow receiver never delays the others.
 */
export async function runDueJobs(runner: JobRunner): Promise<Execution[]> {
  const due = (await runner.rpc("sambatan_due_jobs"))
    .sort((a, b) => Number(a.job === DELIVER_JOB) - Number(b.job === DELIVER_JOB));
  const done: Execution[] = [];
  for (const { job, triggered_by } of due) {
    try {
      done.push(await runJob(runner, job, triggered_by));
    } catch (err) {
      if (err instanceof DomainError && (err.code === "JOB_ALREADY_RUNNING" || err.code === "JOB_PAUSED")) continue;
      throw err;
    }
  }
  return done;
}

const elapsed = (since: number) => Math.round(performance.now() - since);
