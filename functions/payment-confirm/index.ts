// POST payment-confirm: a manager marks a pending participation paid by hand (cash,
// a bank transfer the shop checked), with the reference they checked; audited.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["payment-confirm"],
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({ body: await rpc("confirm_payment", argsFrom(body)) }),
});
