// GET campaign-get?id=…: one campaign with its progress.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["campaign-get"],
  env: () => Deno.env.toObject(),
  handler: async ({ query, rpc }) => ({ body: await rpc("get_campaign", argsFrom(query, { id: "campaign_id" })) }),
});
