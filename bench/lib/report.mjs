// The figures of one run as Markdown blocks, and bench/RESULTS.md with them in place.
// The generator writes tables and measured figures only; what they mean is written
// by hand around them in RESULTS.md, between the blocks. Each block sits between
// `<!-- bench:begin NAME -->` and `<!-- bench:end NAME -->`; a run replaces what is
// between its blocks' markers and leaves every other line of the file as it was.
// Charts (bench/lib/charts.mjs) are linked from their blocks only when the caller
// says it wrote them, into the charts folder beside the report.

import { CHART_DIR } from './charts.mjs';
import { fmtMs, fmtNum, fmtRatio, ratio } from './util.mjs';

const pct = (x) => (x == null ? 'n/a' : `${(x * 100).toFixed(0)}%`);
const fmtUs = (x) => (x == null ? 'n/a' : `${fmtNum(x)} µs`);

/** Whether a run measured CPU per transaction (a server on this machine, Linux). */
const hasCpu = (j) => j?.byClients?.every((c) => c.join?.serverUsPerTx != null && c.legacy?.serverUsPerTx != null);

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map((h) => (/^[A-Za-z]/.test(h) && !/ratio|×/.test(h) ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const clientsLabel = (n) => `${n} client${n === 1 ? '' : 's'}`;

/** The Markdown image of the chart written for `block` (a paragraph of its own), or nothing. */
function figure(charts, block) {
  const ch = charts.find((x) => x.block === block);
  return ch ? `\n\n![${ch.alt}](${CHART_DIR}/${ch.file})` : '';
}

function runBlock(r) {
  const m = r.machine;
  const pg = r.postgres;
  return `Written by \`${r.command}\` on ${r.date.slice(0, 10)} (${r.date}), in ${Math.round(r.elapsedSeconds)} s.

- ${m.cores} cores, ${m.cpuModel}, ${m.memoryGiB.toFixed(1)} GiB memory, ${m.os}
- Load average (1, 5, 15 min) from other work on the machine: ${m.loadAverageAtStart.map((x) => x.toFixed(1)).join(', ')} at the start, ${m.loadAverageAtEnd.map((x) => x.toFixed(1)).join(', ')} at the end
- ${pg ? pg.version : 'PostgreSQL: not used'}
- Node ${m.node}${r.tools?.deno ? `, ${r.tools.deno}` : ''}${r.tools?.pgbench ? `, ${r.tools.pgbench}` : ''}
${pg ? `- Cluster: ${pg.ownCluster ? 'a throwaway cluster started by the benchmark (dev/pg-cluster.mjs)' : 'a database on the cluster given with --url'}; ${Object.entries(pg.settings).map(([k, v]) => `${k} ${v}`).join(', ')}.` : ''}`;
}

/** A pooled ratio with the range of its single rounds, when there is more than one. */
function ratioWithRange(c, key) {
  const range = c.roundRange?.[key];
  const pooled = fmtRatio(c[key]);
  return range && range[0] !== range[1] ? `${pooled} (rounds ${fmtRatio(range[0])}–${fmtRatio(range[1])})` : pooled;
}

function headlineBlock(r) {
  const lines = [];
  if (r.join) {
    lines.push(`- Join figures on a ${r.join.durable ? 'durable cluster (fsync and synchronous_commit on, as Supabase runs)' : 'non-durable cluster (fsync off)'}${r.joinCpu ? `; on the CPU alone (fsync off) the join reaches ${r.joinCpu.byClients.map((c) => `${fmtRatio(c.joinVsWrapped)} at ${c.clients}`).join(', ')} clients of the PostgREST-shaped update` : ''}.`);
    lines.push(`- **Hot-campaign join vs the physical limit** (one-row update, autocommit): ${r.join.byClients.map((c) => `${fmtRatio(c.joinVsPhysical)} at ${c.clients}`).join(', ')} clients.`);
    lines.push(`- **Join vs the same one-row update inside PostgREST's transaction shape**: ${r.join.byClients.map((c) => `${ratioWithRange(c, 'joinVsWrapped')} at ${c.clients}`).join(', ')} clients.`);
    lines.push(`- **Join vs the legacy three-round-trip flow**: ${r.join.byClients.map((c) => `${ratioWithRange(c, 'joinVsLegacy')} at ${c.clients}`).join(', ')} clients.`);
    if (r.join.byClients.every((c) => c.joinBuckets)) {
      const b = r.join.byClients;
      lines.push(`- **Hot campaign with ${b[0].buckets} slot buckets vs one campaign row**: ${b.map((c) => `${ratioWithRange(c, 'bucketsVsJoin')} at ${c.clients}`).join(', ')} clients; vs the legacy flow ${b.map((c) => `${ratioWithRange(c, 'bucketsVsLegacy')} at ${c.clients}`).join(', ')}; vs the physical one-row limit ${b.map((c) => `${fmtRatio(c.bucketsVsPhysical)} at ${c.clients}`).join(', ')}.`);
    }
    if (hasCpu(r.join)) {
      const c = r.join.byClients.find((x) => x.clients === 8) ?? r.join.byClients.at(-1);
      lines.push(`- **CPU per join** (server / whole machine, ${clientsLabel(c.clients)}): join ${fmtUs(c.join.serverUsPerTx)} / ${fmtUs(c.join.machineUsPerTx)}, legacy flow ${fmtUs(c.legacy.serverUsPerTx)} / ${fmtUs(c.legacy.machineUsPerTx)}, PostgREST-shaped update ${fmtUs(c.wrapped.serverUsPerTx)} / ${fmtUs(c.wrapped.machineUsPerTx)}; the machine was ${pct(c.join.machineBusyShare)} busy during the join runs.`);
    }
    const ok = r.join.byClients.every((c) => c.check.ok && (!c.bucketCheck || c.bucketCheck.ok));
    lines.push(`- **Oversell**: ${ok ? 'none' : 'FOUND'} (filled_slots = Σ quantity of the participants ≤ total_slots on every benchmarked campaign).`);
  }
  if (r.http) {
    lines.push(`- **HTTP vs direct RPC** (${r.http.connections} connections): campaign-join ${fmtRatio(r.http.joinVsDirect)}, campaigns-list ${fmtRatio(r.http.listVsDirect)}.`);
  }
  if (r.lifecycle) {
    const big = r.lifecycle.scales.at(-1);
    lines.push(`- **Lifecycle sweep** (batch ${r.lifecycle.batch}): per campaign at ${fmtNum(big.due)} due among ${fmtNum(big.crowded.tableSize)} campaigns vs ${fmtNum(r.lifecycle.scales[0].due)} due alone: backend CPU ${fmtRatio(big.crowded.cpuVsSmallest)}, wall time ${fmtRatio(big.crowded.vsSmallest)} (${fmtMs(big.crowded.msPerCampaign)} per campaign).`);
  }
  if (r.list) {
    const big = r.list.sizes.at(-1);
    lines.push(`- **List keyset**: deep page vs first page at ${fmtNum(big.campaigns)} campaigns p99 ${fmtRatio(big.deepVsFirstP99)} (p50 ${fmtRatio(big.deepVsFirstP50)}); deep page at ${fmtNum(big.campaigns)} vs ${fmtNum(r.list.sizes[0].campaigns)} campaigns p99 ${fmtRatio(big.deepVsSmallestP99)} (p50 ${fmtRatio(big.deepVsSmallestP50)}).`);
  }
  if (r.notify) {
    lines.push(`- **Joins beside a dead webhook receiver with ${fmtNum(r.notify.pending)} deliveries due** vs the same subscription with none (${r.notify.clients} clients): ${fmtRatio(r.notify.deadVsSubscribed)}; vs no endpoint: ${fmtRatio(r.notify.deadVsUnsubscribed)}; the outbox trigger with no endpoint vs none: ${fmtRatio(r.notify.unsubscribedVsOff)}.`);
  }
  if (r.start) {
    const bare = r.start.coldNoTemplateMs ? `; without a template ${fmtMs(r.start.coldNoTemplateMs)} (${fmtRatio(r.start.coldNoTemplateVsFloor)})` : '';
    lines.push(`- **Embedded start to first 200**: cold ${fmtMs(r.start.coldMs)} (${fmtRatio(r.start.coldVsFloor)} the floor), warm ${fmtMs(r.start.warmMs)} (${fmtRatio(r.start.warmVsFloor)})${bare}.`);
  }
  return lines.join('\n');
}

/** One oversell check of a join table: what was acknowledged against what is held. */
function oversellLine(clients, check, filled) {
  return `${clientsLabel(clients)}: ${fmtNum(check.acknowledged)} joins acknowledged, ${fmtNum(check.participants)} participant rows, ${filled} ${fmtNum(check.filled_slots)} = held ${fmtNum(check.held)} ≤ ${fmtNum(check.total_slots)}: **${check.ok ? 'no oversell' : 'OVERSOLD'}**`;
}

function joinBlock(r, j, chart) {
  const rows = j.byClients.map((c) => [
    String(c.clients),
    fmtNum(c.physical.tps), fmtNum(c.wrapped.tps), fmtNum(c.join.tps),
    `**${fmtRatio(c.joinVsPhysical)}**`, fmtRatio(c.joinVsWrapped),
    `${fmtMs(c.physical.p50)} / ${fmtMs(c.physical.p99)}`,
    `${fmtMs(c.join.p50)} / ${fmtMs(c.join.p99)}`,
  ]);
  const checks = j.byClients.map((c) => oversellLine(c.clients, c.check, 'filled_slots'));
  return `Each figure pools ${j.rounds} rounds of ${j.seconds} s, interleaved with the baselines in alternating order.

${table(['clients', 'physical tx/s', 'physical in PostgREST shape tx/s', 'join_campaign calls/s', 'join / physical', 'join / PostgREST-shaped update', 'physical p50 / p99', 'join p50 / p99'], rows)}${chart}

Oversell check after the runs (filled_slots against the participant rows that hold them):

${checks.map((l) => `- ${l}`).join('\n')}`;
}

function bucketsBlock(r, j) {
  const rows = j.byClients.map((c) => [
    String(c.clients), fmtNum(c.join.tps), fmtNum(c.joinBuckets.tps),
    `**${fmtRatio(c.bucketsVsJoin)}**`, fmtRatio(c.bucketsVsLegacy), fmtRatio(c.bucketsVsWrapped), fmtRatio(c.bucketsVsPhysical),
    `${fmtMs(c.join.p50)} / ${fmtMs(c.join.p99)}`, `${fmtMs(c.joinBuckets.p50)} / ${fmtMs(c.joinBuckets.p99)}`,
  ]);
  const checks = j.byClients.map((c) => oversellLine(c.clients, c.bucketCheck, "filled_slots with the buckets' claims"));
  return `The same hot campaign created with \`slot_buckets = ${j.byClients[0].buckets}\`, measured in the same rounds as section 1 (same script, same buyers' shape).

${table(['clients', 'one row joins/s', `${j.byClients[0].buckets} buckets joins/s`, 'buckets / one row', 'buckets / legacy', 'buckets / PostgREST-shaped update', 'buckets / physical', 'one row p50 / p99', 'buckets p50 / p99'], rows)}

${checks.map((l) => `- ${l}`).join('\n')}`;
}

function legacyBlock(r) {
  const j = r.join;
  return `${table(['clients', 'legacy flow joins/s', 'legacy p50 / p99', 'join_campaign calls/s', 'ours / legacy'], j.byClients.map((c) => [
    String(c.clients), fmtNum(c.legacy.tps), `${fmtMs(c.legacy.p50)} / ${fmtMs(c.legacy.p99)}`, fmtNum(c.join.tps), `**${fmtRatio(c.joinVsLegacy)}**`,
  ]))}

${j.byClients.map((c) => `- ${clientsLabel(c.clients)}: the legacy flow reserved ${fmtNum(c.legacyCheck.filled_slots)} slots for ${fmtNum(c.legacyCheck.participants)} participant rows.`).join('\n')}`;
}

const CPU_KINDS = [
  ['physical', 'physical (autocommit)'],
  ['wrapped', 'physical in PostgREST shape'],
  ['join', 'join, one row'],
  ['joinBuckets', 'join, slot buckets'],
  ['legacy', 'legacy flow'],
];

function cpuBlock(r) {
  const j = r.join;
  const rows = j.byClients.map((c) => [
    String(c.clients),
    ...CPU_KINDS.map(([k]) => (c[k] ? `${fmtUs(c[k].serverUsPerTx)} / ${fmtUs(c[k].machineUsPerTx)}` : 'n/a')),
    CPU_KINDS.map(([k]) => pct(c[k]?.machineBusyShare)).join(' / '),
  ]);
  const lines = j.byClients.map((c) => {
    const cpuRatio = ratio(c.legacy.machineUsPerTx, c.join.machineUsPerTx);
    const bucketsCpu = c.joinBuckets ? `; with slot buckets ${fmtRatio(c.bucketsVsLegacy)} measured, ${fmtRatio(ratio(c.legacy.machineUsPerTx, c.joinBuckets.machineUsPerTx))} from CPU` : '';
    return `${clientsLabel(c.clients)}: join / legacy flow ${fmtRatio(c.joinVsLegacy)} measured, ${fmtRatio(cpuRatio)} from CPU alone (the legacy flow's machine µs per join over ours: the ratio when the cores are all that bounds both)${bucketsCpu}; join / PostgREST-shaped update ${fmtRatio(c.joinVsWrapped)} measured, ${fmtRatio(ratio(c.wrapped.machineUsPerTx, c.join.machineUsPerTx))} from CPU.`;
  });
  return `CPU time per transaction (per join for the legacy flow's three transactions), pooled over the rounds of section 1: the PostgreSQL server's processes (backends, WAL writer, checkpointer, autovacuum) / the whole machine (server, pgbench, kernel), from /proc, connection set-up included; and how busy the machine's ${r.machine.cores} cores were during each kind of run.

${table(['clients', ...CPU_KINDS.map(([, label]) => `${label}: server / machine`), 'machine busy (same order)'], rows)}

${lines.map((l) => `- ${l}`).join('\n')}`;
}

function profileBlock(r) {
  const p = r.profile;
  const at8 = p.at8;
  const waits = p.waits ?? [];
  const share = (re) => waits.filter((w) => re.test(w.state)).reduce((s, w) => s + w.share, 0);
  const parts = [];
  parts.push(`Run because join / physical at ${at8.clients} clients is ${fmtRatio(at8.joinVsPhysical)} (< 0.8); ${p.clients} clients, ${p.seconds} s per run.

${table(['what', 'calls/s', 'ratio to the physical limit'], [
    ['physical limit: one-row update, autocommit', fmtNum(at8.physical.tps), '1.00×'],
    ['the same update inside PostgREST\'s transaction shape', fmtNum(at8.wrapped.tps), fmtRatio(at8.wrapped.tps / at8.physical.tps)],
    ['join_campaign, one hot campaign', fmtNum(at8.join.tps), fmtRatio(at8.joinVsPhysical)],
    [`join_campaign spread over ${p.clients} campaigns (no hot row)`, fmtNum(p.spread.tps), fmtRatio(p.spread.tps / at8.physical.tps)],
  ])}

- Spread over ${p.clients} campaigns vs one hot campaign: ${fmtRatio(p.spread.tps / at8.join.tps)}.
- Hot campaign vs the CPU-bound (spread) rate: ${fmtRatio(at8.join.tps / p.spread.tps)}.${p.claimTriggers ? `
- Row triggers on every UPDATE of a campaign (no WHEN clause): ${p.claimTriggers.length ? p.claimTriggers.map((t) => `\`${t}\``).join(', ') : 'none'}.` : ''}`);
  if (waits.length) {
    parts.push(`Backend states (pg_stat_activity sampled every 10 ms, ${fmtNum(p.contended?.tps)} calls/s during the sampled run):

${table(['backend state', 'share of samples'], waits.map((w) => [w.state, pct(w.share)]))}

- Queued behind the campaign row lock: ${pct(share(/waiting for a lock/))} of backend samples; on the lock manager's partition lock: ${pct(share(/LockManager/))}.${p.heldIdleShare == null ? '' : `
- Sampling ticks at which the row was held by a backend idle in transaction after its join returned: ${pct(p.heldIdleShare)}.`}`);
  }
  if (p.statements?.length) {
    parts.push(`Statements (pg_stat_statements, \`track = all\`; µs per call alone = 1 client, contended = ${p.clients} clients on one campaign):

${table(['statement', 'calls per join', 'µs alone', 'µs contended'], p.statements.map((s) => [
    `\`${s.query.replaceAll('|', '\\|')}\`${s.toplevel ? ' (top level)' : ''}`,
    s.callsPerJoin == null ? 'n/a' : s.callsPerJoin.toFixed(2),
    s.usAlone == null ? '–' : s.usAlone.toFixed(1),
    s.usContended == null ? '–' : s.usContended.toFixed(1),
  ]))}`);
  }
  if (p.explain) {
    parts.push(`Plans of the writes inside join_campaign (EXPLAIN ANALYZE, BUFFERS; once, rolled back):

${Object.entries(p.explain).map(([name, plan]) => `${name}:\n\n\`\`\`\n${plan}\n\`\`\``).join('\n\n')}`);
  }
  return parts.join('\n\n');
}

function httpBlock(r) {
  const h = r.http;
  const statuses = (s) => Object.entries(s.statuses).map(([k, v]) => `${k}: ${fmtNum(v)}`).join(', ');
  return `autocannon with ${h.connections} connections against pgbench at ${h.connections} clients, on the machine's ${r.machine.cores} cores.

${table(['endpoint', 'requests', 'req/s', 'p50', 'p99', 'errors', 'direct RPC calls/s', 'HTTP / direct'], [
    ['POST campaign-join', fmtNum(h.join.requests), fmtNum(h.join.rps), fmtMs(h.join.p50), fmtMs(h.join.p99), fmtNum(h.join.errors), fmtNum(h.directJoin.tps), `**${fmtRatio(h.joinVsDirect)}**`],
    ['GET campaigns-list', fmtNum(h.list.requests), fmtNum(h.list.rps), fmtMs(h.list.p50), fmtMs(h.list.p99), fmtNum(h.list.errors), fmtNum(h.directList.tps), `**${fmtRatio(h.listVsDirect)}**`],
  ])}
${h.webhook ? `
Payment notifications (signed Midtrans settlements, each for a different reservation), beside
health at the same concurrency:

${table(['endpoint', 'requests', 'req/s', 'p50', 'p99', 'errors', 'p99 / health p99'], [
    ['POST payment-webhook', fmtNum(h.webhook.requests), fmtNum(h.webhook.rps), fmtMs(h.webhook.p50), `**${fmtMs(h.webhook.p99)}**`, fmtNum(h.webhook.errors), fmtRatio(h.webhookVsHealthP99)],
    ['GET health', fmtNum(h.health.requests), fmtNum(h.health.rps), fmtMs(h.health.p50), fmtMs(h.health.p99), fmtNum(h.health.errors), '1.00×'],
  ])}

- Webhooks: ${fmtNum(h.webhookPaid.paid)} of ${fmtNum(h.webhookPaid.total)} reservations paid for ${fmtNum(h.webhookPaid.acknowledged)} 2xx answers: **${h.webhookPaid.paid === h.webhookPaid.acknowledged ? 'every acknowledged notification applied once' : 'MISMATCH'}**; p99 target 50 ms: **${h.webhook.p99 <= 50 ? 'met' : 'missed'}**.
` : ''}
- Status codes: campaign-join ${statuses(h.join)}; campaigns-list ${statuses(h.list)}.
- Direct p50 / p99: join ${fmtMs(h.directJoin.p50)} / ${fmtMs(h.directJoin.p99)}, list ${fmtMs(h.directList.p50)} / ${fmtMs(h.directList.p99)}.
- HTTP joins: filled_slots ${fmtNum(h.joinCheck.filled_slots)} = held ${fmtNum(h.joinCheck.held)} for ${fmtNum(h.joinCheck.acknowledged)} 2xx answers: **${h.joinCheck.ok && h.joinCheck.participants === h.joinCheck.acknowledged ? 'no oversell, every acknowledged join stored' : 'MISMATCH'}**.
${h.stackErrors?.length ? `- Error lines in the stack's log (last ${h.stackErrors.length}):\n\n\`\`\`\n${h.stackErrors.join('\n')}\n\`\`\`` : ''}`;
}

function lifecycleBlock(r, charts) {
  const l = r.lifecycle;
  const rows = [];
  const us = (ms) => (ms == null ? 'n/a' : `${(ms * 1000).toFixed(0)} µs`);
  for (const s of l.scales) {
    for (const [label, m] of [['due only', s.alone], ['+ 10× open, + as many due', s.crowded]]) {
      rows.push([
        fmtNum(s.due), label, fmtNum(m === s.alone ? m.check.campaigns : m.tableSize), fmtNum(m.batches),
        `${(m.totalMs / 1000).toFixed(2)} s`, us(m.msPerCampaign), fmtRatio(m.vsSmallest),
        us(m.cpuMsPerCampaign), `**${fmtRatio(m.cpuVsSmallest)}**`,
        m.blocksPerCampaign == null ? 'n/a' : `${fmtNum(m.blocksPerCampaign)} / ${fmtNum(m.readsPerCampaign, 1)}`,
        fmtRatio(m.drift), `${fmtMs(m.batchP50)} / ${fmtMs(m.batchP99)}`, m.check.ok ? 'ok' : 'FAILED',
      ]);
    }
  }
  const small = l.scales[0].alone;
  const big = l.scales.at(-1).crowded;
  const perPage = (m) => (m.cpuMsPerCampaign == null || m.blocksPerCampaign == null ? null : (m.cpuMsPerCampaign * 1000) / m.blocksPerCampaign);
  const perRun = (l.budgetSeconds * 1000) / big.msPerCampaign;
  return `\`public.run_sambatan_lifecycle(${l.batch})\`, one transaction per batch; "vs smallest" is against ${fmtNum(l.scales[0].due)} due campaigns alone.

${table(['due', 'table', 'campaigns in table', 'batches', 'sweep time', 'wall per campaign', 'wall vs smallest', 'backend CPU per campaign', 'CPU vs smallest', 'buffers touched / read per campaign', 'last/first quarter of batches', 'batch p50 / p99', 'check'], rows)}

- One run of \`time_budget_seconds\` = ${l.budgetSeconds} s at ${us(big.msPerCampaign)} per campaign: about ${fmtNum(Math.floor(perRun / 1000) * 1000)} due campaigns.${small.blocksPerCampaign == null || big.blocksPerCampaign == null ? '' : `
- Pages touched per campaign, largest vs smallest scale: ${fmtRatio(big.blocksPerCampaign / small.blocksPerCampaign)}; table size ${fmtNum(big.tableSize / small.check.campaigns)}×.
- Backend CPU per page touched: ${fmtNum(perPage(small), 2)} µs at the smallest scale, ${fmtNum(perPage(big), 2)} µs at the largest.`}${figure(charts, 'lifecycle')}`;
}

