-- The in-database runner under the run policies: every pass first posts due
-- `job.stale` alerts, a queue_one follow-up started by a finish is driven next by
-- the same loop, and a start that only queued (the job was running) moves on.
-- A single batch here cannot be cut short by statement_timeout: the whole loop is
-- one top-level statement, whose timer PostgreSQL arms once when it starts (a SET
-- inside, even between commits, changes nothing until the next statement). So here
-- the limit is enforced between batches (JOB_TIMED_OUT) and by the lease, which
-- never outlives the deadline; the function runners also bound each batch.

drop function sambatan_jobs.finish_in_database(bigint, text);

-- Finishes a run the dispatcher drove; answers the follow-up run to drive next, if any.
create function sambatan_jobs.finish_in_database(p_execution_id bigint, p_error text) returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_run jsonb := sambatan_jobs.finish_run(p_execution_id, p_error);
begin
  update sambatan_jobs.job_executions e
     set message = e.message || ' (ran in the database: no lifecycle hook configured in Vault)'
   where e.id = p_execution_id;
  return (v_run -> 'follow_up' ->> 'id')::bigint;
end
$$;

create or replace function sambatan_jobs.dispatch_step(p_state jsonb) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_queue jsonb;
  v_execution bigint := (p_state ->> 'execution')::bigint;
  v_batch jsonb;
  v_next bigint;
begin
  if p_state is null then
    perform sambatan_jobs.alert_stale();
    if sambatan_jobs.post_to_lifecycle_hook() then
      return null;
    end if;
    select coalesce(jsonb_agg(jsonb_build_array(d.r_job, d.r_triggered_by) order by d.r_job), '[]')
      into v_queue from sambatan_jobs.due_jobs() d;
    return jsonb_build_object('queue', v_queue);
  end if;

  if v_execution is not null then
    begin
      v_batch := sambatan_jobs.job_batch(v_execution);
    exception when others then
      v_next := sambatan_jobs.finish_in_database(v_execution, sqlerrm);
      return jsonb_strip_nulls(p_state || jsonb_build_object('execution', v_next));
    end;
    if coalesce((v_batch ->> 'done')::boolean, true) then
      v_next := sambatan_jobs.finish_in_database(v_execution, null);
      return jsonb_strip_nulls(p_state || jsonb_build_object('execution', v_next));
    end if;
    return p_state;
  end if;

  v_queue := coalesce(p_state -> 'queue', '[]');
  if jsonb_array_length(v_queue) = 0 then
    return null;
  end if;
  begin
    -- Null when a queue_one job was running: the request is queued with it.
    v_execution := (sambatan_jobs.job_start(v_queue -> 0 ->> 0, (v_queue -> 0 ->> 1)::sambatan_jobs.job_trigger)).id;
  exception when sqlstate 'SB026' or sqlstate 'SB027' then
    v_execution := null;
  end;
  return jsonb_strip_nulls(jsonb_build_object('queue', v_queue - 0, 'execution', v_execution));
end
$$;
