// POST campaign-cancel: a manager calls a campaign off. In one transaction the RPC
// cancels unpaid participations, owes refunds for paid ones and closes the waiting list.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["campaign-cancel"],
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({ body: await rpc("cancel_campaign", argsFrom(body)) }),
});