function listBlock(r) {
  const l = r.list;
  const rows = [];
  for (const s of l.sizes) {
    rows.push([fmtNum(s.campaigns), 'first page', `${fmtMs(s.first.p50)} / ${fmtMs(s.first.p99)}`, `${fmtMs(s.plainFirst.p50)} / ${fmtMs(s.plainFirst.p99)}`, fmtRatio(s.rpcVsPlainFirstP50), '1.00×', fmtRatio(s.firstVsSmallestP99)]);
    rows.push([fmtNum(s.campaigns), `after row ${fmtNum(s.deepPosition)} (page ${fmtNum(s.deepPage)})`, `${fmtMs(s.deep.p50)} / ${fmtMs(s.deep.p99)}`, `${fmtMs(s.plainDeep.p50)} / ${fmtMs(s.plainDeep.p99)}`, fmtRatio(s.rpcVsPlainDeepP50), `**${fmtRatio(s.deepVsFirstP99)}**`, `**${fmtRatio(s.deepVsSmallestP99)}**`]);
  }
  const big = l.sizes.at(-1);
  return `One client, two interleaved rounds of ${Math.max(1, Math.round(r.config.listSeconds / 2))} s per figure.

${table(['campaigns', 'page', 'RPC p50 / p99', 'floor p50 / p99', 'RPC / floor (p50)', 'p99 vs first page', 'p99 vs smallest table'], rows)}

- At ${fmtNum(big.campaigns)} campaigns the deep page's p50 is ${fmtRatio(big.deepVsFirstP50)} the first page's and ${fmtRatio(big.deepVsSmallestP50)} the deep page's at ${fmtNum(l.sizes[0].campaigns)}.${big.inlineVsRpcDeepP50 ? `
- The deep page with the same JSON built inline in the query: ${fmtRatio(big.inlineVsRpcDeepP50)} the RPC's p50 (${fmtMs(big.inlineDeep.p50)} against ${fmtMs(big.deep.p50)}).` : ''}`;
}

