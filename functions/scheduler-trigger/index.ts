// POST scheduler-trigger: runs a job now (default sambatan.lifecycle) and answers
// after the run; cron and manual triggers share one gate, so a running job is 409.
import { defineEndpoint } from "../../shared/http.ts";
import { runJob } from "../../shared/jobs.ts";
import { schedulerTriggerBody } from "../../shared/schemas.ts";

export default defineEndpoint({
  name: "scheduler-trigger",
  method: "POST",
  auth: { permission: "scheduled_job.execute" },
  body: schedulerTriggerBody,
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => {
    const execution = await runJob(rpc, body.job, "manual");
    return {
      body: { status: "triggered", execution_id: execution.id, triggered_at: execution.started_at, execution },
    };
  },
});
