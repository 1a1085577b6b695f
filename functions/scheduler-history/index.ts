// GET scheduler-history: one page of executions, newest first, by job and status.
import { argsFrom } from "../../shared/db/port.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { schedulerHistoryQuery } from "../../shared/schemas.ts";

export default defineEndpoint({
  name: "scheduler-history",
  method: "GET",
  auth: { permission: "scheduled_job.read" },
  query: schedulerHistoryQuery,
  env: () => Deno.env.toObject(),
  handler: async ({ query, rpc }) => ({ body: await rpc("job_history", argsFrom(query)) }),
});