function startBlock(r) {
  const s = r.start;
  const runs = (xs) => xs.map((x) => x.toFixed(0)).join(', ') + ' ms';
  const made = s.templateBuildMs ? ` The template was made first in ${fmtMs(s.templateBuildMs)} (\`deno run -A dev/template.ts\`, what \`npm install\` runs).` : '';
  return `\`${s.command}\`, median of ${s.cold.length} runs each, interleaved.${made}${s.note ? ` Note: ${s.note}.` : ''}

${table(['start', 'ours', 'floor', 'ours / floor', 'all runs (ours)'], [
    ['cold (new folder, from the template)', fmtMs(s.coldMs), fmtMs(s.floorColdMs), `**${fmtRatio(s.coldVsFloor)}**`, runs(s.cold)],
    ['warm', fmtMs(s.warmMs), fmtMs(s.floorWarmMs), `**${fmtRatio(s.warmVsFloor)}**`, runs(s.warm)],
    ...(s.coldNoTemplate ? [['cold without a template (initdb, migrations, seed)', fmtMs(s.coldNoTemplateMs), fmtMs(s.floorColdMs), fmtRatio(s.coldNoTemplateVsFloor), runs(s.coldNoTemplate)]] : []),
  ])}`;
}

function notifyBlock(r) {
  const n = r.notify;
  const row = (label, m, vs) => [label, fmtNum(m.tps), `${fmtMs(m.p50)} / ${fmtMs(m.p99)}`, vs];
  return `Hot-campaign joins at ${n.clients} clients, ${n.rounds} rounds of ${n.seconds} s per state, interleaved in alternating order${r.smoke ? ' (smoke sizes, written by `' + r.command + '` on ' + r.date.slice(0, 10) + ')' : ''}. During the dead-receiver runs a deliverer claimed, POSTed to a closed port and recorded ${fmtNum(n.deliveryAttempts)} attempts against ${fmtNum(n.pending)} deliveries due at the start; ${fmtNum(n.pendingAtEnd)} deliveries were still pending at the end, none lost.

${table(['state', 'joins/s', 'p50 / p99', 'ratio'], [
    row('outbox trigger disabled (floor)', n.off, '1.00×'),
    row('trigger, no endpoint', n.unsubscribed, `**${fmtRatio(n.unsubscribedVsOff)}** of the floor`),
    row('endpoint subscribed (each join writes its outbox rows)', n.subscribed, `**${fmtRatio(n.subscribedVsUnsubscribed)}** of no endpoint`),
    row(`the same, receiver dead, ${fmtNum(n.pending)} due, deliverer running`, n.dead, `**${fmtRatio(n.deadVsSubscribed)}** of subscribed`),
  ])}

Oversell check: ${n.checks.every((c) => c.ok) ? 'none on any of the four campaigns' : 'FOUND'}.`;
}

