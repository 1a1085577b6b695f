// GET my-participations: one page of the signed-in buyer's own participations.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["my-participations"],
  env: () => Deno.env.toObject(),
  handler: async ({ query, rpc }) => ({ body: await rpc("my_participations", argsFrom(query)) }),
});
