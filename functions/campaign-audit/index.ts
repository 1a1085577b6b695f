// GET campaign-audit?campaign_id=…: one page of a campaign's events, newest first.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["campaign-audit"],
  env: () => Deno.env.toObject(),
  handler: async ({ query, rpc }) => ({ body: await rpc("campaign_audit", argsFrom(query)) }),
});
