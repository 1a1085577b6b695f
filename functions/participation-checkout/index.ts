// POST participation-checkout: the buyer pays for a pending participation. Answers
// the provider's payment page (Midtrans Snap or a Xendit invoice, opened once and
// returned again on every retry) and when it expires; with manual payment, only
// the deadline. A provider that fails or refuses is 502 PAYMENT_PROVIDER_ERROR.
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { checkout } from "../../shared/payments/checkout.ts";

export default defineEndpoint({
  ...ENDPOINTS["participation-checkout"],
  env: () => Deno.env.toObject(),
  handler: async (ctx) => ({ body: await checkout(ctx, ctx.body.participation_id) }),
});
