// Runs before `npm test` and the generators (npm's pre-scripts): stops at once,
// saying what to do, when Node is too old or node_modules is missing or behind
// package.json. Without it the first symptom would be "deno: not found" or an import
// error deep inside a tool.
//
// `npm start` runs it only when the stack did not start (`--failed=<exit code>`), so a
// start that works does not wait for a Node process first: then a broken install is
// named as above, and otherwise it exits with the stack's own code, adding nothing.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const command = process.env.npm_lifecycle_event?.replace(/^pre/, '') ?? 'start';
const again = command === 'start' || command === 'test' ? `npm ${command}` : `npm run ${command}`;

const failed = process.argv.find((a) => a.startsWith('--failed='))?.slice('--failed='.length);

function stop(problem, todo) {
  console.error(`[sambatan] ${problem}\n[sambatan] → ${todo}`);
  process.exit(1);
}

const major = Number(process.versions.node.split('.')[0]);
if (major < 20) stop(`Node ${process.versions.node} is too old`, 'install Node 20 or newer, then `npm install`');

const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
if (!fs.existsSync(path.join(ROOT, 'node_modules'))) {
  stop('the dependencies are not installed (no node_modules)', `run \`npm install\`, then \`${again}\``);
}
const wanted = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
const missing = wanted.filter((name) => !fs.existsSync(path.join(ROOT, 'node_modules', name, 'package.json')));
if (missing.length) {
  stop(`node_modules lacks ${missing.join(', ')} (an interrupted install, or package.json changed since)`, `run \`npm install\`, then \`${again}\``);
}
if (!fs.existsSync(path.join(ROOT, 'node_modules', '.bin', 'deno'))) {
  stop('the Deno binary from the `deno` package is missing', `run \`npm install\` (install scripts must be allowed), then \`${again}\``);
}
if (failed !== undefined) process.exit(Number.parseInt(failed, 10) || 1);
