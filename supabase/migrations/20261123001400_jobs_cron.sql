-- pg_cron fires one named job every five minutes. When Vault holds the lifecycle
-- hook's URL and a secret key, the job posts to the `lifecycle` edge function through
-- pg_net, which runs the due jobs; otherwise it runs them right here, committing
-- between start, each batch and finish so status and other callers see progress.

-- Posts to the lifecycle hook if it is configured (and anything is due); true when
-- the hook is configured, so the caller leaves the work to it.
create function private.post_to_lifecycle_hook() returns boolean
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
  if exists (select 1 from private.due_jobs()) then
    perform net.http_post(
      url := v_url,
      body := jsonb_build_object('source', 'pg_cron', 'sent_at', private.iso(pg_catalog.clock_timestamp())),
      headers := jsonb_build_object('Content-Type', 'application/json', 'apikey', v_key),
      timeout_milliseconds := 120000);
  end if;
  return true;
end
$$;

create function private.finish_in_database(p_execution_id bigint, p_error text) returns void
language sql
set search_path = ''
as $$
  select private.job_finish(p_execution_id, p_error);
  update public.job_executions e
     set message = e.message || ' (ran in the database: no lifecycle hook configured in Vault)'
   where e.id = p_execution_id;
$$;

-- The command pg_cron runs: an anonymous block, because only a top-level block (or a
-- procedure without a SET clause, which the security advisors rightly flag) may commit.
create function private.dispatch_command() returns text
language sql immutable
set search_path = ''
as $cmd$
  select $dispatch$do $do$
declare
  v_due record;
  v_execution bigint;
  v_step record;
begin
  if private.post_to_lifecycle_hook() then
    return;
  end if;
  for v_due in select d.r_job, d.r_triggered_by from private.due_jobs() d loop
    v_execution := private.try_job_start(v_due.r_job, v_due.r_triggered_by);
    continue when v_execution is null;
    commit;
    loop
      select b.r_done, b.r_error into v_step from private.try_job_batch(v_execution) b;
      commit;
      exit when v_step.r_done;
    end loop;
    perform private.finish_in_database(v_execution, v_step.r_error);
    commit;
  end loop;
end
$do$$dispatch$
$cmd$;

revoke execute on all functions in schema private from public, anon, authenticated, service_role;
grant execute on function private.has_permission(text) to anon, authenticated, service_role;

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
    perform cron.schedule('sambatan-dispatch', '*/5 * * * *', private.dispatch_command());
  end if;
end
$$;
