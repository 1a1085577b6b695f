// Scheduler: every job with its schedule, next runs and last run; pause / resume and
// run now; the execution history as a chart of durations and failures and as a table.

import { call } from "../api.js";
import { announce, field, h, select, showError, table } from "../dom.js";
import { duration, number, statusLabel, t, wib } from "../i18n.js";
import { chartLegend, executionsChart } from "../chart.js";
import { EXECUTION_STATUSES } from "../statuses.js";
import { badge } from "../widgets.js";

/** Where job settings (schedule, retries) are edited, once the backend serves it. */
const SETTINGS_SLUG = "scheduler-settings";

export async function render(root, ctx) {
  const jobsBox = h("div", { id: "jobs" });
  const historyBox = h("div", { id: "history" });
  let jobs = [];
  let jobFilter = "";
  let statusFilter = "";

  const loadJobs = async () => {
    jobs = (await call("scheduler-status")).jobs;
    jobsBox.replaceChildren(table(t("jobs"), [
      { label: t("job"), cell: (j) => h("span", {}, h("code", {}, j.job), h("br"), h("small", { class: "muted" }, j.description)) },
      { label: t("status"), cell: (j) => h("span", { class: "job-state", dataset: { job: j.job } }, j.is_running ? badge("running") : h("span", { class: `badge ${j.enabled ? "on" : "off"}` }, j.enabled ? t("enabled") : t("paused"))) },
      { label: t("schedule"), cell: (j) => h("span", {}, h("code", {}, j.schedule), ` (${j.time_zone})`) },
      { label: t("nextRuns"), cell: (j) => (j.next_runs.length ? h("ol", { class: "runs" }, j.next_runs.map((r) => h("li", {}, wib(r)))) : "—") },
      { label: t("lastRun"), cell: (j) => (j.last_run ? h("span", {}, badge(j.last_run.status), " ", wib(j.last_run.started_at), " · ", duration(j.last_run.duration_ms)) : "—") },
      { label: t("actions"), cell: (j) => jobActions(j) },
    ], jobs, { id: "jobs-table" }));
    jobSelect.replaceChildren(...[["", t("all")], ...jobs.map((j) => [j.job, j.job])].map(([v, l]) => h("option", { value: v, selected: v === jobFilter }, l)));
  };

  const loadHistory = async () => {
    const page = await call("scheduler-history", { query: { job: jobFilter, status: statusFilter, limit: 50 } });
    historyBox.replaceChildren(
      executionsChart(page.items), chartLegend(),
      table(t("history"), [
        { label: "#", cell: (e) => number(e.id) },
        { label: t("job"), cell: (e) => h("code", {}, e.job) },
        { label: t("status"), cell: (e) => badge(e.status) },
        { label: t("trigger"), cell: (e) => statusLabel(e.triggered_by) },
        { label: t("attempt"), cell: (e) => number(e.attempt) },
        { label: t("started"), cell: (e) => wib(e.started_at) },
        { label: t("duration"), cell: (e) => duration(e.duration_ms) },
        { label: t("message"), cell: (e) => e.error ?? e.message ?? "—" },
      ], page.items, { id: "history-table" }));
  };

  const act = async (fn, message) => {
    try {
      const said = await fn();
      announce(message(said));
    } catch (err) {
      showError(err);
    }
    await Promise.all([loadJobs(), loadHistory()]).catch(showError);
  };
  const jobActions = (j) => h("div", { class: "buttons" },
    j.enabled
      ? h("button", { type: "button", "aria-label": `${t("pause")} ${j.job}`, onclick: () => act(() => call("scheduler-control", { body: { job: j.job, action: "pause" } }), () => t("pausedDone", { job: j.job })) }, t("pause"))
      : h("button", { type: "button", "aria-label": `${t("resume")} ${j.job}`, onclick: () => act(() => call("scheduler-control", { body: { job: j.job, action: "resume" } }), () => t("resumedDone", { job: j.job })) }, t("resume")),
    h("button", {
      type: "button", class: "primary", "aria-label": `${t("runNow")} ${j.job}`, disabled: j.is_running,
      onclick: () => act(() => call("scheduler-trigger", { body: { job: j.job } }), (r) => t("triggered", { job: j.job, status: statusLabel(r.execution.status) })),
    }, t("runNow")));

  const jobSelect = h("select", { name: "job" });
  const statusSelect = select("status", [["", t("all")], ...EXECUTION_STATUSES.map((s) => [s, statusLabel(s)])], statusFilter);
  const filterForm = h("form", {
    class: "inline", role: "search", "aria-label": `${t("history")} · ${t("filter")}`,
    onsubmit: (e) => {
      e.preventDefault();
      jobFilter = jobSelect.value;
      statusFilter = statusSelect.value;
      loadHistory().catch(showError);
    },
  }, field(t("job"), jobSelect), field(t("status"), statusSelect), h("button", { type: "submit" }, t("filter")));

  root.append(
    h("h1", { tabindex: "-1" }, t("scheduler")),
    h("div", { class: "buttons" }, h("button", { type: "button", onclick: () => act(async () => {}, () => t("refresh")) }, t("refresh"))),
    h("section", { "aria-labelledby": "jobs-title" }, h("h2", { id: "jobs-title" }, t("jobs")), jobsBox,
      ctx.features.has(SETTINGS_SLUG) ? null : h("p", { class: "muted" }, `${t("settings")}: ${t("notAvailable", { slug: SETTINGS_SLUG })}`)),
    h("section", { "aria-labelledby": "history-title" }, h("h2", { id: "history-title" }, t("history")), filterForm, historyBox));
  await loadJobs();
  await loadHistory();
}
