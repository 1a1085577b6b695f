// GET health: liveness of the function and its database, for load balancers and
// uptime checks. Answers 503 "degraded" rather than an error when the database is out.
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { VERSION } from "../../shared/version.ts";

export default defineEndpoint({
  ...ENDPOINTS.health,
  env: () => Deno.env.toObject(),
  handler: async ({ rpc }) => {
    try {
      const db = await rpc("sambatan_health");
      return { body: { status: "ok", database: "ok", version: VERSION, time: db.time } };
    } catch (err) {
      return {
        status: 503,
        headers: { "retry-after": "5" },
        body: { status: "degraded", database: "unreachable", version: VERSION, time: new Date().toISOString() },
        logError: err,
      };
    }
  },
});
