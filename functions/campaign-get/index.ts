// GET campaign-get?id=…: one campaign with its progress.
import { argsFrom } from "../../shared/db/port.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { getCampaignQuery } from "../../shared/schemas.ts";

export default defineEndpoint({
  name: "campaign-get",
  method: "GET",
  auth: "publishable_or_user",
  query: getCampaignQuery,
  env: () => Deno.env.toObject(),
  handler: async ({ query, rpc }) => ({ body: await rpc("get_campaign", argsFrom(query, { id: "campaign_id" })) }),
});
