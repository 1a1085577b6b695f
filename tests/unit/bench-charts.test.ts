// The benchmark's SVG charts, drawn from the recorded run's figures: well-formed XML,
// a title and desc for readers without the picture, every series of the figures in
// the legend, and no coordinate that failed to compute.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { chartsFor, joinSeries, joinsChart, sweepChart } from "../../bench/lib/charts.mjs";
import { renderReport } from "../../bench/lib/report.mjs";

const results = JSON.parse(readFileSync(new URL("../../bench/results.json", import.meta.url), "utf8"));

/** Throws unless `svg` is well-formed XML of the shapes the chart writer emits. */
function checkWellFormed(svg: string) {
  const body = svg.replace(/^<\?xml[^>]*\?>/, "");
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y;
  let at = 0;
  let roots = 0;
  while (at < body.length) {
    const lt = body.indexOf("<", at);
    const text = body.slice(at, lt === -1 ? body.length : lt);
    if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(text)) throw new Error(`bare & in text: ${text}`);
    if (stack.length === 0 && text.trim()) throw new Error(`text outside the root: ${text}`);
    if (lt === -1) break;
    tag.lastIndex = lt;
    const m = tag.exec(body);
    if (!m) throw new Error(`malformed tag at ${lt}: ${body.slice(lt, lt + 60)}`);
    const [, close, name, attrs, selfClose] = m;
    if (/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(attrs)) throw new Error(`bare & in attributes of <${name}>`);
    if (close) {
      if (stack.pop() !== name) throw new Error(`</${name}> closes nothing open`);
    } else if (!selfClose) {
      if (stack.length === 0) roots++;
      stack.push(name);
    } else if (stack.length === 0) roots++;
    at = tag.lastIndex;
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(" > ")}`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
}

/** Every number in the coordinate-bearing attributes. */
function coordinates(svg: string): string[] {
  return [...svg.matchAll(/\s(?:x|y|x1|y1|x2|y2|cx|cy|r|width|height|points|d|transform)="([^"]*)"/g)].flatMap((m) => m[1].match(/[-\w.]+/g) ?? []);
}

type Chart = { file: string; block: string; alt: string; svg: string };

/** The SVG, failing the test where the chart writer drew nothing. */
function drawn(svg: string | null | undefined): string {
  if (!svg) throw new Error("no chart drawn");
  return svg;
}

test("the well-formedness check itself rejects broken markup", () => {
  expect(() => checkWellFormed('<svg><g></svg>')).toThrow();
  expect(() => checkWellFormed('<svg><text>a & b</text></svg>')).toThrow();
  expect(() => checkWellFormed('<svg x=1/>')).toThrow();
  expect(() => checkWellFormed('<svg/><svg/>')).toThrow();
  expect(() => checkWellFormed('<svg><text x="1">a &amp; b</text></svg>')).not.toThrow();
});

describe("charts of the recorded run", () => {
  const charts: Chart[] = chartsFor(results);
  const chart = (file: string) => drawn(charts.find((c) => c.file === file)?.svg);

  test("draws the join chart, its CPU-only twin and the sweep chart", () => {
    expect(charts.map((c) => c.file).sort()).toEqual(["joins-vs-clients-cpu.svg", "joins-vs-clients.svg", "sweep-vs-size.svg"]);
  });

  test.each(charts.map((c) => [c.file, c.svg]))("%s is well-formed, titled and free of NaN", (_file, svg) => {
    checkWellFormed(svg);
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* role="img"/);
    expect(svg).toMatch(/<title id="[\w-]+">[^<]+<\/title>\n<desc id="[\w-]+">[^<]+<\/desc>/);
    expect(svg).not.toMatch(/NaN|undefined|Infinity|null/);
    for (const v of coordinates(svg).filter((v) => /^-?[\d.]+$/.test(v))) expect(Number.isFinite(Number(v)), v).toBe(true);
  });

  test("the join chart names every measured series and lists the figures in its desc", () => {
    const svg = chart("joins-vs-clients.svg");
    for (const label of ["physical limit: one-row update, autocommit", "the same update in PostgREST&apos;s transaction shape", "join_campaign, one hot campaign", "legacy three-round-trip flow"]) {
      expect(svg).toContain(`>${label}</text>`);
    }
    // The bucketed series is drawn exactly when the recorded run measured it.
    const bucketed = results.join.byClients.every((c: { joinBuckets?: unknown }) => c.joinBuckets);
    if (bucketed) expect(svg).toContain(">join_campaign, one bucketed campaign</text>");
    else expect(svg).not.toContain("bucketed");
    const at8 = results.join.byClients.find((c: { clients: number }) => c.clients === 8);
    expect(svg).toContain(`${Math.round(at8.join.tps).toLocaleString("en-US")} at 8`);
  });

  test("the sweep chart plots wall and CPU time per campaign on a log axis of table size", () => {
    const svg = chart("sweep-vs-size.svg");
    expect(svg).toContain("campaigns in the table (log scale)");
    for (const label of ["wall time, due campaigns alone", "backend CPU, among 10× open and as many due"]) expect(svg).toContain(`>${label}</text>`);
    expect(svg).toContain(">1,000,000</text>");
  });
});

describe("series the figures may or may not hold", () => {
  const rows = results.join.byClients.map((c: Record<string, unknown>) => ({ ...c, joinBuckets: { tps: 2000 + Number(c.clients) }, joinSharded: { tps: 5 } }));

  test("a known series is drawn, an unknown one is skipped and reported", () => {
    const { series, unknown } = joinSeries(rows);
    expect(series.map((s: { key: string }) => s.key)).toEqual(["physical", "wrapped", "join", "joinBuckets", "legacy"]);
    expect(unknown).toEqual(["joinSharded"]);
    const svg = drawn(joinsChart({ ...results.join, byClients: rows }, { id: "t", title: "t", where: "here" }));
    checkWellFormed(svg);
    expect(svg).toContain(">join_campaign, one bucketed campaign</text>");
    expect(svg).not.toContain("joinSharded");
  });

  test("a series missing from some rows breaks its line instead of drawing NaN", () => {
    const gappy = rows.map((r: Record<string, unknown>, i: number) => (i === 1 ? { ...r, legacy: undefined, joinBuckets: { tps: Number.NaN } } : r));
    const svg = drawn(joinsChart({ ...results.join, byClients: gappy }, { id: "t", title: "t", where: "here" }));
    checkWellFormed(svg);
    expect(svg).not.toMatch(/NaN|undefined/);
  });

  test("sections with nothing to draw give no chart", () => {
    expect(joinsChart({ byClients: [] }, { id: "t", title: "t", where: "here" })).toBeNull();
    expect(sweepChart({ batch: 1, scales: [] })).toBeNull();
    expect(chartsFor({ smoke: false })).toEqual([]);
  });
});

test("the report links the charts it is given, in their blocks, and no others", () => {
  const charts: Chart[] = chartsFor(results);
  const withCharts = renderReport(results, null, { charts });
  for (const c of charts) expect(withCharts).toContain(`](charts/${c.file})`);
  const joinBlock = withCharts.slice(withCharts.indexOf("<!-- bench:begin join -->"), withCharts.indexOf("<!-- bench:end join -->"));
  expect(joinBlock).toContain("](charts/joins-vs-clients.svg)");
  expect(renderReport(results, null)).not.toContain("charts/");
});
