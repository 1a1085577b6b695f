// GET dashboard-summary: counts per status, fill rate, deadlines within 24 h, amounts.
import { defineEndpoint } from "../../shared/http.ts";

export default defineEndpoint({
  name: "dashboard-summary",
  method: "GET",
  auth: { permission: "sambatan.manage" },
  env: () => Deno.env.toObject(),
  handler: async ({ rpc }) => ({ body: await rpc("dashboard_summary") }),
});
