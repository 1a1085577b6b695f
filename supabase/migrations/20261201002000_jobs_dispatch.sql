-- pg_cron fires one named job every five minutes. When Vault holds the lifecycle
-- hook's URL and a secret key, the job posts to the `lifecycle` edge function through
-- pg_net, which runs the due jobs; otherwise it runs them right here, committing
-- after start, each batch and finish so status and other callers see progress.

-- Posts to the lifecycle hook if it is configured (and anything is due); true when
-- the hook is configured, so the caller leaves the work to it.
create function sambatan_jobs.post_to_lifecycle_hook() returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_url text;
  v_key text;
begin
  select s.decrypted_secret into v_url from vault.decrypted_secrets s where s.name = 'sambatan_lifecycle_url';
  select s.decrypted_secret into v_key from vault.decrypted_secrets s where s.name = 'sambatan_secret_key';
  if v_url is null or v_key is null then
    return false;
  end if;
  if exists (select 1 from sambatan_jobs.due_jobs()) then
    perform net.http_post(
      url := v_url,
      body := jsonb_build_object('source', 'pg_cron', 'sent_at', sambatan_private.iso(pg_catalog.clock_timestamp())),
      headers := jsonb_build_object('Content-Type', 'application/json', 'apikey', v_key),
      timeout_milliseconds := 120000);
  end if;
  return true;
end
$$;

create function sambatan_jobs.finish_in_database(p_execution_id bigint, p_error text) returns void
language sql
set search_path = ''
as $$
  select sambatan_jobs.job_finish(p_execution_id, p_error);
  update sambatan_jobs.job_executions e
     set message = e.message || ' (ran in the database: no lifecycle hook configured in Vault)'
   where e.id = p_execution_id;
$$;

-- One step of the in-database runner; the caller commits after each, so every step
-- is its own transaction and status and other callers see the run as it goes.
-- p_state carries the run between steps: {"queue": [[job, triggered_by], ...],
-- "execution": id of the run in progress}. The first step (null state) posts to the
-- hook when one is configured, or else queues the due jobs; null is returned when
-- nothing is left. A job someone else now holds (JOB_ALREADY_RUNNING) or that was
-- paused meanwhile (JOB_PAUSED) is skipped; any other error while starting is raised,
-- so pg_cron records the failure. A batch that throws fails its execution (with the
-- error, and a retry if attempts remain) and the runner goes on with the next job.
create function sambatan_jobs.dispatch_step(p_state jsonb) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_queue jsonb;
  v_execution bigint := (p_state ->> 'execution')::bigint;
  v_batch jsonb;
begin
  if p_state is null then
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
      perform sambatan_jobs.finish_in_database(v_execution, sqlerrm);
      return p_state - 'execution';
    end;
    if coalesce((v_batch ->> 'done')::boolean, true) then
      perform sambatan_jobs.finish_in_database(v_execution, null);
      return p_state - 'execution';
    end if;
    return p_state;
  end if;

  v_queue := coalesce(p_state -> 'queue', '[]');
  if jsonb_array_length(v_queue) = 0 then
    return null;
  end if;
  begin
    v_execution := (sambatan_jobs.job_start(v_queue -> 0 ->> 0, (v_queue -> 0 ->> 1)::sambatan_jobs.job_trigger)).id;
  exception when sqlstate 'SB026' or sqlstate 'SB027' then
    v_execution := null;
  end;
  return jsonb_strip_nulls(jsonb_build_object('queue', v_queue - 0, 'execution', v_execution));
end
$$;

-- The command pg_cron runs. Only a top-level block may commit (a procedure may too,
-- but not one with the SET search_path the advisors require), so the block is just
-- the loop; every decision is in dispatch_step above, which the linter checks.
create function sambatan_jobs.dispatch_command() returns text
language sql immutable
set search_path = ''
as $cmd$
  select 'do $do$ declare v_state jsonb; begin loop v_state := sambatan_jobs.dispatch_step(v_state); '
      || 'exit when v_state is null; commit; end loop; end $do$'
$cmd$;

-- Re-runnable: cron.schedule upserts by name. Only where pg_cron can live (it is
-- installed in the one database named by cron.database_name); PGlite has none, and
-- its local stack runs a ticker instead.
do $$
begin
  if exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_net') then
    create extension if not exists pg_net with schema extensions;
  end if;
  if exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_cron')
     and current_database() = coalesce(nullif(current_setting('cron.database_name', true), ''), 'postgres') then
    create extension if not exists pg_cron with schema pg_catalog;
    perform cron.schedule('sambatan-dispatch', '*/5 * * * *', sambatan_jobs.dispatch_command());
  end if;
end
$$;
