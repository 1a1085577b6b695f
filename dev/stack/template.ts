// New PGlite directories start as a copy of a prepared one. Otherwise a new directory
// costs PGlite's initdb (seconds of WebAssembly) and then every migration and the
// seed; a template is that work done once per PGlite version and set of schema files,
// and copying it takes a tenth of a second. Templates live in a cache folder
// (node_modules/.cache/sambatan by default): `npm install` makes the current one, and
// the first start that finds none makes it then. Nothing here decides what a database
// holds: the builder prepares the template exactly as a new directory is prepared.

import { copyFile, mkdir, readdir, readFile, rename, rm, rmdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/**
 * The template folder SAMBATAN_TEMPLATE_DIR names: node_modules/.cache/sambatan when
 * unset or empty, none for "off" (every new directory is then prepared in place).
 */
export function templateDirFrom(setting: string | undefined): string | undefined {
  if (setting === "off") return undefined;
  return setting || fileURLToPath(new URL("../../node_modules/.cache/sambatan", import.meta.url));
}

/** Prepares a PGlite data directory in `dir` (which does not exist yet) and closes it. */
export type TemplateBuilder = (dir: string) => Promise<void>;

const PREFIX = "pglite-";
// A build that has not finished in this long was interrupted (a build takes seconds).
const ABANDONED_MS = 10 * 60_000;

/** The installed PGlite's version: its data directories are only read by the same build. */
export async function pgliteVersion(): Promise<string> {
  const file = new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url);
  const { version } = JSON.parse(await readFile(file, "utf8")) as { version?: unknown };
  if (typeof version !== "string" || !/^[\w.+-]+$/.test(version)) throw new Error("the installed PGlite has no readable version");
  return version;
}

/** The template's folder name: the PGlite version and the schema files' digest. */
export const templateName = (version: string, digest: string) => `${PREFIX}${version}-${digest.slice(0, 32)}`;

const exists = (path: string) => stat(path).then(() => true, () => false);
const unique = (path: string) => `${path}.tmp-${process.pid}-${crypto.randomUUID().slice(0, 8)}`;

/**
 * The template named `name` in `cacheDir`, built by `build` when it is not there yet.
 * A build goes to a folder of its own and is renamed into place when complete, so a
 * template is never seen half made, and two starts building at once both end with the
 * one that landed first. Templates of other names are removed after a build.
 */
export async function ensureTemplate(cacheDir: string, name: string, build: TemplateBuilder): Promise<{ path: string; built: boolean }> {
  const path = join(cacheDir, name);
  if (await exists(path)) return { path, built: false };
  await mkdir(cacheDir, { recursive: true });
  const draft = unique(path);
  try {
    await build(draft);
    await rename(draft, path).catch(async (err) => {
      // Another start finished the same template first: keep that one.
      if (!(await exists(path))) throw err;
    });
  } finally {
    await rm(draft, { recursive: true, force: true });
  }
  await prune(cacheDir, name);
  return { path, built: true };
}

/** Removes other templates and abandoned drafts; a draft still being built is left alone. */
async function prune(cacheDir: string, keep: string): Promise<void> {
  for (const entry of await readdir(cacheDir).catch(() => [] as string[])) {
    if (!entry.startsWith(PREFIX) || entry === keep) continue;
    const path = join(cacheDir, entry);
    if (entry.includes(".tmp-")) {
      const { mtimeMs } = await stat(path).catch(() => ({ mtimeMs: Date.now() }));
      if (Date.now() - mtimeMs < ABANDONED_MS) continue;
    }
    await rm(path, { recursive: true, force: true }).catch(() => {});
  }
}

/** Whether `dir` is a directory PGlite would initialise: missing, or empty. */
export async function isNewDirectory(dir: string): Promise<boolean> {
  const entries = await readdir(dir).catch((err) => (err?.code === "ENOENT" ? [] : undefined));
  return entries !== undefined && entries.length === 0;
}

/**
 * Copies the template to `dataDir` (missing or empty). The copy is made beside it and
 * renamed into place, so an interrupted copy never leaves a half database behind.
 */
export async function copyTemplate(template: string, dataDir: string): Promise<void> {
  await mkdir(dirname(dataDir), { recursive: true });
  const draft = unique(join(dirname(dataDir), `.${basename(dataDir)}`));
  try {
    await copyTree(template, draft);
    await rmdir(dataDir).catch((err) => {
      if (err?.code !== "ENOENT") throw err;
    });
    await rename(draft, dataDir);
  } finally {
    await rm(draft, { recursive: true, force: true });
  }
}

/** Copies a tree of folders and plain files, every file of a folder at once (faster than fs.cp). */
async function copyTree(from: string, to: string): Promise<void> {
  await mkdir(to);
  const entries = await readdir(from, { withFileTypes: true });
  await Promise.all(entries.map((e) => {
    if (e.isDirectory()) return copyTree(join(from, e.name), join(to, e.name));
    if (e.isFile()) return copyFile(join(from, e.name), join(to, e.name));
    throw new Error(`${join(from, e.name)} is neither a file nor a folder`);
  }));
}
