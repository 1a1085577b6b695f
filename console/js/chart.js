// An inline SVG bar chart of executions: one bar per run (oldest left), height its
// duration; failures hatched red and marked ✕ so colour is never the only signal.
// The history table beside it carries the same figures for screen readers.

import { duration, t, wib } from "./i18n.js";

const NS = "http://www.w3.org/2000/svg";
const svg = (tag, attrs = {}, ...children) => {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
};

const FILL = { succeeded: "#0b5cad", failed: "url(#hatch-failed)", running: "#7a4b00", skipped: "#8a949f" };

export function executionsChart(executions, { id = "history-chart" } = {}) {
  const runs = [...executions].reverse(); // the API answers newest first
  const W = 640, H = 200, left = 56, bottom = 24, top = 16;
  const max = Math.max(1, ...runs.map((e) => e.duration_ms ?? 0));
  const slot = (W - left - 8) / Math.max(1, runs.length);
  const barW = Math.max(2, Math.min(28, slot * 0.7));
  const y = (ms) => top + (H - top - bottom) * (1 - ms / max);
  const failed = runs.filter((e) => e.status === "failed").length;

  const titleId = `${id}-title`, descId = `${id}-desc`;
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", id, role: "img", "aria-labelledby": `${titleId} ${descId}` },
    svg("title", { id: titleId }, t("chartTitle", { count: runs.length })),
    svg("desc", { id: descId }, t("chartSummary", { count: runs.length, failed, max: duration(max) })),
    svg("defs", {}, svg("pattern", { id: "hatch-failed", width: 6, height: 6, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
      svg("rect", { width: 6, height: 6, fill: "#b3261e" }), svg("line", { x1: 0, y1: 0, x2: 0, y2: 6, stroke: "#fff", "stroke-width": 2 }))),
    svg("line", { x1: left, y1: H - bottom, x2: W - 4, y2: H - bottom, stroke: "#4a5360" }),
    svg("line", { x1: left, y1: top, x2: left, y2: H - bottom, stroke: "#4a5360" }),
    svg("text", { x: left - 6, y: top + 4, "text-anchor": "end" }, duration(max)),
    svg("text", { x: left - 6, y: H - bottom + 4, "text-anchor": "end" }, "0"));
  runs.forEach((e, i) => {
    const x = left + 4 + i * slot + (slot - barW) / 2;
    const ms = e.duration_ms ?? 0;
    const barTop = Math.min(y(ms), H - bottom - 2);
    const bar = svg("rect", { x, y: barTop, width: barW, height: H - bottom - barTop, fill: FILL[e.status] ?? "#8a949f", "data-status": e.status, "data-execution-id": e.id },
      svg("title", {}, `#${e.id} · ${e.status} · ${duration(e.duration_ms)} · ${wib(e.started_at)}`));
    chart.append(bar);
    if (e.status === "failed") chart.append(svg("text", { x: x + barW / 2, y: barTop - 3, "text-anchor": "middle", fill: "#b3261e", "font-weight": 700 }, "✕"));
  });
  return chart;
}

export function chartLegend() {
  const item = (status) => {
    const li = document.createElement("li");
    const sw = document.createElement("span");
    sw.className = `swatch ${status}`;
    sw.setAttribute("aria-hidden", "true");
    li.append(sw, t(`st.${status}`) + (status === "failed" ? " (✕)" : ""));
    return li;
  };
  const ul = document.createElement("ul");
  ul.className = "legend";
  ul.append(item("succeeded"), item("failed"), item("skipped"));
  return ul;
}
