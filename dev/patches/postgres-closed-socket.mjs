// Applied after `npm install` (package.json postinstall). postgres.js 3.4.9 can write
// to a socket it has already dropped when the server goes away under load
// (upstream issues #1066, #1154, #1208; fixes still open), which throws an uncaught
// TypeError and takes the whole local stack down on a database restart. The patch
// makes such a write fail the pending query with CONNECTION_CLOSED instead, so the
// function answers 503 and the pool reconnects. Idempotent; fails loudly if the
// driver's code no longer looks as expected (the version is pinned for that reason).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MARK = '/* sambatan: closed-socket write */';

const edits = [
  {
    from: '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)',
    to: `  function nextWrite(fn) {\n    ${MARK}\n    if (!socket) {\n      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n      chunk = nextWriteTimer = null\n      error(Errors.connection('CONNECTION_CLOSED', options))\n      return false\n    }\n    const x = socket.write(chunk, fn)`,
  },
  {
    from: '    clearImmediate(nextWriteTimer)\n    if (socket) {',
    to: '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    if (socket) {',
  },
  {
    from: '    clearImmediate(nextWriteTimer)\n    socket.removeListener(\'data\', data)',
    to: '    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n    socket.removeListener(\'data\', data)',
  },
];

let patched = 0;
for (const variant of ['src', 'cjs/src', 'cf/src']) {
  const file = path.join(ROOT, 'node_modules', 'postgres', variant, 'connection.js');
  if (!fs.existsSync(file)) continue;
  let text = fs.readFileSync(file, 'utf8');
  if (text.includes(MARK)) continue;
  for (const { from, to } of edits) {
    if (!text.includes(from)) {
      console.error(`postgres.js patch: ${path.relative(ROOT, file)} does not contain the expected code.\n` +
        'The driver version changed: check whether upstream fixed the closed-socket write, then update or drop dev/patches/.');
      process.exit(1);
    }
    text = text.replace(from, to);
  }
  fs.writeFileSync(file, text);
  patched++;
}
if (patched) console.log(`postgres.js: patched the closed-socket write in ${patched} build(s)`);
