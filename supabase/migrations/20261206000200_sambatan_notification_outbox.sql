-- The notification outbox, written in the same transaction as the event's cause.
-- Every event that matters is already audited where it happens, so one trigger on
-- the audit log maps audit events to notification events: no verb changes, and a
-- verb added later is covered by its audit row. An event is stored only when an
-- active endpoint subscribes to its type, with one delivery row per endpoint; a
-- project without webhooks pays one probe of an empty index per mapped event.

create table public.notification_events (
  -- The Standard Webhooks message id (`webhook-id`), the same on every retry.
  id uuid primary key default gen_random_uuid(),
  type text not null check (char_length(type) between 1 and 64),
  campaign_id uuid,
  participation_id uuid,
  -- The buyer the event is about (participation events); never an address, note or email.
  user_id uuid,
  audit_log_id bigint,
  -- The body delivered, exactly: {id, type, timestamp, data}.
  payload jsonb not null,
  created_at timestamptz not null default now()
);
comment on table public.notification_events is 'Outbox: one row per notification event that an endpoint subscribed to.';
create index notification_events_created on public.notification_events (created_at);

create type public.webhook_delivery_status as enum ('pending', 'succeeded', 'retrying', 'dead');

create table public.webhook_deliveries (
  id bigint generated always as identity primary key,
  event_id uuid not null references public.notification_events (id) on delete cascade,
  endpoint_id uuid not null references public.webhook_endpoints (id) on delete cascade,
  event_type text not null,
  status public.webhook_delivery_status not null default 'pending',
  -- Attempts claimed so far (a claim that never reports back still counts).
  attempts integer not null default 0 check (attempts >= 0),
  -- When it is due; while claimed, when the claim's lease runs out.
  next_attempt_at timestamptz not null default now(),
  claimed_at timestamptz,
  -- The pg_net request of the in-database path, awaiting its response.
  net_request_id bigint,
  last_response_code integer,
  last_error text,
  -- Retries stop (dead) once the next one would fall past this plus the retry window.
  window_started_at timestamptz not null default now(),
  succeeded_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (event_id, endpoint_id)
);
comment on table public.webhook_deliveries is 'One event to one endpoint: pending -> succeeded | retrying | dead.';
-- Claims: an endpoint's due deliveries in order; expiry: those past their retry window.
create index webhook_deliveries_due on public.webhook_deliveries (endpoint_id, next_attempt_at) where status in ('pending', 'retrying');
create index webhook_deliveries_window on public.webhook_deliveries (window_started_at) where status in ('pending', 'retrying');
create index webhook_deliveries_endpoint on public.webhook_deliveries (endpoint_id, id desc);
create index webhook_deliveries_status on public.webhook_deliveries (status, id desc);
create index webhook_deliveries_event on public.webhook_deliveries (event_id);
create index webhook_deliveries_net on public.webhook_deliveries (net_request_id) where net_request_id is not null;

create table public.webhook_delivery_attempts (
  id bigint generated always as identity primary key,
  delivery_id bigint not null references public.webhook_deliveries (id) on delete cascade,
  attempt integer not null,
  status text not null check (status in ('succeeded', 'failed', 'timeout')),
  response_code integer,
  latency_ms integer,
  error text check (char_length(error) <= 500),
  -- Who made the request: the `lifecycle` function, or pg_net from the database.
  path text not null check (path in ('function', 'database')),
  created_at timestamptz not null default now()
);
comment on table public.webhook_delivery_attempts is 'Every HTTP attempt of every delivery: status, response code, latency, error.';
create index webhook_delivery_attempts_delivery on public.webhook_delivery_attempts (delivery_id, id);

alter table public.notification_events enable row level security;
alter table public.webhook_deliveries enable row level security;
alter table public.webhook_delivery_attempts enable row level security;
revoke all on table public.notification_events, public.webhook_deliveries, public.webhook_delivery_attempts
  from public, anon, authenticated, service_role;
grant select on table public.notification_events, public.webhook_deliveries, public.webhook_delivery_attempts
  to authenticated, service_role;
create policy notification_events_manager_read on public.notification_events for select to authenticated
  using ((select public.sambatan_has_permission('sambatan.manage')));
create policy webhook_deliveries_manager_read on public.webhook_deliveries for select to authenticated
  using ((select public.sambatan_has_permission('sambatan.manage')));
create policy webhook_delivery_attempts_manager_read on public.webhook_delivery_attempts for select to authenticated
  using ((select public.sambatan_has_permission('sambatan.manage')));
