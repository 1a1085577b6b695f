// SVG charts of one run's figures, as plain strings: no packages, nothing to render
// them but the browser that shows RESULTS.md. Each chart carries a title and a desc
// that lists every value drawn, so a reader without the picture loses nothing. They
// are drawn on a white ground (GitHub shows an SVG image on the page's own background,
// dark in dark mode) with colours dark enough for text on white, and every series
// also differs by marker and line pattern, not by colour alone.

import fs from 'node:fs';
import path from 'node:path';
import { fmtNum } from './util.mjs';

const WIDTH = 640;
const FONT = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif";
const INK = '#1f2328';
const MUTED = '#59636e';
const GRID = '#d1d9e0';

/**
 * The series of the join figures, in legend order. A clients row draws a series when it
 * holds `{ tps }` under one of these keys; other keys (checks, ratios, series this map
 * does not know yet) are left out. Baselines are dashed, joins solid, the legacy flow dotted.
 */
export const JOIN_SERIES = [
  { key: 'physical', label: 'physical limit: one-row update, autocommit', color: '#0b5cad', marker: 'circle', dash: '6 4' },
  { key: 'wrapped', label: "the same update in PostgREST's transaction shape", color: '#6f42c1', marker: 'square', dash: '2 3' },
  { key: 'join', label: 'join_campaign, one hot campaign', color: '#b4410b', marker: 'diamond', dash: null, width: 3 },
  { key: 'joinBuckets', label: 'join_campaign, one bucketed campaign', color: '#00735a', marker: 'triangle', dash: null, width: 3 },
  { key: 'legacy', label: 'legacy three-round-trip flow', color: '#4d4d4d', marker: 'cross', dash: '1 3' },
];

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);
const num = (v) => typeof v === 'number' && Number.isFinite(v);
// Coordinates with one decimal: enough on a 640 px canvas, and stable between runs.
const c = (v) => (Math.round(v * 10) / 10).toString();

/** A round step for about `count` ticks up to `max`, and the axis top it gives. */
function niceAxis(max, count = 5) {
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  return { step, top: Math.ceil(max / step) * step };
}

/** Rough text width (these labels are short; a browser measures, a string cannot). */
const textWidth = (s, size) => String(s).length * size * 0.56;

function marker(shape, x, y, color) {
  const r = 4.5;
  if (shape === 'square') return `<rect x="${c(x - r)}" y="${c(y - r)}" width="${c(2 * r)}" height="${c(2 * r)}" fill="${color}"/>`;
  if (shape === 'diamond') return `<path d="M${c(x)} ${c(y - r - 1)}L${c(x + r + 1)} ${c(y)}L${c(x)} ${c(y + r + 1)}L${c(x - r - 1)} ${c(y)}Z" fill="${color}"/>`;
  if (shape === 'triangle') return `<path d="M${c(x)} ${c(y - r - 1)}L${c(x + r + 1)} ${c(y + r)}L${c(x - r - 1)} ${c(y + r)}Z" fill="${color}"/>`;
  if (shape === 'cross') return `<path d="M${c(x - r)} ${c(y - r)}L${c(x + r)} ${c(y + r)}M${c(x - r)} ${c(y + r)}L${c(x + r)} ${c(y - r)}" stroke="${color}" stroke-width="2.5"/>`;
  return `<circle cx="${c(x)}" cy="${c(y)}" r="${r}" fill="${color}"/>`;
}

/** Legend entries, one a row (the labels are too long to share a 640 px row). */
function legend(series, top, left) {
  const out = series.map((s, i) => {
    const y = top + i * 19;
    return `<g><line x1="${c(left)}" y1="${c(y)}" x2="${c(left + 28)}" y2="${c(y)}" stroke="${s.color}" stroke-width="${s.width ?? 2}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>${marker(s.marker, left + 14, y, s.color)}<text x="${c(left + 38)}" y="${c(y + 4.5)}">${esc(s.label)}</text></g>`;
  });
  return { svg: out.join('\n'), height: series.length * 19 };
}

