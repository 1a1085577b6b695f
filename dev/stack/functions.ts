// Every function in functions/, imported into this one process by its default
// export, the way Supabase serves each of them.

import { readdir, stat } from "node:fs/promises";

export interface LoadedFunction {
  slug: string;
  fetch(req: Request): Promise<Response>;
}

export const functionsDir = new URL("../../functions/", import.meta.url);

/** The slugs: folders of functions/ that hold an index.ts. */
export async function functionSlugs(dir: URL = functionsDir): Promise<string[]> {
  const slugs: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory())) {
    const exists = await stat(new URL(`${entry.name}/index.ts`, dir)).then(() => true, () => false);
    if (exists) slugs.push(entry.name);
  }
  return slugs.sort();
}

export async function loadFunctions(dir: URL = functionsDir): Promise<Map<string, LoadedFunction>> {
  const loaded = new Map<string, LoadedFunction>();
  for (const slug of await functionSlugs(dir)) {
    const mod = await import(new URL(`${slug}/index.ts`, dir).href);
    if (typeof mod.default?.fetch !== "function") {
      throw new Error(`functions/${slug}/index.ts must \`export default { fetch }\``);
    }
    loaded.set(slug, { slug, fetch: (req) => mod.default.fetch(req) });
  }
  return loaded;
}
