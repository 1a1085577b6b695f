-- The run steps under the per-job policies: start queues one follow-up instead of
-- refusing (overlap queue_one), batches run inside the run's hard limit with the
-- lease renewed first (heartbeat), finish marks the last failed attempt dead, trims
-- history (errors_only) and starts the queued follow-up in the same transaction.

-- Takes the job's lease and opens a `running` execution whose deadline is the job's
-- timeout from now. While a live lease is held: with overlap queue_one and p_queue,
-- records one queued request (a second is absorbed) and answers null; otherwise
-- JOB_ALREADY_RUNNING. A lease past its expiry is taken over, its execution failed.
create function sambatan_jobs.job_start(p_job text, p_triggered_by sambatan_jobs.job_trigger, p_queue boolean)
returns sambatan_jobs.job_executions
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := pg_catalog.clock_timestamp();
  v_job sambatan_jobs.scheduled_jobs;
  v_execution sambatan_jobs.job_executions;
  v_attempt integer := 1;
begin
  select * into v_job from sambatan_jobs.scheduled_jobs j where j.name = p_job for update;
  if not found then
    perform sambatan_private.fail('SB013', 'JOB_NOT_FOUND', jsonb_build_object('job', p_job));
  end if;
  if not v_job.enabled then
    perform sambatan_private.fail('SB027', 'JOB_PAUSED', jsonb_build_object('job', p_job));
  end if;
  if v_job.lease_execution_id is not null then
    if v_job.lease_expires_at > v_now then
      if v_job.overlap = 'queue_one' and p_queue then
        update sambatan_jobs.scheduled_jobs j
           set queued_at = coalesce(j.queued_at, v_now), queued_trigger = coalesce(j.queued_trigger, p_triggered_by)
         where j.name = p_job;
        return null;
      end if;
      perform sambatan_private.fail('SB026', 'JOB_ALREADY_RUNNING',
        jsonb_build_object('job', p_job, 'execution_id', v_job.lease_execution_id));
    end if;
    update sambatan_jobs.job_executions e
       set status = 'failed', finished_at = v_now,
           duration_ms = (extract(epoch from v_now - e.started_at) * 1000)::integer,
           error = case when e.deadline_at <= v_now
             then format('timed out: the run passed its %s s limit and its runner stopped; taken over',
                         extract(epoch from e.deadline_at - e.started_at)::integer)
             else format('lease expired: no heartbeat for %s s, the runner was lost; taken over', v_job.heartbeat_seconds) end
     where e.id = v_job.lease_execution_id and e.status = 'running';
  end if;
  if p_triggered_by = 'retry' then
    v_attempt := coalesce(v_job.retry_attempt, 2);
  end if;

  insert into sambatan_jobs.job_executions (job, status, attempt, triggered_by, started_at, deadline_at)
  values (p_job, 'running', v_attempt, p_triggered_by, v_now, v_now + make_interval(secs => v_job.timeout_seconds))
  returning * into v_execution;

  update sambatan_jobs.scheduled_jobs j
     set lease_execution_id = v_execution.id,
         lease_expires_at = least(v_now + make_interval(secs => j.heartbeat_seconds), v_execution.deadline_at),
         -- A run from any trigger supersedes a pending retry and answers a queued request.
         next_retry_at = null,
         retry_attempt = null,
         queued_at = null,
         queued_trigger = null,
         next_run_at = case when p_triggered_by = 'cron' or j.next_run_at is null
                            then sambatan_jobs.cron_next(j.schedule, v_now, j.time_zone) else j.next_run_at end,
         updated_at = v_now
   where j.name = p_job;
  return v_execution;
end
$$;

create or replace function sambatan_jobs.job_start(p_job text, p_triggered_by sambatan_jobs.job_trigger)
returns sambatan_jobs.job_executions
language plpgsql
set search_path = ''
as $$
begin
  return sambatan_jobs.job_start(p_job, p_triggered_by, true);
end
$$;

-- Runs one batch of a running execution that still holds its job's lease, and
-- refuses (JOB_TIMED_OUT) once the run is past its deadline. The heartbeat comes
-- first: it locks the job row, so a takeover waits for this batch and then finds the
-- lease renewed; it never extends past the deadline.
create or replace function sambatan_jobs.job_batch(p_execution_id bigint) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := pg_catalog.clock_timestamp();
  v_execution sambatan_jobs.job_executions;
  v_job sambatan_jobs.scheduled_jobs;
  v_batch jsonb;
  v_done boolean;
begin
  select * into v_execution from sambatan_jobs.job_executions e where e.id = p_execution_id;
  if not found then
    perform sambatan_private.fail('SB013', 'JOB_NOT_FOUND', jsonb_build_object('execution_id', p_execution_id));
  end if;
  update sambatan_jobs.scheduled_jobs j
     set lease_expires_at = least(v_now + make_interval(secs => j.heartbeat_seconds), coalesce(v_execution.deadline_at, 'infinity'))
   where j.name = v_execution.job and j.lease_execution_id = p_execution_id
  returning * into v_job;
  if v_job.name is null or v_execution.status <> 'running' then
    perform sambatan_private.fail('SB026', 'JOB_ALREADY_RUNNING',
      jsonb_build_object('job', v_execution.job, 'reason', 'lease_lost', 'execution_id', p_execution_id));
  end if;
  if v_execution.deadline_at <= v_now then
    perform sambatan_private.fail('SB071', 'JOB_TIMED_OUT', jsonb_build_object('job', v_job.name,
      'execution_id', p_execution_id, 'timeout_seconds', extract(epoch from v_execution.deadline_at - v_execution.started_at)::integer));
  end if;

  execute format('select sambatan_private.%I($1, $2)', v_job.handler) into v_batch using p_execution_id, v_job.batch_size;
  v_done := coalesce((v_batch ->> 'done')::boolean, true)
            or v_now - v_execution.started_at > make_interval(secs => v_job.time_budget_seconds);

  update sambatan_jobs.job_executions e set result = sambatan_jobs.jsonb_add_counts(e.result, v_batch - 'done')
   where e.id = p_execution_id;
  -- Heartbeat again, so the gap until the runner's next batch is covered too.
  update sambatan_jobs.scheduled_jobs j
     set lease_expires_at = least(pg_catalog.clock_timestamp() + make_interval(secs => j.heartbeat_seconds),
                                  coalesce(v_execution.deadline_at, 'infinity'))
   where j.name = v_job.name;
  return (v_batch - 'done') || jsonb_build_object('done', v_done);
end
$$;
