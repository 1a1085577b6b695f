// Makes the template new PGlite directories of the local stack are copied from
// (dev/stack/template.ts), so that the first `npm start` on a new data folder does
// not wait for PGlite's initdb and every migration. `npm install` runs it; a start
// that finds no current template makes one itself, so a failure here only warns.
//
//   deno run -A dev/template.ts      (SAMBATAN_TEMPLATE_DIR as for dev/serve.ts)

import process from "node:process";
import { prepareTemplate } from "./stack/database.ts";
import { templateDirFrom } from "./stack/template.ts";

const dir = templateDirFrom(process.env.SAMBATAN_TEMPLATE_DIR);
if (dir === undefined) process.exit(0);
const started = performance.now();
try {
  const path = await prepareTemplate(dir, () => {});
  console.log(`[sambatan] PGlite template for new data folders: ${path} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
} catch (err) {
  console.warn(`[sambatan] warning: the PGlite template was not made (${err instanceof Error ? err.message : String(err)}); the first start of a new data folder makes it`);
}
