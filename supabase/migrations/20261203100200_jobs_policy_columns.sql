-- Per-job run policies: what a trigger does while the job runs (overlap), how long a
-- run may take (timeout_seconds, now a hard limit per run) and how often a live
-- runner must report (heartbeat_seconds), how much history to keep, and when a
-- silent job raises an alert.

alter table sambatan_jobs.scheduled_jobs
  -- skip: a trigger while running is refused (JOB_ALREADY_RUNNING); queue_one: it
  -- queues one follow-up run, started as the current one finishes; more are absorbed.
  add column overlap text not null default 'skip' check (overlap in ('skip', 'queue_one')),
  -- A live runner renews its lease at every batch; a runner silent this long is lost.
  add column heartbeat_seconds integer not null default 60 check (heartbeat_seconds between 1 and 3600),
  -- all: every execution; errors_only: failed and dead ones, and only the latest success.
  add column history text not null default 'all' check (history in ('all', 'errors_only')),
  -- Null: off. Otherwise a job with no success within it posts `job.stale`.
  add column alert_after interval check (alert_after between interval '1 minute' and interval '365 days'),
  add column stale_alerted_at timestamptz,
  -- A queue_one request made while the job ran, and the trigger it came from.
  add column queued_at timestamptz,
  add column queued_trigger sambatan_jobs.job_trigger;

comment on column sambatan_jobs.scheduled_jobs.timeout_seconds is
  'Hard limit of one run: batches are refused after it and the lease never outlives it.';

alter table sambatan_jobs.job_executions
  -- started_at + the job's timeout when it started: the run fails once past it.
  add column deadline_at timestamptz,
  -- For a requeued run: the dead execution it runs again.
  add column requeue_of bigint references sambatan_jobs.job_executions (id) on delete set null;

create unique index job_executions_requeue_of on sambatan_jobs.job_executions (requeue_of) where requeue_of is not null;

-- Every five minutes, all year: keep only errors and the latest success.
update sambatan_jobs.scheduled_jobs set history = 'errors_only' where name = 'sambatan.lifecycle';

create or replace function sambatan_jobs.execution_json(e sambatan_jobs.job_executions) returns jsonb
language sql immutable
set search_path = ''
as $$
  select case when e.id is null then null else pg_catalog.jsonb_build_object(
    'id', e.id, 'job', e.job, 'status', e.status, 'attempt', e.attempt, 'triggered_by', e.triggered_by,
    'started_at', sambatan_private.iso(e.started_at), 'finished_at', sambatan_private.iso(e.finished_at),
    'deadline_at', sambatan_private.iso(e.deadline_at), 'duration_ms', e.duration_ms,
    'message', e.message, 'error', e.error, 'result', e.result, 'requeue_of', e.requeue_of) end
$$;

-- Posts one signed JSON alert to the webhook configured in Vault
-- (sambatan_alert_webhook_url, signed with sambatan_alert_webhook_secret).
create function sambatan_jobs.post_alert(p_body jsonb) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_url text;
  v_secret text;
  v_body jsonb := p_body || jsonb_build_object('sent_at', sambatan_private.iso(pg_catalog.clock_timestamp()));
begin
  select s.decrypted_secret into v_url from vault.decrypted_secrets s where s.name = 'sambatan_alert_webhook_url';
  if v_url is null then
    return;
  end if;
  select s.decrypted_secret into v_secret from vault.decrypted_secrets s where s.name = 'sambatan_alert_webhook_secret';
  perform net.http_post(
    url := v_url,
    body := v_body,
    headers := jsonb_build_object(
      'Content-Type', 'application/json',
      'X-Sambatan-Signature', 'sha256=' || encode(extensions.hmac(convert_to(v_body::text, 'UTF8'),
                                                               convert_to(coalesce(v_secret, ''), 'UTF8'), 'sha256'), 'hex')));
end
$$;

create or replace function sambatan_jobs.alert_failure(p_execution sambatan_jobs.job_executions, p_will_retry boolean) returns void
language sql
set search_path = ''
as $$
  select sambatan_jobs.post_alert(pg_catalog.jsonb_build_object(
    'type', 'job.failed', 'execution', sambatan_jobs.execution_json(p_execution), 'will_retry', p_will_retry))
$$;

-- Posts `job.stale` for each job with alert_after set that has not succeeded within
-- it, at most once per alert_after while the silence lasts (a success starts a new
-- silence). Answers how many were posted. The dispatcher and the hook call it.
create function sambatan_jobs.alert_stale() returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := pg_catalog.clock_timestamp();
  v_job record;
  v_count integer := 0;
begin
  for v_job in
    select j.name, j.alert_after, s.at as last_success_at
      from sambatan_jobs.scheduled_jobs j
      left join lateral (select max(e.finished_at) as at from sambatan_jobs.job_executions e
                          where e.job = j.name and e.status = 'succeeded') s on true
     where j.enabled and j.alert_after is not null
       and coalesce(s.at, j.created_at) < v_now - j.alert_after
       and (j.stale_alerted_at is null or j.stale_alerted_at < greatest(s.at, v_now - j.alert_after))
     for update of j skip locked
  loop
    perform sambatan_jobs.post_alert(jsonb_build_object(
      'type', 'job.stale', 'job', v_job.name,
      'last_success_at', sambatan_private.iso(v_job.last_success_at),
      'alert_after_seconds', extract(epoch from v_job.alert_after)::integer));
    update sambatan_jobs.scheduled_jobs j set stale_alerted_at = v_now where j.name = v_job.name;
    v_count := v_count + 1;
  end loop;
  return v_count;
end
$$;
