-- Running a job: start (take the lease, commit a `running` execution), batches (each
-- its own transaction), finish (record the outcome, release the lease, schedule a
-- retry with backoff). The lifecycle edge function and the in-database dispatcher
-- both drive these same three steps.

create function sambatan_jobs.execution_json(e sambatan_jobs.job_executions) returns jsonb
language sql immutable
set search_path = ''
as $$
  select case when e.id is null then null else pg_catalog.jsonb_build_object(
    'id', e.id, 'job', e.job, 'status', e.status, 'attempt', e.attempt, 'triggered_by', e.triggered_by,
    'started_at', sambatan_private.iso(e.started_at), 'finished_at', sambatan_private.iso(e.finished_at),
    'duration_ms', e.duration_ms, 'message', e.message, 'error', e.error, 'result', e.result) end
$$;

-- Takes the job's lease and opens a `running` execution. A second caller while the
-- lease is live gets JOB_ALREADY_RUNNING; a lease past its timeout is taken over and
-- its execution marked failed.
create function sambatan_jobs.job_start(p_job text, p_triggered_by sambatan_jobs.job_trigger)
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
      perform sambatan_private.fail('SB026', 'JOB_ALREADY_RUNNING',
        jsonb_build_object('job', p_job, 'execution_id', v_job.lease_execution_id));
    end if;
    update sambatan_jobs.job_executions e
       set status = 'failed', finished_at = v_now,
           duration_ms = (extract(epoch from v_now - e.started_at) * 1000)::integer,
           error = format('lease expired after %s s: the runner was lost; taken over', v_job.timeout_seconds)
     where e.id = v_job.lease_execution_id and e.status = 'running';
  end if;
  if p_triggered_by = 'retry' then
    v_attempt := coalesce(v_job.retry_attempt, 2);
  end if;

  insert into sambatan_jobs.job_executions (job, status, attempt, triggered_by, started_at)
  values (p_job, 'running', v_attempt, p_triggered_by, v_now)
  returning * into v_execution;

  update sambatan_jobs.scheduled_jobs j
     set lease_execution_id = v_execution.id,
         lease_expires_at = v_now + make_interval(secs => v_job.timeout_seconds),
         -- A run from any trigger supersedes a pending retry.
         next_retry_at = null,
         retry_attempt = null,
         next_run_at = case when p_triggered_by = 'cron' or j.next_run_at is null
                            then sambatan_jobs.cron_next(j.schedule, v_now) else j.next_run_at end,
         updated_at = v_now
   where j.name = p_job;
  return v_execution;
end
$$;

-- Adds the numbers of one batch's counts to the running totals.
create function sambatan_jobs.jsonb_add_counts(p_total jsonb, p_batch jsonb) returns jsonb
language sql immutable
set search_path = ''
as $$
  select coalesce(pg_catalog.jsonb_object_agg(k, coalesce((p_total ->> k)::numeric, 0) + coalesce((p_batch ->> k)::numeric, 0)), '{}')
    from (select pg_catalog.jsonb_object_keys(p_total) as k
          union
          select b.key from pg_catalog.jsonb_each(p_batch) b where pg_catalog.jsonb_typeof(b.value) = 'number') keys
$$;

-- Runs one batch of a running execution that still holds its job's lease. Returns
-- {done, ...counts}; done is also true once the job's time budget is used.
create function sambatan_jobs.job_batch(p_execution_id bigint) returns jsonb
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
  select * into v_job from sambatan_jobs.scheduled_jobs j where j.name = v_execution.job;
  if v_execution.status <> 'running' or v_job.lease_execution_id is distinct from p_execution_id then
    perform sambatan_private.fail('SB026', 'JOB_ALREADY_RUNNING',
      jsonb_build_object('job', v_job.name, 'reason', 'lease_lost', 'execution_id', p_execution_id));
  end if;

  execute format('select sambatan_private.%I($1, $2)', v_job.handler) into v_batch using p_execution_id, v_job.batch_size;
  v_done := coalesce((v_batch ->> 'done')::boolean, true)
            or v_now - v_execution.started_at > make_interval(secs => v_job.time_budget_seconds);

  update sambatan_jobs.job_executions e set result = sambatan_jobs.jsonb_add_counts(e.result, v_batch - 'done')
   where e.id = p_execution_id;
  -- Heartbeat: a runner that keeps finishing batches keeps its lease.
  update sambatan_jobs.scheduled_jobs j set lease_expires_at = pg_catalog.clock_timestamp() + make_interval(secs => j.timeout_seconds)
   where j.name = v_job.name;
  return (v_batch - 'done') || jsonb_build_object('done', v_done);
end
$$;

-- Closes an execution: succeeded, or failed with its error (then a retry is scheduled
-- with exponential backoff until max_attempts). Releases the lease.
create function sambatan_jobs.job_finish(p_execution_id bigint, p_error text default null)
returns sambatan_jobs.job_executions
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := pg_catalog.clock_timestamp();
  v_execution sambatan_jobs.job_executions;
  v_job sambatan_jobs.scheduled_jobs;
  v_retry boolean;
begin
  select * into v_execution from sambatan_jobs.job_executions e where e.id = p_execution_id for update;
  if not found then
    perform sambatan_private.fail('SB013', 'JOB_NOT_FOUND', jsonb_build_object('execution_id', p_execution_id));
  end if;
  select * into v_job from sambatan_jobs.scheduled_jobs j where j.name = v_execution.job for update;
  if v_execution.status <> 'running' then
    -- Already closed (e.g. taken over after its lease expired): nothing to do twice.
    return v_execution;
  end if;

  v_retry := p_error is not null and v_execution.attempt < v_job.max_attempts;
  update sambatan_jobs.job_executions e
     set status = case when p_error is null then 'succeeded' else 'failed' end::sambatan_jobs.job_execution_status,
         finished_at = v_now,
         duration_ms = (extract(epoch from v_now - e.started_at) * 1000)::integer,
         error = left(p_error, 2000),
         message = case
           when p_error is null then 'ok'
           when v_retry then format('attempt %s of %s failed; retrying', e.attempt, v_job.max_attempts)
           else format('attempt %s of %s failed; giving up', e.attempt, v_job.max_attempts) end
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

  if p_error is not null then
    perform sambatan_jobs.alert_failure(v_execution, v_retry);
  end if;
  return v_execution;
end
$$;

-- Jobs to run now: enabled, not leased, and either a retry whose backoff has passed
-- or a cron schedule that has come round. A missed tick just means a later run: the
-- jobs work from state, not from ticks.
create function sambatan_jobs.due_jobs() returns table (r_job text, r_triggered_by sambatan_jobs.job_trigger)
language sql stable
set search_path = ''
as $$
  select j.name,
         case when j.next_retry_at is not null and j.next_retry_at <= pg_catalog.clock_timestamp()
              then 'retry' else 'cron' end::sambatan_jobs.job_trigger
    from sambatan_jobs.scheduled_jobs j
   where j.enabled
     and (j.lease_execution_id is null or j.lease_expires_at <= pg_catalog.clock_timestamp())
     and ((j.next_retry_at is not null and j.next_retry_at <= pg_catalog.clock_timestamp())
          or coalesce(j.next_run_at, '-infinity') <= pg_catalog.clock_timestamp())
   order by j.name
$$;
