// GET my-data: everything Sambatan holds about the signed-in buyer (UU PDP access).
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["my-data"],
  env: () => Deno.env.toObject(),
  handler: async ({ rpc }) => ({ body: await rpc("my_data") }),
});
