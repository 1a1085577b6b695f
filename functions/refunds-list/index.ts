// GET refunds-list: one page of the refunds ledger (owed and paid out), newest
// first, by status and campaign, for the managers who pay them out.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["refunds-list"],
  env: () => Deno.env.toObject(),
  handler: async ({ query, rpc }) => ({ body: await rpc("list_refunds", argsFrom(query)) }),
});
