// POST scheduler-trigger: runs a job now (default sambatan.lifecycle) and answers
// after the run; cron and manual triggers share one gate, so a running job is 409.
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { runJob } from "../../shared/jobs.ts";

export default defineEndpoint({
  ...ENDPOINTS["scheduler-trigger"],
  env: () => Deno.env.toObject(),
  handler: async (ctx) => {
    const execution = await runJob(ctx, ctx.body.job, "manual");
    return {
      body: { status: "triggered", execution_id: execution.id, triggered_at: execution.started_at, execution },
    };
  },
});