/** Whether the segment from (ax, ay) to (bx, by) passes through box b (sampled every 2 px). */
function crosses(seg, b) {
  const [ax, ay, bx, by] = seg;
  const steps = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / 2));
  for (let i = 0; i <= steps; i++) {
    const x = ax + ((bx - ax) * i) / steps;
    const y = ay + ((by - ay) * i) / steps;
    if (x > b.x0 && x < b.x1 && y > b.y0 && y < b.y1) return true;
  }
  return false;
}

/**
 * Value labels beside their points. Each takes the nearest place around its point
 * (beside, then above or below, the right side first) that covers no marker, no line
 * and no label placed before it; where every place covers something, the one that
 * covers least. `obstacles`: { boxes, segments } already on the plot.
 */
function valueLabels(labels, plot, obstacles) {
  const boxes = [...obstacles.boxes, ...labels.map((l) => ({ x0: l.x - 5, x1: l.x + 5, y0: l.y - 5, y1: l.y + 5 }))];
  // Labels weigh more than lines: a line through a label is legible, a label on a label is not.
  const cost = (b) => 3 * boxes.filter((o) => b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1).length + obstacles.segments.filter((seg) => crosses(seg, b)).length;
  const out = [];
  for (const l of [...labels].sort((a, b) => a.y - b.y)) {
    const w = textWidth(l.text, 11);
    const candidates = [];
    for (const dy of [0, -13, 13, -26, 26, -39, 39]) {
      candidates.push({ anchor: 'start', x: l.x + 8, y: l.y + dy }, { anchor: 'end', x: l.x - 8, y: l.y + dy });
      if (dy) candidates.push({ anchor: 'middle', x: l.x, y: l.y + dy });
    }
    const boxOf = (p) => {
      const x0 = p.anchor === 'start' ? p.x : p.anchor === 'end' ? p.x - w : p.x - w / 2;
      return { x0: x0 - 1, x1: x0 + w + 1, y0: p.y - 5.5, y1: p.y + 5.5 };
    };
    const inside = (b) => b.x0 >= 2 && b.x1 <= WIDTH - 2 && b.y0 >= plot.top - 10 && b.y1 <= plot.bottom - 1;
    const fitting = candidates.filter((p) => inside(boxOf(p)));
    const place = fitting.find((p) => cost(boxOf(p)) === 0) ?? [...fitting].sort((a, b) => cost(boxOf(a)) - cost(boxOf(b)))[0] ?? candidates[0];
    boxes.push(boxOf(place));
    out.push(`<text x="${c(place.x)}" y="${c(place.y + 4)}" fill="${l.color}"${place.anchor === 'start' ? '' : ` text-anchor="${place.anchor}"`} stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">${esc(l.text)}</text>`);
  }
  return out.join('\n');
}

/**
 * A line chart. `x`: { kind: 'category', values } (evenly spaced, in that order) or
 * { kind: 'log' } (base 10, ticks at powers of ten). Each series: { label, color,
 * marker, dash, points: [{ x, y, text }] }; a point without a finite x or y is left out
 * and breaks its line. `reference`: an optional horizontal line { y, label }.
 */
