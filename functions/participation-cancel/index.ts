// POST participation-cancel: the participant (or a manager, or a secret key) cancels a
// pending participation; the RPC decides who may, and hides other buyers' rows.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["participation-cancel"],
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({ body: await rpc("cancel_participation", argsFrom(body)) }),
});
