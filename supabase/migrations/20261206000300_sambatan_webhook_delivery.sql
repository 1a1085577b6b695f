-- Delivering the outbox (Standard Webhooks): claim due deliveries (skip locked, with
-- a lease), POST each outside any transaction, record the attempt. Two paths share
-- claim and record: the `lifecycle` function on Supabase (fetch with a timeout,
-- then record), and, where no hook is configured, this database through pg_net,
-- whose responses the next run collects from net._http_response.

insert into sambatan_private.settings (key, value) values
  ('webhook_timeout_ms', '10000'),
  ('webhook_retry_base_ms', '30000'),
  ('webhook_retry_max_delay_seconds', '21600'),
  ('webhook_retry_window_seconds', '86400'),
  ('webhook_batch_size', '20'),
  ('webhook_lease_margin_seconds', '60')
on conflict (key) do nothing;

-- A failing endpoint is paused as a whole (a circuit breaker): 10,000 deliveries to a
-- dead receiver cost one probe batch per pause, not 10,000 requests a minute. Each
-- pause lasts about as long as the endpoint has been failing (so pauses double),
-- between the retry base and the maximum delay; a success ends it.
create table sambatan_private.webhook_endpoint_health (
  endpoint_id uuid primary key references public.webhook_endpoints (id) on delete cascade,
  failing_since timestamptz not null,
  paused_until timestamptz not null
);
alter table sambatan_private.webhook_endpoint_health enable row level security;

