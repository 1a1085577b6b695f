// POST scheduler-requeue: runs a dead execution's job again (a new execution,
// attempt 1, triggered_by requeue) and answers after the run; 409 unless it is dead.
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { runStarted } from "../../shared/jobs.ts";

export default defineEndpoint({
  ...ENDPOINTS["scheduler-requeue"],
  env: () => Deno.env.toObject(),
  handler: async (ctx) => {
    const started = await ctx.rpc("sambatan_requeue_job", { p_execution_id: ctx.body.execution_id });
    const execution = await runStarted(ctx, started);
    return {
      body: { status: "triggered", execution_id: execution.id, triggered_at: execution.started_at, execution },
    };
  },
});
