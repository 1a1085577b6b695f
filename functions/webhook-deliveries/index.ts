// GET webhook-deliveries: one page of deliveries with their attempts, newest first,
// by endpoint, status and event type.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["webhook-deliveries"],
  env: () => Deno.env.toObject(),
  handler: async ({ query, rpc }) => ({ body: await rpc("list_webhook_deliveries", argsFrom(query)) }),
});
