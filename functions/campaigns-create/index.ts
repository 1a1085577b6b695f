// POST campaigns-create: a manager opens a campaign for a product with sambatan enabled.
// With price_tiers the flat price may be left out; the RPC then takes the first tier's.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["campaigns-create"],
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({
    status: 201,
    // p_price_per_slot has no SQL default (it comes before p_deadline), so it is always sent.
    body: await rpc("create_campaign", { ...argsFrom(body), p_price_per_slot: body.price_per_slot ?? null }),
  }),
});
