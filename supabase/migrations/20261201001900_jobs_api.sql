-- The jobs API: start / run_job_batch / finish for runners (the lifecycle hook and
-- scheduler-trigger), due_jobs, status, history, pause and resume for operators.
-- Permissions: scheduled_job.execute to run or control, scheduled_job.read to look.
-- Arguments are plain text (checked here), so callers need no usage on sambatan_jobs.

create function public.sambatan_start_job(p_job text, p_triggered_by text default 'manual') returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform sambatan_private.require_permission('scheduled_job.execute');
  if p_triggered_by is not null and p_triggered_by not in ('cron', 'manual', 'retry') then
    perform sambatan_private.invalid('triggered_by', 'cron_manual_or_retry');
  end if;
  -- Only the service role (the cron hook) may claim to be cron or a retry.
  if p_triggered_by <> 'manual' and coalesce(auth.jwt() ->> 'role', '') <> 'service_role' then
    perform sambatan_private.invalid('triggered_by', 'manual_only');
  end if;
  return sambatan_jobs.execution_json(
    sambatan_jobs.job_start(p_job, coalesce(p_triggered_by, 'manual')::sambatan_jobs.job_trigger));
end
$$;
revoke execute on function public.sambatan_start_job(text, text) from public, anon, authenticated, service_role;
grant execute on function public.sambatan_start_job(text, text) to authenticated, service_role;

create function public.sambatan_run_job_batch(p_execution_id bigint) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform sambatan_private.require_permission('scheduled_job.execute');
  return sambatan_jobs.job_batch(p_execution_id);
end
$$;
revoke execute on function public.sambatan_run_job_batch(bigint) from public, anon, authenticated, service_role;
grant execute on function public.sambatan_run_job_batch(bigint) to authenticated, service_role;

create function public.sambatan_finish_job(p_execution_id bigint, p_error text default null) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform sambatan_private.require_permission('scheduled_job.execute');
  return sambatan_jobs.execution_json(sambatan_jobs.job_finish(p_execution_id, p_error));
end
$$;
revoke execute on function public.sambatan_finish_job(bigint, text) from public, anon, authenticated, service_role;
grant execute on function public.sambatan_finish_job(bigint, text) to authenticated, service_role;

-- [{job, triggered_by}] for the jobs the hook should run now.
create function public.sambatan_due_jobs() returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  perform sambatan_private.require_permission('scheduled_job.execute');
  return coalesce((select jsonb_agg(jsonb_build_object('job', d.r_job, 'triggered_by', d.r_triggered_by))
                     from sambatan_jobs.due_jobs() d), '[]');
end
$$;
revoke execute on function public.sambatan_due_jobs() from public, anon, authenticated, service_role;
grant execute on function public.sambatan_due_jobs() to authenticated, service_role;

create function sambatan_jobs.job_status_json(j sambatan_jobs.scheduled_jobs) returns jsonb
language sql stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'job', j.name,
    'description', j.description,
    'enabled', j.enabled,
    'schedule', j.schedule,
    'interval_minutes', sambatan_jobs.cron_interval_minutes(j.schedule, pg_catalog.clock_timestamp()),
    'is_running', j.lease_execution_id is not null and j.lease_expires_at > pg_catalog.clock_timestamp(),
    'running_execution_id', case when j.lease_expires_at > pg_catalog.clock_timestamp() then j.lease_execution_id end,
    'next_run_time', case when j.enabled then sambatan_private.iso(
        case when j.next_run_at > pg_catalog.clock_timestamp() then j.next_run_at
             else sambatan_jobs.cron_next(j.schedule, pg_catalog.clock_timestamp()) end) end,
    'next_retry_at', sambatan_private.iso(j.next_retry_at),
    'max_attempts', j.max_attempts,
    'backoff_seconds', j.backoff_seconds,
    'timeout_seconds', j.timeout_seconds,
    'retention_days', j.retention_days,
    'last_run', (select sambatan_jobs.execution_json(e) from sambatan_jobs.job_executions e
                  where e.job = j.name order by e.id desc limit 1))
$$;

