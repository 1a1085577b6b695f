// POST campaigns-create: a manager opens a campaign for a product with sambatan enabled.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["campaigns-create"],
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({
    status: 201,
    body: await rpc("create_campaign", argsFrom(body)),
  }),
});
