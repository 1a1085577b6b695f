// GET metrics: Prometheus text for a scraper (secret key, or a user with
// scheduled_job.read). Every figure is computed by the `metrics` RPC from rows, so
// it survives restarts and rolled-back requests; rejections by code are counted
// from the request logs instead (see shared/log.ts).
import { ENDPOINTS, PROMETHEUS_CONTENT_TYPE } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { renderPrometheus } from "../../shared/prometheus.ts";
import { metricFamilies } from "../../shared/schemas.ts";

export default defineEndpoint({
  ...ENDPOINTS.metrics,
  env: () => Deno.env.toObject(),
  handler: async ({ rpc }) => ({
    // Parsed first: a malformed family is a 500 to investigate, not a scrape that half-parses.
    body: renderPrometheus(metricFamilies.parse(await rpc("sambatan_metrics"))),
    contentType: PROMETHEUS_CONTENT_TYPE,
  }),
});
