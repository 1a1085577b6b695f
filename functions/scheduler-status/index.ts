// GET scheduler-status: every job's status, plus the seed's fields for sambatan.lifecycle.
import { argsFrom } from "../../shared/db/port.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { schedulerStatusQuery } from "../../shared/schemas.ts";

export default defineEndpoint({
  name: "scheduler-status",
  method: "GET",
  auth: { permission: "scheduled_job.read" },
  query: schedulerStatusQuery,
  env: () => Deno.env.toObject(),
  handler: async ({ query, rpc }) => ({ body: await rpc("job_status", argsFrom(query)) }),
});