-- {jobs: [...]} plus, for sambatan.lifecycle, the legacy fields at top level.
create function public.sambatan_job_status(p_job text default null) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_jobs jsonb;
  v_lifecycle jsonb;
begin
  perform sambatan_private.require_permission('scheduled_job.read');
  if p_job is not null and not exists (select 1 from sambatan_jobs.scheduled_jobs j where j.name = p_job) then
    perform sambatan_private.fail('SB013', 'JOB_NOT_FOUND', jsonb_build_object('job', p_job));
  end if;
  select coalesce(jsonb_agg(sambatan_jobs.job_status_json(j) order by j.name), '[]') into v_jobs
    from sambatan_jobs.scheduled_jobs j where p_job is null or j.name = p_job;
  select sambatan_jobs.job_status_json(j) into v_lifecycle from sambatan_jobs.scheduled_jobs j where j.name = 'sambatan.lifecycle';
  return jsonb_build_object(
    'jobs', v_jobs,
    'is_running', coalesce(v_lifecycle -> 'is_running', 'false'),
    'next_run_time', v_lifecycle -> 'next_run_time',
    'interval_minutes', v_lifecycle -> 'interval_minutes',
    'last_run', v_lifecycle -> 'last_run');
end
$$;
revoke execute on function public.sambatan_job_status(text) from public, anon, authenticated, service_role;
grant execute on function public.sambatan_job_status(text) to authenticated, service_role;

-- One keyset page of executions, newest first, by job and status.
create function public.sambatan_job_history(
  p_job text default null,
  p_status text default null,
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
begin
  perform sambatan_private.require_permission('scheduled_job.read');
  perform sambatan_private.check_limit(p_limit);
  if p_status is not null and p_status not in ('running', 'succeeded', 'failed', 'skipped') then
    perform sambatan_private.invalid('status', 'unknown');
  end if;
  v_after := sambatan_private.id_cursor(p_cursor);
  if p_job is not null and not exists (select 1 from sambatan_jobs.scheduled_jobs j where j.name = p_job) then
    perform sambatan_private.fail('SB013', 'JOB_NOT_FOUND', jsonb_build_object('job', p_job));
  end if;

  return (
    select sambatan_private.keyset_page(
             coalesce(jsonb_agg(sambatan_jobs.execution_json(s.e) order by (s.e).id desc), '[]'),
             coalesce(jsonb_agg(jsonb_build_array((s.e).id) order by (s.e).id desc), '[]'),
             p_limit)
      from (select e from sambatan_jobs.job_executions e
             where (p_job is null or e.job = p_job)
               and (p_status is null or e.status = p_status::sambatan_jobs.job_execution_status)
               and (v_after is null or e.id < v_after)
             order by e.id desc
             limit p_limit + 1) s);
end
$$;
revoke execute on function public.sambatan_job_history(text, text, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.sambatan_job_history(text, text, integer, text) to authenticated, service_role;

-- Pauses or resumes a job; a paused job is skipped by cron and refused by triggers.
create function public.sambatan_control_job(p_job text, p_action text) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job sambatan_jobs.scheduled_jobs;
begin
  perform sambatan_private.require_permission('scheduled_job.execute');
  if p_action is null or p_action not in ('pause', 'resume') then
    perform sambatan_private.invalid('action', 'pause_or_resume');
  end if;
  update sambatan_jobs.scheduled_jobs j
     set enabled = (p_action = 'resume'),
         next_run_at = case when p_action = 'resume' then sambatan_jobs.cron_next(j.schedule, pg_catalog.clock_timestamp()) else j.next_run_at end,
         next_retry_at = case when p_action = 'pause' then null else j.next_retry_at end,
         updated_at = pg_catalog.clock_timestamp()
   where j.name = p_job
  returning * into v_job;
  if not found then
    perform sambatan_private.fail('SB013', 'JOB_NOT_FOUND', jsonb_build_object('job', p_job));
  end if;
  return sambatan_jobs.job_status_json(v_job);
end
$$;
revoke execute on function public.sambatan_control_job(text, text) from public, anon, authenticated, service_role;
grant execute on function public.sambatan_control_job(text, text) to authenticated, service_role;