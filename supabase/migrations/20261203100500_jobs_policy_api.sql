-- The jobs API under the run policies: start answers {queued: true, …} when a
-- queue_one job was running, finish carries the follow-up run to drive next, status
-- and history show the policies and the dead state, and control sets the policies.

create or replace function public.sambatan_start_job(p_job text, p_triggered_by text default 'manual') returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_execution sambatan_jobs.job_executions;
begin
  perform sambatan_private.require_permission('scheduled_job.execute');
  if p_triggered_by is not null and p_triggered_by not in ('cron', 'manual', 'retry') then
    perform sambatan_private.invalid('triggered_by', 'cron_manual_or_retry');
  end if;
  -- Only the service role (the cron hook) may claim to be cron or a retry.
  if p_triggered_by <> 'manual' and coalesce(auth.jwt() ->> 'role', '') <> 'service_role' then
    perform sambatan_private.invalid('triggered_by', 'manual_only');
  end if;
  v_execution := sambatan_jobs.job_start(p_job, coalesce(p_triggered_by, 'manual')::sambatan_jobs.job_trigger);
  if v_execution.id is null then
    return (select jsonb_build_object('queued', true, 'job', j.name, 'running_execution_id', j.lease_execution_id,
                                      'queued_at', sambatan_private.iso(j.queued_at))
              from sambatan_jobs.scheduled_jobs j where j.name = p_job);
  end if;
  return sambatan_jobs.execution_json(v_execution);
end
$$;

-- The finished execution, plus `follow_up`: the queued run this runner drives next (or null).
create or replace function public.sambatan_finish_job(p_execution_id bigint, p_error text default null) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_run jsonb;
begin
  perform sambatan_private.require_permission('scheduled_job.execute');
  v_run := sambatan_jobs.finish_run(p_execution_id, p_error);
  return (v_run -> 'execution') || jsonb_build_object('follow_up', v_run -> 'follow_up');
end
$$;

-- [{job, triggered_by}] for the jobs the hook should run now; first posts any
-- `job.stale` alert that is due, so the hook checks silence on every tick.
create or replace function public.sambatan_due_jobs() returns jsonb
language plpgsql volatile
security definer
set search_path = ''
as $$
begin
  perform sambatan_private.require_permission('scheduled_job.execute');
  perform sambatan_jobs.alert_stale();
  return coalesce((select jsonb_agg(jsonb_build_object('job', d.r_job, 'triggered_by', d.r_triggered_by))
                     from sambatan_jobs.due_jobs() d), '[]');
end
$$;

create or replace function sambatan_jobs.job_status_json(j sambatan_jobs.scheduled_jobs) returns jsonb
language sql stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'job', j.name,
    'description', j.description,
    'enabled', j.enabled,
    'schedule', j.schedule,
    'time_zone', j.time_zone,
    'interval_minutes', sambatan_jobs.cron_interval_minutes(j.schedule, pg_catalog.clock_timestamp(), j.time_zone),
    'is_running', j.lease_execution_id is not null and j.lease_expires_at > pg_catalog.clock_timestamp(),
    'running_execution_id', case when j.lease_expires_at > pg_catalog.clock_timestamp() then j.lease_execution_id end,
    'next_run_time', case when j.enabled then sambatan_private.iso(
        case when j.next_run_at > pg_catalog.clock_timestamp() then j.next_run_at
             else sambatan_jobs.cron_next(j.schedule, pg_catalog.clock_timestamp(), j.time_zone) end) end,
    'next_runs', case when j.enabled then sambatan_jobs.next_runs(j.schedule, pg_catalog.clock_timestamp(), j.time_zone, 5)
                      else '[]'::jsonb end,
    'next_retry_at', sambatan_private.iso(j.next_retry_at),
    'max_attempts', j.max_attempts,
    'backoff_seconds', j.backoff_seconds,
    'timeout_seconds', j.timeout_seconds,
    'heartbeat_seconds', j.heartbeat_seconds,
    'overlap', j.overlap,
    'queued_at', sambatan_private.iso(j.queued_at),
    'history', j.history,
    'retention_days', j.retention_days,
    'alert_after_seconds', extract(epoch from j.alert_after)::integer,
    'stale_alerted_at', sambatan_private.iso(j.stale_alerted_at),
    'last_success_at', (select sambatan_private.iso(max(e.finished_at)) from sambatan_jobs.job_executions e
                         where e.job = j.name and e.status = 'succeeded'),
    'dead_executions', (select count(*) from sambatan_jobs.job_executions e
                         where e.job = j.name and e.status = 'dead'
                           and not exists (select 1 from sambatan_jobs.job_executions r where r.requeue_of = e.id)),
    'last_run', (select sambatan_jobs.execution_json(e) from sambatan_jobs.job_executions e
                  where e.job = j.name order by e.id desc limit 1))
$$;

-- One keyset page of executions, newest first, by job and status (now also `dead`).
create or replace function public.sambatan_job_history(
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
  if p_status is not null and p_status not in ('running', 'succeeded', 'failed', 'dead', 'skipped') then
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

revoke execute on function public.sambatan_start_job(text, text) from public, anon, authenticated, service_role;
grant execute on function public.sambatan_start_job(text, text) to authenticated, service_role;
revoke execute on function public.sambatan_finish_job(bigint, text) from public, anon, authenticated, service_role;
grant execute on function public.sambatan_finish_job(bigint, text) to authenticated, service_role;
revoke execute on function public.sambatan_due_jobs() from public, anon, authenticated, service_role;
grant execute on function public.sambatan_due_jobs() to authenticated, service_role;
revoke execute on function public.sambatan_job_history(text, text, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.sambatan_job_history(text, text, integer, text) to authenticated, service_role;
