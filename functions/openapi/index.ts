// GET openapi: the OpenAPI 3.1 document of every function, built from the same
// contracts and zod schemas the functions validate with, and naming this project's
// URL as its server. No credentials: it describes the API, it opens nothing.
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { openApiDocument } from "../../shared/openapi.ts";

export default defineEndpoint({
  ...ENDPOINTS.openapi,
  env: () => Deno.env.toObject(),
  handler: async ({ config }) => ({ body: openApiDocument({ functionsUrl: `${config.supabaseUrl}/functions/v1` }) }),
});
