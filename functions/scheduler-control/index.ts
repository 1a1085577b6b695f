// POST scheduler-control: pauses or resumes a job; answers its status.
import { argsFrom } from "../../shared/db/port.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { schedulerControlBody } from "../../shared/schemas.ts";

export default defineEndpoint({
  name: "scheduler-control",
  method: "POST",
  auth: { permission: "scheduled_job.execute" },
  body: schedulerControlBody,
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({ body: await rpc("control_job", argsFrom(body)) }),
});
