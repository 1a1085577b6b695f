// POST refund-complete: a manager records that a pending refund was paid out
// (succeeded, with the transfer's reference) or could not be (failed); final after.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["refund-complete"],
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({ body: await rpc("complete_refund", argsFrom(body)) }),
});
