// POST scheduler-control: pauses or resumes a job; answers its status.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["scheduler-control"],
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({ body: await rpc("sambatan_control_job", argsFrom(body)) }),
});
