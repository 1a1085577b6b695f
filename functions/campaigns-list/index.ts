// GET campaigns-list: one page of campaigns, newest first, by status and product.
import { argsFrom } from "../../shared/db/port.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { listCampaignsQuery } from "../../shared/schemas.ts";

export default defineEndpoint({
  name: "campaigns-list",
  method: "GET",
  auth: "publishable_or_user",
  query: listCampaignsQuery,
  env: () => Deno.env.toObject(),
  handler: async ({ query, rpc }) => ({ body: await rpc("list_campaigns", argsFrom(query)) }),
});