create policy notification_events_service_read on public.notification_events for select to service_role using (true);
create policy webhook_deliveries_service_read on public.webhook_deliveries for select to service_role using (true);
create policy webhook_delivery_attempts_service_read on public.webhook_delivery_attempts for select to service_role using (true);

-- Stores one event and a delivery for every active endpoint subscribed to its type;
-- null (and nothing written) when none is.
create function sambatan_private.enqueue_notification(
  p_type text, p_campaign_id uuid, p_participation_id uuid, p_user_id uuid, p_data jsonb,
  p_audit_log_id bigint, p_at timestamptz
) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid;
  v_now timestamptz := pg_catalog.clock_timestamp();
begin
  if not exists (select 1 from public.webhook_endpoints e where e.active and e.event_types @> array[p_type]) then
    return null;
  end if;
  v_id := gen_random_uuid();
  insert into public.notification_events (id, type, campaign_id, participation_id, user_id, audit_log_id, payload, created_at)
  values (v_id, p_type, p_campaign_id, p_participation_id, p_user_id, p_audit_log_id,
          jsonb_build_object('id', v_id, 'type', p_type, 'timestamp', sambatan_private.iso(p_at), 'data',
            jsonb_strip_nulls(jsonb_build_object('campaign_id', p_campaign_id, 'participation_id', p_participation_id,
                                                 'user_id', p_user_id)) || coalesce(p_data, '{}')),
          v_now);
  insert into public.webhook_deliveries (event_id, endpoint_id, event_type, next_attempt_at, window_started_at, created_at, updated_at)
  select v_id, e.id, p_type, v_now, v_now, v_now, v_now
    from public.webhook_endpoints e where e.active and e.event_types @> array[p_type];
  return v_id;
end
$$;

-- The audit facts a receiver may see: counts, amounts, reasons, ids, times. Anything
-- else (payment references, and whatever a later verb audits) stays out by default.
create function sambatan_private.notification_data(p_metadata jsonb) returns jsonb
language sql immutable
set search_path = ''
as $$
  select coalesce(pg_catalog.jsonb_object_agg(m.key, m.value), '{}')
    from pg_catalog.jsonb_each(p_metadata) m
   where m.key ~ '^(quantity|amount|filled_slots|total_slots|reason|refund_id|window|deadline|payment_due_at|entry_id|provider|tiers|from|to|participants_[a-z_]+|amount_[a-z_]+)$'
$$;

-- audit event -> notification type; a campaign-level `cancelled` is the organiser's
-- cancel (a participation's own cancel carries its id and is not notified).
create function sambatan_private.notification_type(p_event text, p_participation_id uuid) returns text
language sql immutable
set search_path = ''
as $$
  select case p_event
    when 'joined' then 'participation.joined'
    when 'paid' then 'participation.paid'
    when 'released' then 'participation.released'
    when 'payment_due_soon' then 'participation.payment_due_soon'
    when 'refund_owed' then 'refund.owed'
    when 'waitlist_offered' then 'waitlist.offered'
    when 'locked' then 'campaign.locked'
    when 'fulfilled' then 'campaign.fulfilled'
    when 'expired' then 'campaign.expired'
    when 'deadline_reminder' then 'campaign.deadline_soon'
    when 'cancelled' then case when p_participation_id is null then 'campaign.cancelled' end
  end
$$;

create function sambatan_private.outbox_from_audit() returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_type text := sambatan_private.notification_type(new.event, new.participation_id);
  v_user uuid;
begin
  if v_type is null
     or not exists (select 1 from public.webhook_endpoints e where e.active and e.event_types @> array[v_type]) then
    return null;
  end if;
  if new.participation_id is not null then
    select p.user_id into v_user from public.sambatan_participants p where p.id = new.participation_id;
  end if;
  perform sambatan_private.enqueue_notification(v_type, new.campaign_id, new.participation_id, v_user,
                                                sambatan_private.notification_data(new.metadata), new.id, new.created_at);
  return null;
end
$$;

-- The WHEN clause keeps every other audit event (created, confirmed, refunded…) from
-- calling the function at all.
create trigger sambatan_audit_logs_outbox
  after insert on public.sambatan_audit_logs
  for each row
  when (new.event in ('joined', 'paid', 'released', 'payment_due_soon', 'refund_owed', 'waitlist_offered',
                      'locked', 'fulfilled', 'expired', 'deadline_reminder')
        or (new.event = 'cancelled' and new.participation_id is null))
  execute function sambatan_private.outbox_from_audit();
