// POST scheduler-trigger: runs a job now (default sambatan.lifecycle) and answers
// after the run; cron and manual triggers share one gate, so a running job is 409,
// or, for a job with overlap queue_one, "queued": one follow-up run after it.
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { isQueued, runJob } from "../../shared/jobs.ts";

export default defineEndpoint({
  ...ENDPOINTS["scheduler-trigger"],
  env: () => Deno.env.toObject(),
  handler: async (ctx) => {
    const run = await runJob(ctx, ctx.body.job, "manual");
    if (isQueued(run)) {
      return { body: { status: "queued", job: run.job, running_execution_id: run.running_execution_id, queued_at: run.queued_at } };
    }
    return { body: { status: "triggered", execution_id: run.id, triggered_at: run.started_at, execution: run } };
  },
});
