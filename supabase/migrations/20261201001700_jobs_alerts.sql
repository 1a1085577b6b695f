-- Failure alerts, signed with pgcrypto's HMAC (Supabase installs pgcrypto in
-- `extensions`; elsewhere this creates it there, and PGlite loads its build of it).
create extension if not exists pgcrypto with schema extensions;

-- Posts a signed JSON alert about a failed execution to the webhook configured in
-- Vault (sambatan_alert_webhook_url, signed with sambatan_alert_webhook_secret).
create function sambatan_jobs.alert_failure(p_execution sambatan_jobs.job_executions, p_will_retry boolean) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_url text;
  v_secret text;
  v_body jsonb;
begin
  select s.decrypted_secret into v_url from vault.decrypted_secrets s where s.name = 'sambatan_alert_webhook_url';
  if v_url is null then
    return;
  end if;
  select s.decrypted_secret into v_secret from vault.decrypted_secrets s where s.name = 'sambatan_alert_webhook_secret';
  v_body := jsonb_build_object('type', 'job.failed', 'execution', sambatan_jobs.execution_json(p_execution),
                               'will_retry', p_will_retry, 'sent_at', sambatan_private.iso(pg_catalog.clock_timestamp()));
  perform net.http_post(
    url := v_url,
    body := v_body,
    headers := jsonb_build_object(
      'Content-Type', 'application/json',
      'X-Sambatan-Signature', 'sha256=' || encode(extensions.hmac(convert_to(v_body::text, 'UTF8'),
                                                               convert_to(coalesce(v_secret, ''), 'UTF8'), 'sha256'), 'hex')));
end
$$;
