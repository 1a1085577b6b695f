// GET campaign-audit?campaign_id=…: one page of a campaign's events, newest first.
import { argsFrom } from "../../shared/db/port.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { campaignAuditQuery } from "../../shared/schemas.ts";

export default defineEndpoint({
  name: "campaign-audit",
  method: "GET",
  auth: { permission: "sambatan.manage" },
  query: campaignAuditQuery,
  env: () => Deno.env.toObject(),
  handler: async ({ query, rpc }) => ({ body: await rpc("campaign_audit", argsFrom(query)) }),
});
