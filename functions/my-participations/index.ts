// GET my-participations: one page of the signed-in buyer's own participations.
import { argsFrom } from "../../shared/db/port.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { myParticipationsQuery } from "../../shared/schemas.ts";

export default defineEndpoint({
  name: "my-participations",
  method: "GET",
  auth: "user",
  query: myParticipationsQuery,
  env: () => Deno.env.toObject(),
  handler: async ({ query, rpc }) => ({ body: await rpc("my_participations", argsFrom(query)) }),
});
