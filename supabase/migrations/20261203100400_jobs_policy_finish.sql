-- Closing a run under the policies: a failure past the deadline says it timed out,
-- the last allowed attempt is `dead` (no retry until an operator requeues it),
-- errors_only history keeps just the latest success, and a queue_one follow-up
-- starts in the same transaction that releases the lease, so nobody slips between.

create or replace function sambatan_jobs.job_finish(p_execution_id bigint, p_error text default null)
returns sambatan_jobs.job_executions
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := pg_catalog.clock_timestamp();
  v_execution sambatan_jobs.job_executions;
  v_job sambatan_jobs.scheduled_jobs;
  v_error text := p_error;
  v_retry boolean;
  v_dead boolean;
begin
  -- The job row first, then the execution: the order start and batch lock them in.
  select j.* into v_job from sambatan_jobs.scheduled_jobs j
   where j.name = (select e.job from sambatan_jobs.job_executions e where e.id = p_execution_id) for update;
  select * into v_execution from sambatan_jobs.job_executions e where e.id = p_execution_id for update;
  if v_execution.id is null then
    perform sambatan_private.fail('SB013', 'JOB_NOT_FOUND', jsonb_build_object('execution_id', p_execution_id));
  end if;
  if v_execution.status <> 'running' then
    -- Already closed (e.g. taken over after its lease expired): nothing to do twice.
    return v_execution;
  end if;

  if v_error is not null and v_execution.deadline_at <= v_now then
    v_error := format('timed out: the run passed its %s s limit (%s)',
                      extract(epoch from v_execution.deadline_at - v_execution.started_at)::integer, v_error);
  end if;
  v_dead := v_error is not null and v_execution.attempt >= v_job.max_attempts;
  v_retry := v_error is not null and not v_dead;
  update sambatan_jobs.job_executions e
     set status = case when v_error is null then 'succeeded' when v_dead then 'dead' else 'failed' end::sambatan_jobs.job_execution_status,
         finished_at = v_now,
         duration_ms = (extract(epoch from v_now - e.started_at) * 1000)::integer,
         error = left(v_error, 2000),
         message = case
           when v_error is null then 'ok'
           when v_retry then format('attempt %s of %s failed; retrying', e.attempt, v_job.max_attempts)
           else format('attempt %s of %s failed; dead: not retried until requeued', e.attempt, v_job.max_attempts) end
   where e.id = p_execution_id
  returning * into v_execution;

  update sambatan_jobs.scheduled_jobs j
     set lease_execution_id = null,
         lease_expires_at = null,
         next_retry_at = case when v_retry
           then v_now + make_interval(secs => j.backoff_seconds * power(2, v_execution.attempt - 1)) end,
         retry_attempt = case when v_retry then v_execution.attempt + 1 end,
         updated_at = v_now
   where j.name = v_job.name and j.lease_execution_id is not distinct from p_execution_id;

  if v_error is not null then
    perform sambatan_jobs.alert_failure(v_execution, v_retry);
  elsif v_job.history = 'errors_only' then
    delete from sambatan_jobs.job_executions e
     where e.job = v_job.name and e.status in ('succeeded', 'skipped') and e.id < p_execution_id;
  end if;

  -- A request queued during the run, or a cron tick that fell inside it.
  if v_job.overlap = 'queue_one' and v_job.enabled
     and (v_job.queued_at is not null or v_job.next_run_at <= v_now) then
    perform sambatan_jobs.job_start(v_job.name,
      case when v_job.queued_at is not null then v_job.queued_trigger else 'cron' end, false);
  end if;
  return v_execution;
end
$$;

-- Finishes a run and answers {execution, follow_up}: the queue_one follow-up that
-- finish started, which the same runner drives next. Only a run that still held the
-- lease can have one (the row lock is held from that check through finish), so a
-- runner whose run was taken over never picks up the taker's execution.
create function sambatan_jobs.finish_run(p_execution_id bigint, p_error text) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_job text;
  v_finished sambatan_jobs.job_executions;
  v_next sambatan_jobs.job_executions;
begin
  select j.name into v_job from sambatan_jobs.scheduled_jobs j where j.lease_execution_id = p_execution_id for update;
  v_finished := sambatan_jobs.job_finish(p_execution_id, p_error);
  if v_job is not null then
    select e.* into v_next from sambatan_jobs.scheduled_jobs j
      join sambatan_jobs.job_executions e on e.id = j.lease_execution_id
     where j.name = v_job and e.status = 'running';
  end if;
  return jsonb_build_object('execution', sambatan_jobs.execution_json(v_finished),
                            'follow_up', sambatan_jobs.execution_json(v_next));
end
$$;
