// GET campaign-waitlist: one page of a campaign's waiting list in queue order, for the
// managers who see who is next when slots come free.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["campaign-waitlist"],
  env: () => Deno.env.toObject(),
  handler: async ({ query, rpc }) => ({ body: await rpc("campaign_waitlist", argsFrom(query)) }),
});
