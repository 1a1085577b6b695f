// POST product-sambatan-toggle: enables or disables group buying of a product and
// sets its campaign defaults.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["product-sambatan-toggle"],
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({ body: await rpc("toggle_product_sambatan", argsFrom(body)) }),
});
