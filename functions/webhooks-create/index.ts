// POST webhooks-create: a manager subscribes a URL to notification events. The
// answer carries the signing secret the database generated; it is never shown again.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["webhooks-create"],
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({ status: 201, body: await rpc("create_webhook_endpoint", argsFrom(body)) }),
});
