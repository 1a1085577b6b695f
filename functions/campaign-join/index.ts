// POST campaign-join: the signed-in buyer claims slots. An Idempotency-Key makes a
// retry replay the first answer (marked Idempotent-Replayed) instead of joining twice.
import { argsFrom } from "../../shared/db/port.ts";
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["campaign-join"],
  env: () => Deno.env.toObject(),
  handler: async ({ body, headers, rpc }) => {
    const { participation, replayed } = await rpc("join_campaign", {
      ...argsFrom(body),
      p_idempotency_key: headers["idempotency-key"],
    });
    return {
      status: 201,
      body: participation,
      headers: { "idempotent-replayed": replayed ? "true" : undefined },
    };
  },
});