export function lineChart({ id, title, subtitle, desc, x, xLabel, yLabel, yTick, series, reference }) {
  const drawn = series
    .map((s) => ({ ...s, points: s.points.filter((p) => num(p.x) && num(p.y) && (x.kind !== 'log' || p.x > 0)) }))
    .filter((s) => s.points.length > 0);
  if (drawn.length === 0) return null;

  const left = 76;
  const right = 24;
  const leg = legend(drawn, 72, left);
  const plot = { left, right: WIDTH - right, top: 72 + leg.height + 12 };
  plot.bottom = plot.top + 260;
  const height = plot.bottom + 56;

  const ys = drawn.flatMap((s) => s.points.map((p) => p.y)).concat(reference && num(reference.y) ? [reference.y] : []);
  const { step, top } = niceAxis(Math.max(...ys) * 1.05 || 1);
  const sy = (v) => plot.bottom - (v / top) * (plot.bottom - plot.top);

  let sx;
  let xTicks;
  if (x.kind === 'category') {
    const n = x.values.length;
    const band = (plot.right - plot.left) / n;
    const pos = new Map(x.values.map((v, i) => [v, plot.left + band * (i + 0.5)]));
    sx = (v) => pos.get(v);
    xTicks = x.values.map((v) => ({ at: pos.get(v), text: fmtNum(v) }));
  } else {
    const logs = drawn.flatMap((s) => s.points.map((p) => Math.log10(p.x)));
    // Room on the right for the last points' value labels.
    const lo = Math.min(...logs) - 0.2;
    const hi = Math.max(...logs) + 0.35;
    sx = (v) => plot.left + ((Math.log10(v) - lo) / (hi - lo)) * (plot.right - plot.left);
    xTicks = [];
    for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) xTicks.push({ at: sx(10 ** e), text: fmtNum(10 ** e) });
  }
  drawn.forEach((s) => s.points.forEach((p) => (p.px = sx(p.x))));
  for (const s of drawn) s.points = s.points.filter((p) => num(p.px));

  const parts = [];
  parts.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${left}" y="28" font-size="17" font-weight="600">${esc(title)}</text>`);
  if (subtitle) parts.push(`<text x="${left}" y="50" font-size="12.5" fill="${MUTED}">${esc(subtitle)}</text>`);
  parts.push(`<g font-size="12.5">\n${leg.svg}\n</g>`);

  // Grid and axes.
  const grid = [];
  for (let v = 0; v <= top + step / 2; v += step) {
    const y = sy(v);
    grid.push(`<line x1="${plot.left}" y1="${c(y)}" x2="${plot.right}" y2="${c(y)}" stroke="${v === 0 ? MUTED : GRID}" stroke-width="1"/>`);
    grid.push(`<text x="${plot.left - 8}" y="${c(y + 4)}" text-anchor="end">${esc(yTick(v))}</text>`);
  }
  for (const t of xTicks) {
    grid.push(`<line x1="${c(t.at)}" y1="${plot.bottom}" x2="${c(t.at)}" y2="${plot.bottom + 5}" stroke="${MUTED}"/>`);
    grid.push(`<text x="${c(t.at)}" y="${plot.bottom + 20}" text-anchor="middle">${esc(t.text)}</text>`);
  }
  parts.push(`<g font-size="12" fill="${MUTED}">\n${grid.join('\n')}\n</g>`);
  parts.push(`<text x="${c((plot.left + plot.right) / 2)}" y="${plot.bottom + 44}" text-anchor="middle" font-size="13">${esc(xLabel)}</text>`);
  const yMid = (plot.top + plot.bottom) / 2;
  parts.push(`<text transform="translate(18 ${c(yMid)}) rotate(-90)" text-anchor="middle" font-size="13">${esc(yLabel)}</text>`);

  const obstacles = { boxes: [], segments: [] };
  if (reference && num(reference.y)) {
    const y = sy(reference.y);
    const w = textWidth(reference.label, 11.5);
    // Its faint line may run under a value label (the label's halo hides it); its text may not.
    obstacles.boxes.push({ x0: plot.right - w, x1: plot.right, y0: y + 5, y1: y + 18 });
    parts.push(`<g><line x1="${plot.left}" y1="${c(y)}" x2="${plot.right}" y2="${c(y)}" stroke="${MUTED}" stroke-width="1" stroke-dasharray="3 3"/><text x="${plot.right}" y="${c(y + 15)}" text-anchor="end" font-size="11.5" fill="${MUTED}" stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">${esc(reference.label)}</text></g>`);
  }

  // Lines (broken where a point is missing), then markers and value labels on top.
  const labels = [];
  for (const s of drawn) {
    const segs = [];
    let run = [];
    const order = x.kind === 'category' ? x.values : [...new Set(s.points.map((p) => p.x))].sort((a, b) => a - b);
    for (const v of order) {
      const p = s.points.find((q) => q.x === v);
      if (p) run.push(p);
      else if (run.length) (segs.push(run), (run = []));
    }
    if (run.length) segs.push(run);
    for (const r of segs) for (let i = 1; i < r.length; i++) obstacles.segments.push([r[i - 1].px, sy(r[i - 1].y), r[i].px, sy(r[i].y)]);
    const lines = segs.filter((r) => r.length > 1).map((r) => `<polyline points="${r.map((p) => `${c(p.px)},${c(sy(p.y))}`).join(' ')}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 2}" stroke-linejoin="round"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    const marks = s.points.map((p) => marker(s.marker, p.px, sy(p.y), s.color));
    parts.push(`<g>\n${[...lines, ...marks].join('\n')}\n</g>`);
    for (const p of s.points) labels.push({ x: p.px, y: sy(p.y), text: p.text, color: s.color });
  }
  parts.push(`<g font-size="11">\n${valueLabels(labels, plot, obstacles)}\n</g>`);

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" font-family="${esc(FONT)}" fill="${INK}">
<title id="${id}-title">${esc(title)}</title>
<desc id="${id}-desc">${esc(desc)}</desc>
${parts.join('\n')}
</svg>
`;
}

/** The drawable series of `byClients` rows, and the `{ tps }` keys JOIN_SERIES does not know. */
export function joinSeries(byClients) {
  const series = JOIN_SERIES.map((s) => ({
    ...s,
    points: byClients.filter((row) => num(row[s.key]?.tps)).map((row) => ({ x: row.clients, y: row[s.key].tps, text: fmtNum(row[s.key].tps) })),
  })).filter((s) => s.points.length > 0);
  const known = new Set(JOIN_SERIES.map((s) => s.key));
  const unknown = [...new Set(byClients.flatMap((row) => Object.keys(row).filter((k) => !known.has(k) && num(row[k]?.tps))))];
  return { series, unknown };
}

/**
 * Transactions per second by clients for one join section (`r.join` or `r.joinCpu`).
 * @param {any} j
 * @param {{ id: string, title: string, subtitle?: string, where: string }} opts
 */
export function joinsChart(j, { id, title, subtitle, where }) {
  const rows = (j?.byClients ?? []).filter((row) => num(row.clients));
  const { series } = joinSeries(rows);
  if (series.length === 0) return null;
  const values = rows.map((row) => row.clients);
  const desc = `Transactions per second (higher is better) against the number of concurrent pgbench clients (${values.join(', ')}), ${where}; each figure pools ${j.rounds} rounds of ${j.seconds} s. ${series.map((s) => `${s.label}: ${s.points.map((p) => `${p.text} at ${p.x}`).join(', ')}`).join('; ')}.`;
  return lineChart({
    id, title, subtitle, desc,
    x: { kind: 'category', values },
    xLabel: 'concurrent clients (pgbench)',
    yLabel: 'transactions per second',
    yTick: (v) => fmtNum(v),
    series,
  });
}

const us = (ms) => `${fmtNum(ms * 1000)} µs`;

/** Time per campaign swept against the campaigns in the table, wall and backend CPU. */
export function sweepChart(l) {
  const scales = l?.scales ?? [];
  const size = (s, m) => (m === s.alone ? m.check?.campaigns ?? s.due : m.tableSize);
  const series = [
    { label: 'wall time, due campaigns alone', color: '#0b5cad', marker: 'circle', dash: '6 4', pick: (s) => s.alone, field: 'msPerCampaign' },
    { label: 'wall time, among 10× open and as many due', color: '#b4410b', marker: 'diamond', dash: '6 4', pick: (s) => s.crowded, field: 'msPerCampaign' },
    { label: 'backend CPU, due campaigns alone', color: '#0b5cad', marker: 'square', dash: null, width: 3, pick: (s) => s.alone, field: 'cpuMsPerCampaign' },
    { label: 'backend CPU, among 10× open and as many due', color: '#b4410b', marker: 'triangle', dash: null, width: 3, pick: (s) => s.crowded, field: 'cpuMsPerCampaign' },
  ].map((d) => ({
    ...d,
    points: scales.filter((s) => d.pick(s) && num(d.pick(s)[d.field])).map((s) => {
      const m = d.pick(s);
      return { x: size(s, m), y: m[d.field] * 1000, text: us(m[d.field]), due: s.due };
    }),
  }));
  const drawn = series.filter((s) => s.points.length > 0);
  if (drawn.length === 0) return null;
  const base = scales[0]?.alone;
  const reference = num(base?.cpuMsPerCampaign)
    ? { y: base.cpuMsPerCampaign * 1000, label: `baseline: backend CPU at ${fmtNum(scales[0].due)} due alone` }
    : null;
  const desc = `Time per campaign swept by public.run_sambatan_lifecycle(${l.batch}), one transaction per batch, in microseconds (lower and flatter is better), against the number of campaigns in the table on a log scale. Wall time moves with other load on the machine; the sweeping backend's CPU time (from /proc) mostly does not. "Alone": only the due campaigns are in the table; "among 10× open and as many due": after adding ten times as many open campaigns and as many due ones again, then sweeping those. ${drawn.map((s) => `${s.label}: ${s.points.map((p) => `${p.text} for ${fmtNum(p.due)} due among ${fmtNum(p.x)}`).join(', ')}`).join('; ')}.${reference ? ` Dashed grey line: the baseline, backend CPU per campaign at the smallest scale alone.` : ''}`;
  return lineChart({
    id: 'sweep',
    title: 'Lifecycle sweep: time per campaign vs table size',
    subtitle: `run_sambatan_lifecycle(${l.batch}); lower and flatter is better`,
    desc,
    x: { kind: 'log' },
    xLabel: 'campaigns in the table (log scale)',
    yLabel: 'time per campaign swept (µs)',
    yTick: (v) => fmtNum(v),
    series: drawn,
    reference,
  });
}

const durableLabel = (j) => (j?.durable === false ? 'non-durable cluster (fsync off)' : 'durable cluster (fsync and synchronous_commit on)');

/**
 * Every chart run `r` can draw: { file, block, alt, svg }. `block` names the report
 * block that shows it; `file` is its name in the charts folder beside the report.
 */
export function chartsFor(r) {
  const charts = [
    {
      file: 'joins-vs-clients.svg',
      block: 'join',
      alt: `Joins per second vs clients on a ${durableLabel(r.join)}, against the physical limit and the legacy flow`,
      svg: r.join && joinsChart(r.join, {
        id: 'joins',
        title: 'Joins per second vs clients, one hot campaign',
        subtitle: r.join?.durable === false ? 'Non-durable cluster (fsync off); higher is better' : 'Durable cluster (fsync and synchronous_commit on), as Supabase runs; higher is better',
        where: `on a ${durableLabel(r.join)}`,
      }),
    },
    {
      file: 'joins-vs-clients-cpu.svg',
      block: 'join-cpu',
      alt: 'Joins per second vs clients on the CPU alone (fsync and synchronous_commit off)',
      svg: r.joinCpu && joinsChart(r.joinCpu, {
        id: 'joins-cpu',
        title: 'Joins per second vs clients, on the CPU alone',
        subtitle: 'fsync and synchronous_commit off: no commit waits on the disk; higher is better',
        where: 'with fsync and synchronous_commit off (no commit waits on the disk)',
      }),
    },
    {
      file: 'sweep-vs-size.svg',
      block: 'lifecycle',
      alt: 'Lifecycle sweep time per campaign vs campaigns in the table (log scale), wall and backend CPU',
      svg: r.lifecycle && sweepChart(r.lifecycle),
    },
  ];
  return charts.filter((ch) => ch.svg);
}

/** Every file name chartsFor can produce, so a run can remove the ones it did not draw. */
export const CHART_FILES = ['joins-vs-clients.svg', 'joins-vs-clients-cpu.svg', 'sweep-vs-size.svg'];

/** The folder, beside the report, that holds its charts; the report links to them relative to itself. */
export const CHART_DIR = 'charts';

/**
 * Writes run `r`'s charts into the charts folder beside `report` and removes the known
 * chart files this run did not draw (a section it did not measure), so the folder
 * never shows a chart of another run. Returns what it wrote, for renderReport.
 */
export function writeCharts(r, report) {
  const dir = path.join(path.dirname(report), CHART_DIR);
  const charts = chartsFor(r);
  fs.mkdirSync(dir, { recursive: true });
  for (const ch of charts) fs.writeFileSync(path.join(dir, ch.file), ch.svg);
  for (const file of CHART_FILES) if (!charts.some((ch) => ch.file === file)) fs.rmSync(path.join(dir, file), { force: true });
  return charts;
}
