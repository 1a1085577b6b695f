-- The jobs API: start / run_job_batch / finish for runners (the lifecycle hook and
-- scheduler-trigger), due_jobs, status, history, pause and resume for operators.
-- Permissions: scheduled_job.execute to run or control, scheduled_job.read to look.

create function public.start_job(p_job text, p_triggered_by public.job_trigger default 'manual') returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.require_permission('scheduled_job.execute');
  -- Only the service role (the cron hook) may claim to be cron or a retry.
  if p_triggered_by <> 'manual' and coalesce(auth.jwt() ->> 'role', '') <> 'service_role' then
    perform private.invalid('triggered_by', 'manual_only');
  end if;
  return private.execution_json(private.job_start(p_job, coalesce(p_triggered_by, 'manual')));
end
$$;

create function public.run_job_batch(p_execution_id bigint) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.require_permission('scheduled_job.execute');
  return private.job_batch(p_execution_id);
end
$$;

create function public.finish_job(p_execution_id bigint, p_error text default null) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform private.require_permission('scheduled_job.execute');
  return private.execution_json(private.job_finish(p_execution_id, p_error));
end
$$;

-- [{job, triggered_by}] for the jobs the hook should run now.
create function public.due_jobs() returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  perform private.require_permission('scheduled_job.execute');
  return coalesce((select jsonb_agg(jsonb_build_object('job', d.r_job, 'triggered_by', d.r_triggered_by))
                     from private.due_jobs() d), '[]');
end
$$;

create function private.job_status_json(j public.scheduled_jobs) returns jsonb
language sql stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'job', j.name,
    'description', j.description,
    'enabled', j.enabled,
    'schedule', j.schedule,
    'interval_minutes', private.cron_interval_minutes(j.schedule, pg_catalog.clock_timestamp()),
    'is_running', j.lease_execution_id is not null and j.lease_expires_at > pg_catalog.clock_timestamp(),
    'running_execution_id', case when j.lease_expires_at > pg_catalog.clock_timestamp() then j.lease_execution_id end,
    'next_run_time', case when j.enabled then private.iso(
        case when j.next_run_at > pg_catalog.clock_timestamp() then j.next_run_at
             else private.cron_next(j.schedule, pg_catalog.clock_timestamp()) end) end,
    'next_retry_at', private.iso(j.next_retry_at),
    'max_attempts', j.max_attempts,
    'backoff_seconds', j.backoff_seconds,
    'timeout_seconds', j.timeout_seconds,
    'retention_days', j.retention_days,
    'last_run', (select private.execution_json(e) from public.job_executions e
                  where e.job = j.name order by e.id desc limit 1))
$$;

-- {jobs: [...]} plus, for sambatan.lifecycle, the seed's fields at top level.
create function public.job_status(p_job text default null) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_jobs jsonb;
  v_lifecycle jsonb;
begin
  perform private.require_permission('scheduled_job.read');
  if p_job is not null and not exists (select 1 from public.scheduled_jobs j where j.name = p_job) then
    perform private.fail('SB013', 'JOB_NOT_FOUND', jsonb_build_object('job', p_job));
  end if;
  select coalesce(jsonb_agg(private.job_status_json(j) order by j.name), '[]') into v_jobs
    from public.scheduled_jobs j where p_job is null or j.name = p_job;
  select private.job_status_json(j) into v_lifecycle from public.scheduled_jobs j where j.name = 'sambatan.lifecycle';
  return jsonb_build_object(
    'jobs', v_jobs,
    'is_running', coalesce(v_lifecycle -> 'is_running', 'false'),
    'next_run_time', v_lifecycle -> 'next_run_time',
    'interval_minutes', v_lifecycle -> 'interval_minutes',
    'last_run', v_lifecycle -> 'last_run');
end
$$;

-- One keyset page of executions, newest first, by job and status.
create function public.job_history(
  p_job text default null,
  p_status public.job_execution_status default null,
  p_limit integer default 20,
  p_cursor text default null
) returns jsonb
language plpgsql stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_after bigint;
  v_rows public.job_executions[];
begin
  perform private.require_permission('scheduled_job.read');
  perform private.check_limit(p_limit);
  v_after := private.id_cursor(p_cursor);
  if p_job is not null and not exists (select 1 from public.scheduled_jobs j where j.name = p_job) then
    perform private.fail('SB013', 'JOB_NOT_FOUND', jsonb_build_object('job', p_job));
  end if;

  v_rows := array(
    select e from public.job_executions e
     where (p_job is null or e.job = p_job)
       and (p_status is null or e.status = p_status)
       and (v_after is null or e.id < v_after)
     order by e.id desc
     limit p_limit + 1);

  return private.page(
    (select jsonb_agg(private.execution_json(r) order by r.id desc) from unnest(v_rows[1:p_limit]) r),
    case when coalesce(array_length(v_rows, 1), 0) > p_limit then
      private.encode_cursor(jsonb_build_array((v_rows[p_limit]).id))
    end);
end
$$;

-- Pauses or resumes a job; a paused job is skipped by cron and refused by triggers.
create function public.control_job(p_job text, p_action text) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job public.scheduled_jobs;
begin
  perform private.require_permission('scheduled_job.execute');
  if p_action is null or p_action not in ('pause', 'resume') then
    perform private.invalid('action', 'pause_or_resume');
  end if;
  update public.scheduled_jobs j
     set enabled = (p_action = 'resume'),
         next_run_at = case when p_action = 'resume' then private.cron_next(j.schedule, pg_catalog.clock_timestamp()) else j.next_run_at end,
         next_retry_at = case when p_action = 'pause' then null else j.next_retry_at end,
         updated_at = pg_catalog.clock_timestamp()
   where j.name = p_job
  returning * into v_job;
  if not found then
    perform private.fail('SB013', 'JOB_NOT_FOUND', jsonb_build_object('job', p_job));
  end if;
  return private.job_status_json(v_job);
end
$$;

-- New functions are executable by PUBLIC by default: take that back, then grant.
revoke execute on all functions in schema private from public, anon, authenticated, service_role;
grant execute on function private.has_permission(text) to anon, authenticated, service_role;
revoke execute on function public.start_job(text, public.job_trigger), public.run_job_batch(bigint),
  public.finish_job(bigint, text), public.due_jobs(), public.job_status(text),
  public.job_history(text, public.job_execution_status, integer, text), public.control_job(text, text)
  from public, anon, authenticated, service_role;

grant execute on function public.start_job(text, public.job_trigger) to authenticated, service_role;
grant execute on function public.run_job_batch(bigint) to authenticated, service_role;
grant execute on function public.finish_job(bigint, text) to authenticated, service_role;
grant execute on function public.due_jobs() to authenticated, service_role;
grant execute on function public.job_status(text) to authenticated, service_role;
grant execute on function public.job_history(text, public.job_execution_status, integer, text) to authenticated, service_role;
grant execute on function public.control_job(text, text) to authenticated, service_role;
