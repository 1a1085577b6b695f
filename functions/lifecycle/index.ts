// POST lifecycle: the cron hook (pg_cron → pg_net, secret key). Runs every due job
// through start / batches / finish and answers the sambatan.lifecycle run's summary
// (execution_id null and status "skipped" when it was not due).
import { defineEndpoint } from "../../shared/http.ts";
import { runDueJobs } from "../../shared/jobs.ts";
import { LIFECYCLE_JOB, lifecycleHookBody } from "../../shared/schemas.ts";

const COUNTS = ["fulfilled", "expired", "confirmed", "refunded"] as const;

export default defineEndpoint({
  name: "lifecycle",
  method: "POST",
  auth: "secret",
  body: lifecycleHookBody,
  env: () => Deno.env.toObject(),
  handler: async ({ rpc }) => {
    const executions = await runDueJobs(rpc);
    const run = executions.find((e) => e.job === LIFECYCLE_JOB);
    const counts = Object.fromEntries(COUNTS.map((k) => [k, Number(run?.result?.[k] ?? 0)]));
    return {
      body: {
        execution_id: run?.id ?? null,
        status: run?.status ?? "skipped",
        ...counts,
        duration_ms: run?.duration_ms ?? 0,
        jobs: executions,
      },
    };
  },
});
