// POST campaign-extend: a manager moves an active or locked campaign's deadline
// later, once per campaign and by at most 30 days (the RPC checks it against the row).
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["campaign-extend"],
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({ body: await rpc("extend_campaign", argsFrom(body)) }),
});
