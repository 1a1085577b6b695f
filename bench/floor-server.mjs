// The floor under `npm start`, for the embedded-start benchmark: Deno opens PGlite in
// SAMBATAN_DATA_DIR (initdb when the directory is new) and answers
// /functions/v1/health with 200 from a bare Deno.serve. Nothing of Sambatan's runs:
// the gap between this and the real start is what the stack itself adds.
//
//   deno run -A bench/floor-server.mjs   (PORT, HOST, SAMBATAN_DATA_DIR)

import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

const dir = Deno.env.get('SAMBATAN_DATA_DIR') ?? 'memory://';
if (!dir.startsWith('memory://')) await mkdir(dirname(dir), { recursive: true });
const pg = await PGlite.create(dir);
await pg.query('select 1');

const server = Deno.serve(
  { port: Number(Deno.env.get('PORT') ?? 54321), hostname: Deno.env.get('HOST') ?? '127.0.0.1', onListen: () => {} },
  () => Response.json({ status: 'ok' }),
);

const stop = async () => {
  await server.shutdown();
  await pg.close();
  Deno.exit(0);
};
Deno.addSignalListener('SIGTERM', stop);
Deno.addSignalListener('SIGINT', stop);
