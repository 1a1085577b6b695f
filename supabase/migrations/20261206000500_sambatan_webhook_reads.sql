-- Delivery history and redelivery for managers (sambatan.manage).

create function sambatan_private.webhook_delivery_json(d public.webhook_deliveries) returns jsonb
language sql stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', d.id, 'event_id', d.event_id, 'endpoint_id', d.endpoint_id, 'event_type', d.event_type,
    'status', d.status, 'attempts', d.attempts,
    'next_attempt_at', case when d.status in ('pending', 'retrying') then sambatan_private.iso(d.next_attempt_at) end,
    'last_response_code', d.last_response_code, 'last_error', d.last_error,
    'succeeded_at', sambatan_private.iso(d.succeeded_at),
    'created_at', sambatan_private.iso(d.created_at), 'updated_at', sambatan_private.iso(d.updated_at),
    'payload', (select ev.payload from public.notification_events ev where ev.id = d.event_id),
    'history', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                  'attempt', a.attempt, 'status', a.status, 'response_code', a.response_code,
                  'latency_ms', a.latency_ms, 'error', a.error, 'path', a.path,
                  'created_at', sambatan_private.iso(a.created_at)) order by a.id)
                from (select * from public.webhook_delivery_attempts a where a.delivery_id = d.id
                       order by a.id desc limit 50) a), '[]'))
$$;

-- One keyset page of deliveries, newest first, by endpoint, status and event type.
create function public.list_webhook_deliveries(
  p_endpoint_id uuid default null, p_status text default null, p_event_type text default null,
  p_limit integer default 20, p_cursor text default null
) returns jsonb
language plpgsql stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_after bigint;
begin
  perform sambatan_private.require_permission('sambatan.manage');
  perform sambatan_private.check_limit(p_limit);
  if p_status is not null and p_status not in ('pending', 'succeeded', 'retrying', 'dead') then
    perform sambatan_private.invalid('status', 'unknown');
  end if;
  if p_event_type is not null and not p_event_type = any (sambatan_private.notification_event_types()) then
    perform sambatan_private.invalid('event_type', 'unknown');
  end if;
  v_after := sambatan_private.id_cursor(p_cursor);
  if p_endpoint_id is not null and not exists (select 1 from public.webhook_endpoints e where e.id = p_endpoint_id) then
    perform sambatan_private.fail('SB017', 'WEBHOOK_ENDPOINT_NOT_FOUND', jsonb_build_object('endpoint_id', p_endpoint_id));
  end if;
  return (
    select sambatan_private.keyset_page(
             coalesce(jsonb_agg(sambatan_private.webhook_delivery_json(s.d) order by (s.d).id desc), '[]'),
             coalesce(jsonb_agg(jsonb_build_array((s.d).id) order by (s.d).id desc), '[]'),
             p_limit)
      from (select d from public.webhook_deliveries d
             where (p_endpoint_id is null or d.endpoint_id = p_endpoint_id)
               and (p_status is null or d.status = p_status::public.webhook_delivery_status)
               and (p_event_type is null or d.event_type = p_event_type)
               and (v_after is null or d.id < v_after)
             order by d.id desc
             limit p_limit + 1) s);
end
$$;
revoke execute on function public.list_webhook_deliveries(uuid, text, text, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.list_webhook_deliveries(uuid, text, text, integer, text) to authenticated, service_role;

-- Makes deliveries due now with a fresh retry window: one delivery (whatever its
-- status: a receiver that lost one may ask again; webhook-id stays the same), or
-- every dead delivery of an endpoint. One of the two, not both.
create function public.redeliver_webhooks(p_delivery_id bigint default null, p_endpoint_id uuid default null) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := pg_catalog.clock_timestamp();
  v_count integer;
begin
  perform sambatan_private.require_permission('sambatan.manage');
  if (p_delivery_id is null) = (p_endpoint_id is null) then
    perform sambatan_private.invalid('delivery_id', 'delivery_id_or_endpoint_id');
  end if;
  if p_endpoint_id is not null and not exists (select 1 from public.webhook_endpoints e where e.id = p_endpoint_id) then
    perform sambatan_private.fail('SB017', 'WEBHOOK_ENDPOINT_NOT_FOUND', jsonb_build_object('endpoint_id', p_endpoint_id));
  end if;
  update public.webhook_deliveries d
     set status = 'pending', next_attempt_at = v_now, window_started_at = v_now, net_request_id = null, updated_at = v_now
   where d.id = p_delivery_id or (d.endpoint_id = p_endpoint_id and d.status = 'dead');
  get diagnostics v_count = row_count;
  -- A manager asking again ends the endpoint's pause.
  delete from sambatan_private.webhook_endpoint_health h
   where h.endpoint_id = coalesce(p_endpoint_id, (select d.endpoint_id from public.webhook_deliveries d where d.id = p_delivery_id));
  if p_delivery_id is not null and v_count = 0 then
    perform sambatan_private.fail('SB018', 'WEBHOOK_DELIVERY_NOT_FOUND', jsonb_build_object('delivery_id', p_delivery_id));
  end if;
  return jsonb_build_object('redelivered', v_count);
end
$$;
revoke execute on function public.redeliver_webhooks(bigint, uuid) from public, anon, authenticated, service_role;
grant execute on function public.redeliver_webhooks(bigint, uuid) to authenticated, service_role;
