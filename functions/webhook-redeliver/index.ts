// POST webhook-redeliver: makes one delivery (any status) or every dead delivery of
// an endpoint due now, with a fresh retry window; webhook-id stays the same.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["webhook-redeliver"],
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({ body: await rpc("redeliver_webhooks", argsFrom(body)) }),
});