/** Block name → [title for a file without hand-written text, what the run must hold, renderer]. */
const BLOCKS = [
  ['run', 'Run', () => true, runBlock],
  ['headline', 'Headline', () => true, headlineBlock],
  ['join', '1. Hot-campaign join throughput', (r) => r.join, (r, charts) => joinBlock(r, r.join, figure(charts, 'join'))],
  ['join-cpu', '1b. The same on the CPU alone (fsync and synchronous_commit off)', (r) => r.joinCpu, (r, charts) => joinBlock(r, r.joinCpu, figure(charts, 'join-cpu'))],
  ['buckets', '1c. Hot campaigns past one row: slot buckets', (r) => r.join?.byClients?.every((c) => c.joinBuckets), (r) => bucketsBlock(r, r.join)],
  ['legacy', '2. Against the legacy design', (r) => r.join, legacyBlock],
  ['cpu', '2b. CPU per join', (r) => hasCpu(r.join), cpuBlock],
  ['profile', 'Profile: what bounds a hot campaign', (r) => r.profile, profileBlock],
  ['http', '3. HTTP path', (r) => r.http, httpBlock],
  ['lifecycle', '4. Lifecycle sweep scale', (r) => r.lifecycle, lifecycleBlock],
  ['list', '5. List pagination', (r) => r.list, listBlock],
  ['start', '6. Embedded start', (r) => r.start, startBlock],
  ['notify', '7. Notifications: joins beside a dead webhook receiver', (r) => r.notify, notifyBlock],
];

