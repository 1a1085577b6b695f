// POST product-sambatan-toggle: enables or disables group buying of a product and
// sets its campaign defaults.
import { argsFrom } from "../../shared/db/port.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { toggleProductBody } from "../../shared/schemas.ts";

export default defineEndpoint({
  name: "product-sambatan-toggle",
  method: "POST",
  auth: { permission: "sambatan.manage" },
  body: toggleProductBody,
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({ body: await rpc("toggle_product_sambatan", argsFrom(body)) }),
});
