-- Operators set a job's run policies without SQL (scheduler-control, action
-- `configure`), and run a dead execution again (scheduler-requeue).

drop function public.sambatan_control_job(text, text);

-- Pauses or resumes a job, or sets its policies from p_settings: overlap,
-- timeout_seconds, heartbeat_seconds, history, alert_after_seconds (null: off),
-- max_attempts, retention_days. Each is checked here (VALIDATION_FAILED, nothing set).
create function public.sambatan_control_job(p_job text, p_action text, p_settings jsonb default null) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_job sambatan_jobs.scheduled_jobs;
  v_key text;
  v_value jsonb;
  v_ok boolean;
begin
  perform sambatan_private.require_permission('scheduled_job.execute');
  if p_action is null or p_action not in ('pause', 'resume', 'configure') then
    perform sambatan_private.invalid('action', 'pause_resume_or_configure');
  end if;
  if p_action = 'configure' then
    if p_settings is null or jsonb_typeof(p_settings) <> 'object' or p_settings = '{}' then
      perform sambatan_private.invalid('settings', 'required');
    end if;
    for v_key, v_value in select s.key, s.value from jsonb_each(p_settings) s loop
      v_ok := case v_key
        when 'overlap' then v_value in ('"skip"', '"queue_one"')
        when 'history' then v_value in ('"all"', '"errors_only"')
        when 'timeout_seconds' then sambatan_jobs.int_setting(v_value, 1, 86400)
        when 'heartbeat_seconds' then sambatan_jobs.int_setting(v_value, 1, 3600)
        when 'alert_after_seconds' then v_value = 'null' or sambatan_jobs.int_setting(v_value, 60, 31536000)
        when 'max_attempts' then sambatan_jobs.int_setting(v_value, 1, 10)
        when 'retention_days' then sambatan_jobs.int_setting(v_value, 1, 3650)
        else false end;
      if not v_ok then
        perform sambatan_private.invalid('settings.' || left(v_key, 40), case when v_key in
          ('overlap', 'history', 'timeout_seconds', 'heartbeat_seconds', 'alert_after_seconds', 'max_attempts', 'retention_days')
          then 'out_of_range' else 'unknown' end);
      end if;
    end loop;
  elsif p_settings is not null then
    perform sambatan_private.invalid('settings', 'only_with_configure');
  end if;

  update sambatan_jobs.scheduled_jobs j
     set enabled = case p_action when 'configure' then j.enabled else p_action = 'resume' end,
         next_run_at = case when p_action = 'resume' then sambatan_jobs.cron_next(j.schedule, pg_catalog.clock_timestamp(), j.time_zone) else j.next_run_at end,
         next_retry_at = case when p_action = 'pause' then null else j.next_retry_at end,
         queued_at = case when p_action = 'pause' then null else j.queued_at end,
         queued_trigger = case when p_action = 'pause' then null else j.queued_trigger end,
         overlap = coalesce(p_settings ->> 'overlap', j.overlap),
         history = coalesce(p_settings ->> 'history', j.history),
         timeout_seconds = coalesce((p_settings ->> 'timeout_seconds')::integer, j.timeout_seconds),
         heartbeat_seconds = coalesce((p_settings ->> 'heartbeat_seconds')::integer, j.heartbeat_seconds),
         max_attempts = coalesce((p_settings ->> 'max_attempts')::integer, j.max_attempts),
         retention_days = coalesce((p_settings ->> 'retention_days')::integer, j.retention_days),
         alert_after = case when p_settings ? 'alert_after_seconds'
           then make_interval(secs => (p_settings ->> 'alert_after_seconds')::integer) else j.alert_after end,
         updated_at = pg_catalog.clock_timestamp()
   where j.name = p_job
  returning * into v_job;
  if not found then
    perform sambatan_private.fail('SB013', 'JOB_NOT_FOUND', jsonb_build_object('job', p_job));
  end if;
  return sambatan_jobs.job_status_json(v_job);
end
$$;
revoke execute on function public.sambatan_control_job(text, text, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.sambatan_control_job(text, text, jsonb) to authenticated, service_role;

-- True when p_value is a JSON integer within [p_min, p_max].
create function sambatan_jobs.int_setting(p_value jsonb, p_min integer, p_max integer) returns boolean
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_typeof(p_value) = 'number'
     and (p_value #>> '{}')::numeric = trunc((p_value #>> '{}')::numeric)
     and (p_value #>> '{}')::numeric between p_min and p_max
$$;

-- Starts a new run (attempt 1, triggered_by requeue) of a dead execution's job and
-- answers it for the caller to drive; EXECUTION_NOT_DEAD when it is not dead or was
-- requeued already, JOB_ALREADY_RUNNING / JOB_PAUSED as any start.
create function public.sambatan_requeue_job(p_execution_id bigint) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_dead sambatan_jobs.job_executions;
  v_execution sambatan_jobs.job_executions;
begin
  perform sambatan_private.require_permission('scheduled_job.execute');
  select * into v_dead from sambatan_jobs.job_executions e where e.id = p_execution_id for update;
  if not found then
    perform sambatan_private.fail('SB013', 'JOB_NOT_FOUND', jsonb_build_object('execution_id', p_execution_id));
  end if;
  if v_dead.status <> 'dead' then
    perform sambatan_private.fail('SB070', 'EXECUTION_NOT_DEAD',
      jsonb_build_object('execution_id', p_execution_id, 'status', v_dead.status));
  end if;
  if exists (select 1 from sambatan_jobs.job_executions e where e.requeue_of = p_execution_id) then
    perform sambatan_private.fail('SB070', 'EXECUTION_NOT_DEAD', jsonb_build_object('execution_id', p_execution_id,
      'requeued_as', (select e.id from sambatan_jobs.job_executions e where e.requeue_of = p_execution_id)));
  end if;
  v_execution := sambatan_jobs.job_start(v_dead.job, 'requeue', false);
  update sambatan_jobs.job_executions e set requeue_of = p_execution_id where e.id = v_execution.id
  returning * into v_execution;
  return sambatan_jobs.execution_json(v_execution);
end
$$;
revoke execute on function public.sambatan_requeue_job(bigint) from public, anon, authenticated, service_role;
grant execute on function public.sambatan_requeue_job(bigint) to authenticated, service_role;
