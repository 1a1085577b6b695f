// POST participation-cancel: the participant (or a manager, or a secret key) cancels a
// pending participation; the RPC decides who may, and hides other buyers' rows.
import { argsFrom } from "../../shared/db/port.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { cancelParticipationBody } from "../../shared/schemas.ts";

export default defineEndpoint({
  name: "participation-cancel",
  method: "POST",
  auth: "user_or_secret",
  body: cancelParticipationBody,
  env: () => Deno.env.toObject(),
  handler: async ({ body, rpc }) => ({ body: await rpc("cancel_participation", argsFrom(body)) }),
});
