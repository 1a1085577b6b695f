// POST campaign-join: the signed-in buyer claims slots (201), or with `waitlist: true`
// on a full campaign takes a place on its waiting list (202). An Idempotency-Key
// makes a retry replay the first answer, status included (marked Idempotent-Replayed).
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["campaign-join"],
  env: () => Deno.env.toObject(),
  handler: async ({ body, headers, rpc }) => {
    const result = await rpc("join_campaign", {
      ...argsFrom(body),
      p_idempotency_key: headers["idempotency-key"],
    });
    const replayed = { "idempotent-replayed": result.replayed ? "true" : undefined };
    return "waitlist_entry" in result
      ? { status: 202, body: { waitlist_entry: result.waitlist_entry }, headers: replayed }
      : { status: 201, body: result.participation, headers: replayed };
  },
});
