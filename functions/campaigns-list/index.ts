// GET campaigns-list: one page of campaigns, newest first, by status and product.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["campaigns-list"],
  env: () => Deno.env.toObject(),
  handler: async ({ query, rpc }) => ({ body: await rpc("list_campaigns", argsFrom(query)) }),
});
