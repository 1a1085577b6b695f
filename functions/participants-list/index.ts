// GET participants-list: one page of participations with their payment state and due
// time, newest first, by campaign and status, for the managers who chase payments.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["participants-list"],
  env: () => Deno.env.toObject(),
  handler: async ({ query, rpc }) => ({ body: await rpc("list_participants", argsFrom(query)) }),
});
