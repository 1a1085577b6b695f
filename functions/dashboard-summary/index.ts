// GET dashboard-summary: counts per status, fill rate, deadlines within 24 h, amounts.
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  ...ENDPOINTS["dashboard-summary"],
  env: () => Deno.env.toObject(),
  handler: async ({ rpc }) => ({ body: await rpc("sambatan_dashboard_summary") }),
});
