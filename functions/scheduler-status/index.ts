// GET scheduler-status: every job's status, plus the legacy scheduler's fields for sambatan.lifecycle.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["scheduler-status"],
  env: () => Deno.env.toObject(),
  handler: async ({ query, rpc }) => ({ body: await rpc("sambatan_job_status", argsFrom(query)) }),
});
