// POST campaigns-create: a manager opens a campaign for a product with sambatan enabled.
import { argsFrom } from "../../shared/db/port.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { createCampaignBody } from "../../shared/schemas.ts";

export default defineEndpoint({
  name: "campaigns-create",
  method: "POST",
  auth: { permission: "sambatan.manage" },
  body: createCampaignBody,
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({
    status: 201,
    body: await rpc("create_campaign", argsFrom(body)),
  }),
});
