// POST lifecycle: the cron hook (pg_cron → pg_net, secret key). Runs every due job
// through start / batches / finish and answers the sambatan.lifecycle run's summary
// (execution_id null and status "skipped" when it was not due).
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { runDueJobs } from "../../shared/jobs.ts";
import { LIFECYCLE_JOB } from "../../shared/schemas.ts";

const COUNTS = ["fulfilled", "expired", "confirmed", "refunded", "released"] as const;

export default defineEndpoint({
  ...ENDPOINTS.lifecycle,
  env: () => Deno.env.toObject(),
  handler: async (ctx) => {
    const executions = await runDueJobs(ctx);
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
