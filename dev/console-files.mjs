// The operator console's static files (console/) and the one file it takes from
// node_modules: supabase-js's self-contained browser build, exposed as an ES module by
// appending one export line (its ES build imports bare names and extensionless paths,
// which browsers cannot resolve without a bundler). Used by the local stack, which
// serves them at /console, and by dev/console-export.mjs, which writes them for a host.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSOLE_DIR = fileURLToPath(new URL('../console/', import.meta.url));
const SUPABASE_UMD = fileURLToPath(new URL('../node_modules/@supabase/supabase-js/dist/umd/supabase.js', import.meta.url));

/** The path the console imports supabase-js from, relative to its index.html. */
export const SUPABASE_MODULE = 'vendor/supabase.js';

export const CONTENT_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** supabase-js as an ES module: the UMD build declares `var supabase`; export what the console uses. */
export function supabaseModule() {
  const umd = fs.readFileSync(SUPABASE_UMD, 'utf8');
  return `${umd}\n;export const createClient = supabase.createClient;\nexport default supabase;\n`;
}

/** Every file of console/ (relative paths), the ones a host must serve. */
export function consoleFiles() {
  return fs.readdirSync(CONSOLE_DIR, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && CONTENT_TYPES[path.extname(e.name)] && e.name !== 'config.json')
    .map((e) => path.relative(CONSOLE_DIR, path.join(e.parentPath ?? e.path, e.name)).split(path.sep).join('/'))
    .sort();
}

/**
 * What the console reads at start (config.json): where the project is, its publishable
 * key, whether Realtime is there (Supabase) or progress is polled (the local stack),
 * and whether the local development sign-in exists.
 */
export function consoleConfig({ supabaseUrl, publishableKey, realtime, devSignIn = false, pollMs = 5000 }) {
  return { supabaseUrl, publishableKey, realtime, devSignIn, pollMs };
}
