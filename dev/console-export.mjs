// Writes the operator console as plain static files for any host (Supabase Storage,
// Netlify, Vercel, a bucket behind a CDN): console/, supabase-js as an ES module, and
// a config.json naming the project. Realtime is on and the development sign-in is off:
// managers sign in with Supabase Auth there.
//
//   SUPABASE_URL=https://<ref>.supabase.co SUPABASE_PUBLISHABLE_KEY=sb_publishable_… \
//     node dev/console-export.mjs [out-dir]        (default dist/console)

import fs from 'node:fs';
import path from 'node:path';
import { CONSOLE_DIR, consoleConfig, consoleFiles, SUPABASE_MODULE, supabaseModule } from './console-files.mjs';

/** Writes the console to `outDir` and answers the files written (relative paths). */
export function exportConsole(outDir, { supabaseUrl, publishableKey, realtime = true, pollMs = 5000 }) {
  if (!/^https?:\/\/[^/]+/.test(supabaseUrl ?? '')) throw new Error('SUPABASE_URL must be the project URL, e.g. https://<ref>.supabase.co');
  if (!publishableKey) throw new Error('SUPABASE_PUBLISHABLE_KEY must be the project\'s publishable key (sb_publishable_…)');
  const written = [];
  const write = (rel, data) => {
    const target = path.join(outDir, rel);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, data);
    written.push(rel);
  };
  for (const rel of consoleFiles()) write(rel, fs.readFileSync(path.join(CONSOLE_DIR, rel)));
  write(SUPABASE_MODULE, supabaseModule());
  write('config.json', `${JSON.stringify(consoleConfig({ supabaseUrl: supabaseUrl.replace(/\/+$/, ''), publishableKey, realtime, devSignIn: false, pollMs }), null, 2)}\n`);
  return written.sort();
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const out = path.resolve(process.argv[2] ?? 'dist/console');
  try {
    const files = exportConsole(out, { supabaseUrl: process.env.SUPABASE_URL, publishableKey: process.env.SUPABASE_PUBLISHABLE_KEY });
    console.log(`wrote ${files.length} files to ${out}`);
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
