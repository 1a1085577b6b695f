// Running a scheduled job from a function: start (takes the job's lease and commits
// a `running` execution), batches (each its own transaction), finish (records the
// outcome, releases the lease, schedules a retry). The one place where a request
// makes more than one RPC call: a long run must show progress and survive a failure.

import type { RpcArgs, RpcName } from "./db/port.ts";
import { DomainError } from "./errors.ts";
import { describeError } from "./log.ts";
import type { Execution } from "./schemas.ts";

export type Rpc = <T = unknown>(name: RpcName, args?: RpcArgs) => Promise<T>;
export type Trigger = "cron" | "manual" | "retry";

/** Runs `job` to its end and answers the finished execution; a failing batch finishes it as failed. */
export async function runJob(rpc: Rpc, job: string, triggeredBy: Trigger): Promise<Execution> {
  const started = await rpc<Execution>("start_job", { p_job: job, p_triggered_by: triggeredBy });
  let error: string | null = null;
  try {
    for (;;) {
      const batch = await rpc<{ done: boolean }>("run_job_batch", { p_execution_id: started.id });
      if (batch.done) break;
    }
  } catch (err) {
    // Recorded for operators in the execution row (scheduled_job.read), never sent to buyers.
    error = err instanceof DomainError && err.code !== "INTERNAL" ? err.code : describeError(err instanceof DomainError ? err.cause ?? err : err);
  }
  return rpc<Execution>("finish_job", { p_execution_id: started.id, p_error: error });
}

/** Runs every due job once; a job another runner holds (or that was paused meanwhile) is left to it. */
export async function runDueJobs(rpc: Rpc): Promise<Execution[]> {
  const due = await rpc<{ job: string; triggered_by: Trigger }[]>("due_jobs");
  const done: Execution[] = [];
  for (const { job, triggered_by } of due) {
    try {
      done.push(await runJob(rpc, job, triggered_by));
    } catch (err) {
      if (err instanceof DomainError && (err.code === "JOB_ALREADY_RUNNING" || err.code === "JOB_PAUSED")) continue;
      throw err;
    }
  }
  return done;
}