const begin = (name) => `<!-- bench:begin ${name} -->`;
const end = (name) => `<!-- bench:end ${name} -->`;

/** @typedef {{ block: string, file: string, alt: string }} ChartLink */

/**
 * Each block's Markdown for run `r`; a section the run did not measure says so.
 * `charts`: the charts written beside the report, linked from their blocks.
 * @param {any} r
 * @param {ChartLink[]} [charts]
 */
export function generatedBlocks(r, charts = []) {
  return BLOCKS.map(([name, title, has, render]) => ({ name, title, text: has(r) ? render(r, charts) : '_Not measured in this run._' }));
}

/**
 * `existing` (the hand-maintained RESULTS.md) with every block's content replaced by
 * this run's; blocks the file lacks are appended. Without `existing`, a file of the
 * generated blocks only. `charts` as for generatedBlocks.
 * @param {any} r
 * @param {string | null} [existing]
 * @param {{ charts?: ChartLink[] }} [options]
 */
export function renderReport(r, existing = null, { charts = [] } = {}) {
  const blocks = generatedBlocks(r, charts);
  if (existing == null) {
    const body = blocks.map((b) => `## ${b.title}\n\n${begin(b.name)}\n${b.text}\n${end(b.name)}`).join('\n\n');
    return `# Benchmark results (generated figures only)\n\n${body}\n`;
  }
  let text = existing;
  for (const b of blocks) {
    const from = text.indexOf(begin(b.name));
    const to = text.indexOf(end(b.name));
    if (from === -1 || to < from) {
      text = `${text.trimEnd()}\n\n## ${b.title}\n\n${begin(b.name)}\n${b.text}\n${end(b.name)}\n`;
      continue;
    }
    text = `${text.slice(0, from + begin(b.name).length)}\n${b.text}\n${text.slice(to)}`;
  }
  return text;
}
