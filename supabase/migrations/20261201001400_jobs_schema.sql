-- The scheduled-jobs framework: a registry of jobs with their cron schedule, retry
-- policy, timeout and retention, an execution history with explicit states, and a
-- lease on the job row as the single-run gate shared by cron and manual triggers.
-- It lives in its own schema, sambatan_jobs, so its common names (scheduled_jobs,
-- job_executions) never meet an app's; like sambatan_private it is not exposed.

create schema sambatan_jobs;
comment on schema sambatan_jobs is 'Sambatan scheduled-jobs framework: registry, executions, runner. Not exposed to API roles.';

create type sambatan_jobs.job_execution_status as enum ('running', 'succeeded', 'failed', 'skipped');
create type sambatan_jobs.job_trigger as enum ('cron', 'manual', 'retry');

create table sambatan_jobs.scheduled_jobs (
  name text primary key check (name ~ '^[a-z][a-z0-9_.-]*$' and char_length(name) <= 64),
  description text not null default '' check (char_length(description) <= 500),
  schedule text not null check (char_length(schedule) <= 100),
  -- A function sambatan_private.<handler>(execution_id bigint, batch_size integer) returning
  -- jsonb {done: boolean, ...counts}; each call is one batch in its own transaction.
  handler text not null check (handler ~ '^[a-z_][a-z0-9_]*$'),
  enabled boolean not null default true,
  max_attempts integer not null default 3 check (max_attempts between 1 and 10),
  backoff_seconds integer not null default 60 check (backoff_seconds between 0 and 86400),
  timeout_seconds integer not null default 300 check (timeout_seconds between 1 and 86400),
  retention_days integer not null default 90 check (retention_days between 1 and 3650),
  batch_size integer not null default 500 check (batch_size between 1 and 10000),
  time_budget_seconds integer not null default 60 check (time_budget_seconds between 1 and 3600),
  next_run_at timestamptz,
  -- The lease: which execution holds the job and until when.
  lease_execution_id bigint,
  lease_expires_at timestamptz,
  next_retry_at timestamptz,
  retry_attempt integer,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table sambatan_jobs.scheduled_jobs is 'Job registry: schedule, retry policy, lease (single-run gate).';

create table sambatan_jobs.job_executions (
  id bigint generated always as identity primary key,
  job text not null references sambatan_jobs.scheduled_jobs (name) on delete cascade,
  status sambatan_jobs.job_execution_status not null default 'running',
  attempt integer not null default 1 check (attempt >= 1),
  triggered_by sambatan_jobs.job_trigger not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  duration_ms integer,
  message text,
  error text,
  result jsonb not null default '{}'
);
comment on table sambatan_jobs.job_executions is 'Every run of every job, kept for the job''s retention.';

alter table sambatan_jobs.scheduled_jobs
  add constraint scheduled_jobs_lease_fk foreign key (lease_execution_id)
  references sambatan_jobs.job_executions (id) on delete set null;

create index job_executions_job on sambatan_jobs.job_executions (job, id desc);
create index job_executions_job_status on sambatan_jobs.job_executions (job, status, id desc);
create index job_executions_started on sambatan_jobs.job_executions (started_at);
create index scheduled_jobs_lease on sambatan_jobs.scheduled_jobs (lease_execution_id) where lease_execution_id is not null;

alter table sambatan_jobs.scheduled_jobs enable row level security;
alter table sambatan_jobs.job_executions enable row level security;
revoke all on table sambatan_jobs.scheduled_jobs, sambatan_jobs.job_executions from public, anon, authenticated, service_role;
grant select on table sambatan_jobs.scheduled_jobs, sambatan_jobs.job_executions to authenticated, service_role;
create policy scheduled_jobs_reader on sambatan_jobs.scheduled_jobs for select to authenticated
  using ((select public.sambatan_has_permission('scheduled_job.read')));
create policy job_executions_reader on sambatan_jobs.job_executions for select to authenticated
  using ((select public.sambatan_has_permission('scheduled_job.read')));
create policy scheduled_jobs_service on sambatan_jobs.scheduled_jobs for select to service_role using (true);
create policy job_executions_service on sambatan_jobs.job_executions for select to service_role using (true);
