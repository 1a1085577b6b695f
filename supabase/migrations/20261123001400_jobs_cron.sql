-- pg_cron fires one named job every five minutes; its dispatch posts to the
-- `lifecycle` edge function through pg_net when the hook URL and a secret key are in
-- Vault, and otherwise runs the due jobs right here, committing between steps.

-- No SET clause (it would forbid the commits of run_due_jobs); names are qualified.
create procedure private.dispatch_jobs()
language plpgsql
as $$
declare
  v_url text;
  v_key text;
begin
  select s.decrypted_secret into v_url from vault.decrypted_secrets s where s.name = 'sambatan_lifecycle_url';
  select s.decrypted_secret into v_key from vault.decrypted_secrets s where s.name = 'sambatan_secret_key';
  if v_url is not null and v_key is not null then
    if exists (select 1 from private.due_jobs()) then
      perform net.http_post(
        url := v_url,
        body := jsonb_build_object('source', 'pg_cron', 'sent_at', private.iso(pg_catalog.clock_timestamp())),
        headers := jsonb_build_object('Content-Type', 'application/json', 'apikey', v_key),
        timeout_milliseconds := 120000);
    end if;
    return;
  end if;
  call private.run_due_jobs();
end
$$;
revoke execute on procedure private.dispatch_jobs() from public, anon, authenticated, service_role;

-- Re-runnable: cron.schedule upserts by name. Only where pg_cron can live (it is
-- installed in the one database named by cron.database_name); PGlite has none, and
-- its local stack runs a ticker instead.
do $$
begin
  if exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_net') then
    create extension if not exists pg_net;
  end if;
  if exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_cron')
     and current_database() = coalesce(nullif(current_setting('cron.database_name', true), ''), 'postgres') then
    create extension if not exists pg_cron;
    perform cron.schedule('sambatan-dispatch', '*/5 * * * *', 'call private.dispatch_jobs()');
  end if;
end
$$;
