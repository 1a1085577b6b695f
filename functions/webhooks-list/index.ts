// GET webhooks-list: every webhook endpoint, newest first, without secrets.
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["webhooks-list"],
  env: () => Deno.env.toObject(),
  handler: async ({ rpc }) => ({ body: await rpc("list_webhook_endpoints") }),
});
