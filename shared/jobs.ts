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

/** What a start answers when a queue_one job was running: one follow-up run is queued. */
export interface Queued {
  queued: true;
  job: string;
  running_execution_id: number | null;
  queued_at: string;
}

/** What a run needs from the request that drives it (an EndpointContext has both). */
export interface JobRunner {
  rpc: RpcCall;
  /** The same calls under a statement timeout, where the adapter can set one per call. */
  rpcWithin?(timeoutMs: number): RpcCall;
  /** One line per execution; the execution row holds the same, but logs are what operators ship. */
  logJob(entry: Omit<JobLog, "request_id">): void;
}

export const isQueued = (started: Execution | Queued): started is Queued => "queued" in started && started.queued === true;

/** Starts `job` and runs it to its end (or answers Queued); see runStarted for follow-ups. */
export async function runJob(runner: JobRunner, job: string, triggeredBy: Trigger, ran: Execution[] = []): Promise<Execution | Queued> {
  const started = await runner.rpc("sambatan_start_job", { p_job: job, p_triggered_by: triggeredBy });
  return isQueued(started) ? started : runStarted(runner, started, ran);
}

/**
 * Drives a started execution to its end, then any queue_one follow-up its finish
 * started; answers the first, and pushes every finished one onto `ran`. Each batch
 * runs under a statement timeout of the time left before the run's deadline.
 */
export async function runStarted(runner: JobRunner, first: Execution, ran: Execution[] = []): Promise<Execution> {
  let answer: Execution | undefined;
  for (let started: Execution | null = first; started;) {
    const { follow_up, ...finished } = await runOne(runner, started);
    ran.push(finished);
    answer ??= finished;
    started = follow_up ?? null;
  }
  return answer!;
}

async function runOne({ rpc, rpcWithin, logJob }: JobRunner, started: Execution) {
  const startedAt = performance.now();
  const limitMs = started.deadline_at ? Date.parse(started.deadline_at) - Date.parse(started.started_at) : null;
  let error: string | null = null;
  try {
    // Webhook delivery makes HTTP requests, which the database cannot wait for here.
    if (started.job === DELIVER_JOB) await deliverDue(rpc, started.id);
    else {
      for (;;) {
        // Time left by this runner's own clock, so a skewed clock cannot widen it; at
        // least 1 ms, so a run past its limit still reaches SQL and is refused there.
        const call = limitMs !== null && rpcWithin ? rpcWithin(Math.max(1, limitMs - elapsed(startedAt))) : rpc;
        const batch = await call("sambatan_run_job_batch", { p_execution_id: started.id });
        if (batch.done) break;
      }
    }
  } catch (err) {
    // Recorded for operators in the execution row (scheduled_job.read), never sent to buyers.
    error = err instanceof DomainError && err.code !== "INTERNAL" ? err.code : describeError(err instanceof DomainError ? err.cause ?? err : err);
  }
  const line = { job: started.job, execution_id: started.id, attempt: started.attempt, triggered_by: started.triggered_by };
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
 * Runs every due job once (and their queued follow-ups); a job another runner holds (or
 * that was paused meanwhile) is left to it. Webhook delivery goes last, so a slow
 * receiver never delays the others.
 */
export async function runDueJobs(runner: JobRunner): Promise<Execution[]> {
  const due = (await runner.rpc("sambatan_due_jobs"))
    .sort((a, b) => Number(a.job === DELIVER_JOB) - Number(b.job === DELIVER_JOB));
  const done: Execution[] = [];
  for (const { job, triggered_by } of due) {
    try {
      await runJob(runner, job, triggered_by, done);
    } catch (err) {
      if (err instanceof DomainError && (err.code === "JOB_ALREADY_RUNNING" || err.code === "JOB_PAUSED")) continue;
      throw err;
    }
  }
  return done;
}

const elapsed = (since: number) => Math.round(performance.now() - since);
