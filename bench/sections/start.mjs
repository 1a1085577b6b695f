// Figure 6: `npm start` (the local stack on embedded PGlite) to the first 200 from
// /functions/v1/health, cold (a data directory that does not exist yet: PGlite runs
// initdb, then the migrations and the seed) and warm (the same directory again).
// The baseline is the floor under it: Deno opening PGlite in the same kind of
// directory and answering health from a bare Deno.serve (bench/floor-server.mjs).

import fs from 'node:fs';
import path from 'node:path';
import { DENO, startServer } from '../lib/stack.mjs';
import { progress, ratio } from '../lib/util.mjs';

const NPM_START = { label: 'npm start', command: 'npm', args: ['start', '--silent'] };
const DENO_SERVE = { label: 'deno run -A dev/serve.ts', command: DENO, args: ['run', '-A', 'dev/serve.ts'] };

async function timeStart(spec, dataDir) {
  const server = await startServer({ ...spec, env: { SAMBATAN_DATA_DIR: dataDir } });
  const ms = server.readyMs;
  await server.stop();
  return ms;
}

export async function startSection(ctx) {
  const { cfg, tmp } = ctx;
  let ours = NPM_START;
  let note = null;
  // `npm start` is what users type; should it not answer here, time what it runs instead.
  const timeOurs = async (dir) => {
    try {
      return await timeStart(ours, dir);
    } catch (err) {
      if (ours !== NPM_START) throw err;
      note = `\`npm start\` did not answer (${err.message.split('\n')[0]}); timed \`${DENO_SERVE.label}\` instead`;
      progress(`  ${note}`);
      ours = DENO_SERVE;
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      return timeStart(ours, dir);
    }
  };
  const floor = { command: DENO, args: ['run', '-A', 'bench/floor-server.mjs'] };
  const out = { cold: [], warm: [], floorCold: [], floorWarm: [] };
  for (let i = 0; i < cfg.startRepeats; i++) {
    const dir = path.join(tmp, `pglite-${i}`, 'data');
    const floorDir = path.join(tmp, `floor-${i}`, 'data');
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.mkdirSync(path.dirname(floorDir), { recursive: true });
    // Interleaved, so a burst of other load on the machine lands on both sides.
    out.floorCold.push(await timeStart(floor, floorDir));
    out.cold.push(await timeOurs(dir));
    out.warm.push(await timeOurs(dir));
    out.floorWarm.push(await timeStart(floor, floorDir));
    progress(`  start #${i + 1}: cold ${out.cold.at(-1).toFixed(0)} ms (floor ${out.floorCold.at(-1).toFixed(0)}), warm ${out.warm.at(-1).toFixed(0)} ms (floor ${out.floorWarm.at(-1).toFixed(0)})`);
  }
  out.command = ours.label;
  out.note = note;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  out.coldMs = median(out.cold);
  out.warmMs = median(out.warm);
  out.floorColdMs = median(out.floorCold);
  out.floorWarmMs = median(out.floorWarm);
  out.coldVsFloor = ratio(out.coldMs, out.floorColdMs);
  out.warmVsFloor = ratio(out.warmMs, out.floorWarmMs);
  return out;
}
