// POST waitlist-leave: the buyer leaves a campaign's waiting list. Another buyer's
// entry is WAITLIST_ENTRY_NOT_FOUND, like one that never existed.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["waitlist-leave"],
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({ body: await rpc("leave_waitlist", argsFrom(body)) }),
});