-- `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the secret's base64 part.
create function sambatan_private.webhook_signature(p_secret text, p_id text, p_timestamp bigint, p_body text) returns text
language sql immutable
set search_path = ''
as $$
  select 'v1,' || pg_catalog.encode(extensions.hmac(
    pg_catalog.convert_to(p_id || '.' || p_timestamp::text || '.' || p_body, 'UTF8'),
    pg_catalog.decode(pg_catalog.substr(p_secret, 7), 'base64'), 'sha256'), 'base64')
$$;

-- Claims up to p_limit due deliveries of active endpoints: each counts an attempt and
-- is leased for its timeout plus a margin (a minute), so a runner lost mid-request leaves it due
-- again, never lost. Answers what to send, signed now.
create function sambatan_private.claim_deliveries(p_limit integer)
returns table (r_delivery_id bigint, r_attempt integer, r_url text, r_headers jsonb, r_body text, r_timeout_ms integer)
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := pg_catalog.clock_timestamp();
  v_timeout integer := sambatan_private.setting_int('webhook_timeout_ms', 10000);
  v_ts bigint := extract(epoch from v_now)::bigint;
begin
  -- Past the retry window without an attempt (their endpoint was paused): dead.
  update public.webhook_deliveries d
     set status = 'dead', last_error = coalesce(d.last_error, 'retry window passed'), updated_at = v_now
   where d.id in (select x.id from public.webhook_deliveries x
                   where x.status in ('pending', 'retrying')
                     and x.window_started_at < v_now - make_interval(secs => sambatan_private.setting_int('webhook_retry_window_seconds', 86400))
                     and x.next_attempt_at <= v_now
                   limit 1000
                     for update skip locked);
  return query
  -- Per endpoint that is active and not paused, its earliest due deliveries (an index
  -- range each), so a paused endpoint's backlog is never even read.
  with due as (
    select x.id, x.endpoint_id
      from public.webhook_endpoints e
     cross join lateral (
       select d.id, d.endpoint_id, d.next_attempt_at from public.webhook_deliveries d
        where d.endpoint_id = e.id and d.status in ('pending', 'retrying') and d.next_attempt_at <= v_now
        order by d.next_attempt_at
        limit greatest(p_limit, 1)
          for update of d skip locked) x
     where e.active
       and not exists (select 1 from sambatan_private.webhook_endpoint_health h
                        where h.endpoint_id = e.id and h.paused_until > v_now)
     order by x.next_attempt_at
     limit greatest(p_limit, 1)
  ), probing as (
    -- A failing endpoint's claim is its probe: nothing more goes to it until it answers.
    update sambatan_private.webhook_endpoint_health h
       set paused_until = v_now + make_interval(secs => v_timeout / 1000.0
                                               + sambatan_private.setting_int('webhook_lease_margin_seconds', 60))
     where h.endpoint_id in (select due.endpoint_id from due)
  ), claimed as (
    update public.webhook_deliveries d
       set attempts = d.attempts + 1, claimed_at = v_now, net_request_id = null, updated_at = v_now,
           next_attempt_at = v_now + make_interval(secs => v_timeout / 1000.0
                                                   + sambatan_private.setting_int('webhook_lease_margin_seconds', 60))
      from due where d.id = due.id
    returning d.id, d.attempts, d.event_id, d.endpoint_id
  )
  select c.id, c.attempts, e.url,
         jsonb_build_object('content-type', 'application/json', 'user-agent', 'Sambatan-Webhooks/1',
                            'webhook-id', ev.id::text, 'webhook-timestamp', v_ts::text,
                            'webhook-signature', sambatan_private.webhook_signature(s.secret, ev.id::text, v_ts, ev.payload::text)),
         ev.payload::text, v_timeout
    from claimed c
    join public.notification_events ev on ev.id = c.event_id
    join public.webhook_endpoints e on e.id = c.endpoint_id
    join sambatan_private.webhook_secrets s on s.endpoint_id = c.endpoint_id
   order by c.id;
end
$$;

-- Records one attempt's outcome: a 2xx succeeds the delivery (whichever attempt it
-- was); a failure of its latest attempt schedules the next with exponential backoff
-- and jitter, or `dead` once that would fall past the retry window. Answers the status.
create function sambatan_private.record_delivery(
  p_delivery_id bigint, p_attempt integer, p_response_code integer, p_error text, p_latency_ms integer, p_path text
) returns public.webhook_delivery_status
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := pg_catalog.clock_timestamp();
  v_delivery public.webhook_deliveries;
  v_ok boolean := p_response_code between 200 and 299;
  v_delay interval;
begin
  select * into v_delivery from public.webhook_deliveries d where d.id = p_delivery_id for update;
  if not found then
    perform sambatan_private.fail('SB018', 'WEBHOOK_DELIVERY_NOT_FOUND', jsonb_build_object('delivery_id', p_delivery_id));
  end if;
  insert into public.webhook_delivery_attempts (delivery_id, attempt, status, response_code, latency_ms, error, path, created_at)
  values (p_delivery_id, p_attempt,
          case when v_ok then 'succeeded' when p_response_code is null and p_error ilike '%timeout%' then 'timeout' else 'failed' end,
          p_response_code, greatest(p_latency_ms, 0), left(coalesce(p_error, case when not v_ok then 'HTTP ' || p_response_code end), 500),
          p_path, v_now);
  if v_delivery.status in ('succeeded', 'dead') then
    return v_delivery.status;
  end if;
  if v_ok then
    update public.webhook_deliveries d
       set status = 'succeeded', succeeded_at = v_now, last_response_code = p_response_code, last_error = null,
           net_request_id = null, updated_at = v_now
     where d.id = p_delivery_id;
    delete from sambatan_private.webhook_endpoint_health h where h.endpoint_id = v_delivery.endpoint_id;
    return 'succeeded'::public.webhook_delivery_status;
  end if;
  insert into sambatan_private.webhook_endpoint_health as h (endpoint_id, failing_since, paused_until)
  values (v_delivery.endpoint_id, v_now, v_now + make_interval(secs => sambatan_private.setting_int('webhook_retry_base_ms', 30000) / 1000.0))
  on conflict (endpoint_id) do update
     set paused_until = v_now + least(
           greatest(v_now - h.failing_since, make_interval(secs => sambatan_private.setting_int('webhook_retry_base_ms', 30000) / 1000.0)),
           make_interval(secs => sambatan_private.setting_int('webhook_retry_max_delay_seconds', 21600))) * (0.5 + random() / 2);
  if p_attempt <> v_delivery.attempts then
    -- A later attempt is already in flight; it decides what comes next.
    return v_delivery.status;
  end if;
  v_delay := make_interval(secs => least(
               sambatan_private.setting_int('webhook_retry_base_ms', 30000) / 1000.0 * power(2, least(p_attempt - 1, 30)),
               sambatan_private.setting_int('webhook_retry_max_delay_seconds', 21600)) * (0.5 + random() / 2));
  update public.webhook_deliveries d
     set status = case when v_now + v_delay > d.window_started_at
                            + make_interval(secs => sambatan_private.setting_int('webhook_retry_window_seconds', 86400))
                       then 'dead' else 'retrying' end::public.webhook_delivery_status,
         next_attempt_at = v_now + v_delay, last_response_code = p_response_code,
         last_error = left(coalesce(p_error, 'HTTP ' || p_response_code), 500), net_request_id = null, updated_at = v_now
   where d.id = p_delivery_id
  returning * into v_delivery;
  return v_delivery.status;
end
$$;

-- The running execution of notifications.deliver that holds its lease, or JOB_ALREADY_RUNNING.
create function sambatan_private.require_delivery_run(p_execution_id bigint) returns void
language plpgsql stable
set search_path = ''
as $$
begin
  if not exists (select 1 from sambatan_jobs.job_executions e
                   join sambatan_jobs.scheduled_jobs j on j.name = e.job
                  where e.id = p_execution_id and e.status = 'running' and j.name = 'notifications.deliver'
                    and j.lease_execution_id = e.id) then
    perform sambatan_private.fail('SB026', 'JOB_ALREADY_RUNNING',
      jsonb_build_object('job', 'notifications.deliver', 'reason', 'lease_lost', 'execution_id', p_execution_id));
  end if;
end
$$;

-- The function path, step one: [{delivery_id, attempt, url, headers, body, timeout_ms}].
create function public.sambatan_claim_deliveries(p_execution_id bigint, p_limit integer default null) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform sambatan_private.require_permission('scheduled_job.execute');
  perform sambatan_private.require_delivery_run(p_execution_id);
  return coalesce((select jsonb_agg(jsonb_build_object('delivery_id', c.r_delivery_id, 'attempt', c.r_attempt,
                     'url', c.r_url, 'headers', c.r_headers, 'body', c.r_body, 'timeout_ms', c.r_timeout_ms))
                     from sambatan_private.claim_deliveries(
                       least(coalesce(p_limit, sambatan_private.setting_int('webhook_batch_size', 20)), 100)) c), '[]');
end
$$;
revoke execute on function public.sambatan_claim_deliveries(bigint, integer) from public, anon, authenticated, service_role;
grant execute on function public.sambatan_claim_deliveries(bigint, integer) to authenticated, service_role;

-- The function path, step two: one attempt's outcome, counted in the execution's result.
create function public.sambatan_record_delivery(
  p_execution_id bigint, p_delivery_id bigint, p_attempt integer, p_response_code integer default null,
  p_error text default null, p_latency_ms integer default null
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_status public.webhook_delivery_status;
begin
  perform sambatan_private.require_permission('scheduled_job.execute');
  v_status := sambatan_private.record_delivery(p_delivery_id, p_attempt, p_response_code, p_error, p_latency_ms, 'function');
  update sambatan_jobs.job_executions e
     set result = sambatan_jobs.jsonb_add_counts(e.result, jsonb_build_object(
           'attempted', 1, 'delivered', (v_status = 'succeeded')::integer, 'dead', (v_status = 'dead')::integer))
   where e.id = p_execution_id;
  return jsonb_build_object('delivery_id', p_delivery_id, 'status', v_status);
end
$$;
revoke execute on function public.sambatan_record_delivery(bigint, bigint, integer, integer, text, integer) from public, anon, authenticated, service_role;
grant execute on function public.sambatan_record_delivery(bigint, bigint, integer, integer, text, integer) to authenticated, service_role;
