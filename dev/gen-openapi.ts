// Writes openapi.json, the OpenAPI 3.1 document of every function, from the contracts
// in shared/endpoints.ts. A unit test fails while the committed file differs.
//
//   deno run -A dev/gen-openapi.ts            (npm run gen:openapi)
//   deno run -A dev/gen-openapi.ts --check    exit 1 when openapi.json is stale

import { readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { openApiJson } from "../shared/openapi.ts";

export const OPENAPI_FILE = fileURLToPath(new URL("../openapi.json", import.meta.url));

const text = openApiJson();
if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(OPENAPI_FILE, "utf8");
  } catch { /* missing counts as stale */ }
  if (committed !== text) {
    console.error("openapi.json is stale: run `npm run gen:openapi` and commit the result");
    process.exit(1);
  }
  console.log("openapi.json is up to date");
} else {
  writeFileSync(OPENAPI_FILE, text);
  console.log(`wrote openapi.json (${Object.keys(JSON.parse(text).paths).length} paths)`);
}
