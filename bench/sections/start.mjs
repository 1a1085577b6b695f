// Figure 6: `npm start` (the local stack on embedded PGlite) to the first 200 from
// /functions/v1/health, cold (a data directory that does not exist yet: copied from
// the template `npm install` makes) and warm (the same directory again); and cold
// without a template (PGlite runs initdb, then the migrations and the seed, as when
// the install could not make one). The template is made first, in a cache folder of
// the run's own, by the command `npm install` runs, and that build is timed too.
// The baseline is the floor under it: Deno opening PGlite in the same kind of
// directory and answering health from a bare Deno.serve (bench/floor-server.mjs).

import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT } from '../lib/database.mjs';
import { DENO, startServer } from '../lib/stack.mjs';
import { progress, ratio } from '../lib/util.mjs';

const NPM_START = { label: 'npm start', command: 'npm', args: ['start', '--silent'] };
const DENO_SERVE = { label: 'deno run -A dev/serve.ts', command: DENO, args: ['run', '-A', 'dev/serve.ts'] };

async function timeStart(spec, dataDir, templateDir) {
  const server = await startServer({ ...spec, env: { SAMBATAN_DATA_DIR: dataDir, SAMBATAN_TEMPLATE_DIR: templateDir } });
  const ms = server.readyMs;
  await server.stop();
  return ms;
}

export async function startSection(ctx) {
  const { cfg, tmp } = ctx;
  let ours = NPM_START;
  let note = null;
  // `npm start` is what users type; should it not answer here, time what it runs instead.
  const templateDir = path.join(tmp, 'template-cache');
  const started = performance.now();
  const build = spawnSync(DENO, ['run', '-A', 'dev/template.ts'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SAMBATAN_TEMPLATE_DIR: templateDir } });
  const templateBuildMs = performance.now() - started;
  if (build.status !== 0 || !fs.readdirSync(templateDir).some((e) => e.startsWith('pglite-') && !e.includes('.tmp-'))) {
    throw new Error(`dev/template.ts made no template:\n${build.stdout}${build.stderr}`);
  }
  progress(`  template made in ${templateBuildMs.toFixed(0)} ms`);
  const timeOurs = async (dir, templates = templateDir) => {
    try {
      return await timeStart(ours, dir, templates);
    } catch (err) {
      if (ours !== NPM_START) throw err;
      note = `\`npm start\` did not answer (${err.message.split('\n')[0]}); timed \`${DENO_SERVE.label}\` instead`;
      progress(`  ${note}`);
      ours = DENO_SERVE;
      fs.rmSync(path.dirname(dir), { recursive: true, force: true });
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      return timeStart(ours, dir, templates);
    }
  };
  const floor = { command: DENO, args: ['run', '-A', 'bench/floor-server.mjs'] };
  const out = { templateBuildMs, cold: [], warm: [], coldNoTemplate: [], floorCold: [], floorWarm: [] };
  for (let i = 0; i < cfg.startRepeats; i++) {
    const dir = path.join(tmp, `pglite-${i}`, 'data');
    const bareDir = path.join(tmp, `bare-${i}`, 'data');
    const floorDir = path.join(tmp, `floor-${i}`, 'data');
    for (const d of [dir, bareDir, floorDir]) fs.mkdirSync(path.dirname(d), { recursive: true });
    // Interleaved, so a burst of other load on the machine lands on every side.
    out.floorCold.push(await timeStart(floor, floorDir));
    out.cold.push(await timeOurs(dir));
    out.coldNoTemplate.push(await timeOurs(bareDir, 'off'));
    out.warm.push(await timeOurs(dir));
    out.floorWarm.push(await timeStart(floor, floorDir));
    progress(`  start #${i + 1}: cold ${out.cold.at(-1).toFixed(0)} ms (floor ${out.floorCold.at(-1).toFixed(0)}, no template ${out.coldNoTemplate.at(-1).toFixed(0)}), warm ${out.warm.at(-1).toFixed(0)} ms (floor ${out.floorWarm.at(-1).toFixed(0)})`);
  }
  out.command = ours.label;
  out.note = note;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  out.coldMs = median(out.cold);
  out.warmMs = median(out.warm);
  out.coldNoTemplateMs = median(out.coldNoTemplate);
  out.floorColdMs = median(out.floorCold);
  out.floorWarmMs = median(out.floorWarm);
  out.coldVsFloor = ratio(out.coldMs, out.floorColdMs);
  out.warmVsFloor = ratio(out.warmMs, out.floorWarmMs);
  out.coldNoTemplateVsFloor = ratio(out.coldNoTemplateMs, out.floorColdMs);
  return out;
}
