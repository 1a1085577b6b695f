-- The scheduled-jobs framework: a registry of jobs with their cron schedule, retry
-- policy, timeout and retention, an execution history with explicit states, and a
-- lease on the job row as the single-run gate shared by cron and manual triggers.

create type public.job_execution_status as enum ('running', 'succeeded', 'failed', 'skipped');
create type public.job_trigger as enum ('cron', 'manual', 'retry');

create table public.scheduled_jobs (
  name text primary key check (name ~ '^[a-z][a-z0-9_.-]*$' and char_length(name) <= 64),
  description text not null default '' check (char_length(description) <= 500),
  schedule text not null check (char_length(schedule) <= 100),
  -- A function private.<handler>(execution_id bigint, batch_size integer) returning
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
comment on table public.scheduled_jobs is 'Job registry: schedule, retry policy, lease (single-run gate).';

create table public.job_executions (
  id bigint generated always as identity primary key,
  job text not null references public.scheduled_jobs (name) on delete cascade,
  status public.job_execution_status not null default 'running',
  attempt integer not null default 1 check (attempt >= 1),
  triggered_by public.job_trigger not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  duration_ms integer,
  message text,
  error text,
  result jsonb not null default '{}'
);
comment on table public.job_executions is 'Every run of every job, kept for the job''s retention.';

alter table public.scheduled_jobs
  add constraint scheduled_jobs_lease_fk foreign key (lease_execution_id)
  references public.job_executions (id) on delete set null;

create index job_executions_job on public.job_executions (job, id desc);
create index job_executions_job_status on public.job_executions (job, status, id desc);
create index job_executions_started on public.job_executions (started_at);
create index scheduled_jobs_lease on public.scheduled_jobs (lease_execution_id) where lease_execution_id is not null;

alter table public.scheduled_jobs enable row level security;
alter table public.job_executions enable row level security;
revoke all on table public.scheduled_jobs, public.job_executions from public, anon, authenticated, service_role;
grant select on table public.scheduled_jobs, public.job_executions to authenticated, service_role;
create policy scheduled_jobs_reader on public.scheduled_jobs for select to authenticated
  using ((select private.has_permission('scheduled_job.read')));
create policy job_executions_reader on public.job_executions for select to authenticated
  using ((select private.has_permission('scheduled_job.read')));
create policy scheduled_jobs_service on public.scheduled_jobs for select to service_role using (true);
create policy job_executions_service on public.job_executions for select to service_role using (true);

-- One field of a five-field cron expression as the sorted set of values it allows:
-- numbers, ranges a-b, lists a,b, steps */n and a-b/n, and *.
create function private.cron_field(p_field text, p_min integer, p_max integer) returns integer[]
language plpgsql immutable
set search_path = ''
as $$
declare
  v_part text;
  v_range text;
  v_step integer;
  v_lo integer;
  v_hi integer;
  v_values integer[] := '{}'::integer[];
begin
  foreach v_part in array string_to_array(p_field, ',') loop
    if v_part !~ '^(\*|\d+(-\d+)?)(/\d+)?$' then
      perform private.invalid('schedule', 'malformed');
    end if;
    v_range := split_part(v_part, '/', 1);
    v_step := coalesce(nullif(split_part(v_part, '/', 2), '')::integer, 1);
    if v_range = '*' then
      v_lo := p_min;
      v_hi := p_max;
    else
      v_lo := split_part(v_range, '-', 1)::integer;
      v_hi := coalesce(nullif(split_part(v_range, '-', 2), '')::integer,
                       case when v_part like '%/%' then p_max else v_lo end);
    end if;
    if v_step < 1 or v_lo < p_min or v_hi > p_max or v_lo > v_hi then
      perform private.invalid('schedule', 'out_of_range');
    end if;
    v_values := v_values || array(select generate_series(v_lo, v_hi, v_step));
  end loop;
  return array(select distinct v from unnest(v_values) v order by v);
end
$$;

-- The first minute strictly after p_after (UTC, as pg_cron) that the schedule matches.
-- Day of month and day of week combine as in cron: either matches when both are restricted.
create function private.cron_next(p_schedule text, p_after timestamptz) returns timestamptz
language plpgsql immutable
set search_path = ''
as $$
declare
  v_fields text[] := regexp_split_to_array(btrim(p_schedule), '\s+');
  v_minutes integer[];
  v_hours integer[];
  v_doms integer[];
  v_months integer[];
  v_dows integer[];
  v_dom_any boolean;
  v_dow_any boolean;
  v_start timestamp := date_trunc('minute', p_after at time zone 'UTC') + interval '1 minute';
  v_day date;
  v_hour integer;
  v_minute integer;
  v_at timestamp;
begin
  if array_length(v_fields, 1) <> 5 then
    perform private.invalid('schedule', 'five_fields');
  end if;
  v_minutes := private.cron_field(v_fields[1], 0, 59);
  v_hours := private.cron_field(v_fields[2], 0, 23);
  v_doms := private.cron_field(v_fields[3], 1, 31);
  v_months := private.cron_field(v_fields[4], 1, 12);
  v_dows := private.cron_field(replace(v_fields[5], '7', '0'), 0, 6);
  v_dom_any := v_fields[3] = '*';
  v_dow_any := v_fields[5] = '*';
  for i in 0..366 * 5 loop
    v_day := v_start::date + i;
    continue when not (extract(month from v_day)::integer = any (v_months));
    continue when not (
      case
        when v_dom_any and v_dow_any then true
        when v_dom_any then extract(dow from v_day)::integer = any (v_dows)
        when v_dow_any then extract(day from v_day)::integer = any (v_doms)
        else extract(day from v_day)::integer = any (v_doms) or extract(dow from v_day)::integer = any (v_dows)
      end);
    foreach v_hour in array v_hours loop
      foreach v_minute in array v_minutes loop
        v_at := v_day + make_interval(hours => v_hour, mins => v_minute);
        if v_at >= v_start then
          return v_at at time zone 'UTC';
        end if;
      end loop;
    end loop;
  end loop;
  return null;
end
$$;

-- Minutes between two consecutive runs (the seed's interval_minutes).
create function private.cron_interval_minutes(p_schedule text, p_after timestamptz) returns integer
language sql immutable
set search_path = ''
as $$
  select (extract(epoch from private.cron_next(p_schedule, n) - n) / 60)::integer
    from (select private.cron_next(p_schedule, p_after) as n) s
$$;
