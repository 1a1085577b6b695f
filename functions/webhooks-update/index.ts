// POST webhooks-update: changes an endpoint's URL, event types, description or
// active flag; an inactive endpoint gets no new events and its deliveries wait.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["webhooks-update"],
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({ body: await rpc("update_webhook_endpoint", argsFrom(body)) }),
});
