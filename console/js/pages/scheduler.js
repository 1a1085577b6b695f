// Scheduler: every job with its schedule, next runs and last run; pause / resume and
// run now; a job's run policies (scheduler-control, action configure); dead executions
// with requeue; the execution history as a chart of durations and failures and as a table.

import { call } from "../api.js";
import { announce, field, h, select, showError, table } from "../dom.js";
import { duration, number, statusLabel, t, wib } from "../i18n.js";
import { chartLegend, executionsChart } from "../chart.js";
import { EXECUTION_STATUSES } from "../statuses.js";
import { badge } from "../widgets.js";

export async function render(root, ctx) {
  const jobsBox = h("div", { id: "jobs" });
  const historyBox = h("div", { id: "history" });
  const deadBox = h("div", { id: "dead" });
  const settingsBox = h("div", { id: "settings" });
  let settingsJob = "";
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
    settingsJob = jobs.some((j) => j.job === settingsJob) ? settingsJob : jobs[0]?.job ?? "";
    drawSettings();
  };
  // Picking another job redraws the form at once from the figures already loaded.
  const drawSettings = () => settingsBox.replaceChildren(settingsForm(jobs, settingsJob, (job) => {
    settingsJob = job;
    drawSettings();
    settingsBox.querySelector("select")?.focus();
  }, (body) => act(() => call("scheduler-control", { body }), () => t("settingsSaved", { job: body.job }))));

  // Dead executions (out of attempts) are listed apart, each with its requeue.
  const loadDead = async () => {
    const page = await call("scheduler-history", { query: { status: "dead", limit: 50 } });
    deadBox.replaceChildren(table(t("deadExecutions"), [
      { label: "#", cell: (e) => number(e.id) },
      { label: t("job"), cell: (e) => h("code", {}, e.job) },
      { label: t("attempt"), cell: (e) => number(e.attempt) },
      { label: t("started"), cell: (e) => wib(e.started_at) },
      { label: t("message"), cell: (e) => e.error ?? e.message ?? "—" },
      { label: t("actions"), cell: (e) => h("button", {
        type: "button", class: "primary", "aria-label": `${t("requeue")} #${e.id}`,
        onclick: () => act(() => call("scheduler-requeue", { body: { execution_id: e.id } }), (r) => t("requeued", { job: e.job, status: statusLabel(r.execution.status) })),
      }, t("requeue")) },
    ], page.items, { id: "dead-table", empty: t("noDead") }));
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
    await Promise.all([loadJobs(), loadHistory(), loadDead()]).catch(showError);
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
    h("section", { "aria-labelledby": "jobs-title" }, h("h2", { id: "jobs-title" }, t("jobs")), jobsBox),
    h("section", { "aria-labelledby": "settings-title" }, h("h2", { id: "settings-title" }, t("settings")), settingsBox),
    h("section", { "aria-labelledby": "dead-title" }, h("h2", { id: "dead-title" }, t("deadExecutions")), deadBox),
    h("section", { "aria-labelledby": "history-title" }, h("h2", { id: "history-title" }, t("history")), filterForm, historyBox));
  await loadJobs();
  await Promise.all([loadHistory(), loadDead()]);
}

/**
 * One job's run policies, prefilled with what scheduler-status says; saving sends only
 * the ones changed (an empty alert field turns the alert off).
 */
function settingsForm(jobs, name, onPick, save) {
  const job = jobs.find((j) => j.job === name);
  const pick = select("settings-job", jobs.map((j) => [j.job, j.job]), name);
  pick.addEventListener("change", () => onPick(pick.value));
  if (!job) return h("p", { class: "muted" }, t("none"));
  const num = (key, min, max, value, required = true) => h("input", { name: key, type: "number", inputmode: "numeric", min, max, step: 1, required, value: value ?? "" });
  const controls = {
    overlap: select("overlap", [["skip", t("overlapSkip")], ["queue_one", t("overlapQueue")]], job.overlap),
    history: select("history", [["all", t("historyAll")], ["errors_only", t("historyErrors")]], job.history),
    timeout_seconds: num("timeout_seconds", 1, 86400, job.timeout_seconds),
    heartbeat_seconds: num("heartbeat_seconds", 1, 3600, job.heartbeat_seconds),
    max_attempts: num("max_attempts", 1, 10, job.max_attempts),
    retention_days: num("retention_days", 1, 3650, job.retention_days),
    alert_after_seconds: num("alert_after_seconds", 60, 31536000, job.alert_after_seconds, false),
  };
  const read = (key) => {
    const v = controls[key].value.trim();
    if (key === "overlap" || key === "history") return v;
    return v === "" ? null : Number(v);
  };
  const form = h("form", {
    id: "settings-form", class: "inline", "aria-label": `${t("settings")} ${name}`,
    onsubmit: (e) => {
      e.preventDefault();
      const settings = Object.fromEntries(Object.keys(controls).map((k) => [k, read(k)]).filter(([k, v]) => v !== job[k]));
      if (!Object.keys(settings).length) return announce(t("nothingChanged"));
      save({ job: name, action: "configure", settings });
    },
  },
  field(t("job"), pick),
  field(t("overlap"), controls.overlap),
  field(t("historyKept"), controls.history),
  field(t("timeoutSeconds"), controls.timeout_seconds),
  field(t("heartbeatSeconds"), controls.heartbeat_seconds),
  field(t("maxAttempts"), controls.max_attempts),
  field(t("retentionDays"), controls.retention_days),
  field(t("alertAfterSeconds"), controls.alert_after_seconds, t("alertAfterHint")),
  h("div", { class: "buttons" }, h("button", { type: "submit", class: "primary" }, t("saveSettings"))));
  return form;
}
