-- Webhook subscriptions: where a shop's systems want events, which types, and the
-- signing secret the server generates (Standard Webhooks `whsec_` + base64). The
-- secret lives in sambatan_private and is shown once, by webhooks-create; managers
-- read endpoints through RLS without it.

create table public.webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  url text not null check (char_length(url) between 8 and 2000 and url ~ '^https?://[^\s/]+'),
  description text not null default '' check (char_length(description) <= 500),
  event_types text[] not null check (cardinality(event_types) between 1 and 20),
  active boolean not null default true,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.webhook_endpoints is 'Receivers of signed notification events (Standard Webhooks); secrets are kept apart.';
-- The outbox trigger's one probe per event: is any active endpoint subscribed to it?
create index webhook_endpoints_active_types on public.webhook_endpoints using gin (event_types) where active;

create table sambatan_private.webhook_secrets (
  endpoint_id uuid primary key references public.webhook_endpoints (id) on delete cascade,
  secret text not null check (secret ~ '^whsec_[A-Za-z0-9+/]+={0,2}$')
);
alter table sambatan_private.webhook_secrets enable row level security;

alter table public.webhook_endpoints enable row level security;
revoke all on table public.webhook_endpoints from public, anon, authenticated, service_role;
grant select on table public.webhook_endpoints to authenticated, service_role;
create policy webhook_endpoints_manager_read on public.webhook_endpoints for select to authenticated
  using ((select public.sambatan_has_permission('sambatan.manage')));
create policy webhook_endpoints_service_read on public.webhook_endpoints for select to service_role using (true);

-- Every event type a subscription may name (docs/API.md lists what each carries).
create function sambatan_private.notification_event_types() returns text[]
language sql immutable
set search_path = ''
as $$
  select array['campaign.locked', 'campaign.fulfilled', 'campaign.expired', 'campaign.cancelled',
               'campaign.deadline_soon', 'participation.joined', 'participation.paid',
               'participation.payment_due_soon', 'participation.released', 'waitlist.offered',
               'refund.owed', 'job.failed']
$$;

create function sambatan_private.webhook_endpoint_json(e public.webhook_endpoints) returns jsonb
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', e.id, 'url', e.url, 'description', e.description, 'event_types', pg_catalog.to_jsonb(e.event_types),
    'active', e.active, 'created_by', e.created_by,
    'created_at', sambatan_private.iso(e.created_at), 'updated_at', sambatan_private.iso(e.updated_at))
$$;

-- Checks a URL and a description; null arguments are not checked (update).
create function sambatan_private.check_webhook_input(p_url text, p_description text) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if p_url is not null and (char_length(p_url) not between 8 and 2000 or p_url !~ '^https?://[^\s/?#]+(/[^\s]*)?$') then
    perform sambatan_private.invalid('url', 'http_or_https_url');
  end if;
  if p_description is not null and char_length(p_description) > 500 then
    perform sambatan_private.invalid('description', 'max_500');
  end if;
end
$$;

-- A JSON array of 1-20 known event types, as a sorted set; null stays null.
create function sambatan_private.event_types_from(p_types jsonb) returns text[]
language plpgsql immutable
set search_path = ''
as $$
declare
  v_types text[];
begin
  if p_types is null then
    return null;
  end if;
  -- A driver that binds JSON text to a jsonb parameter sends it as a JSON string.
  if jsonb_typeof(p_types) = 'string' then
    begin
      p_types := (p_types #>> '{}')::jsonb;
    exception when others then
      perform sambatan_private.invalid('event_types', 'array_of_1_to_20_event_types');
    end;
  end if;
  if jsonb_typeof(p_types) <> 'array' or jsonb_array_length(p_types) not between 1 and 20
     or exists (select 1 from jsonb_array_elements(p_types) t where jsonb_typeof(t) <> 'string') then
    perform sambatan_private.invalid('event_types', 'array_of_1_to_20_event_types');
  end if;
  select array_agg(distinct t order by t) into v_types from jsonb_array_elements_text(p_types) t;
  if not v_types <@ sambatan_private.notification_event_types() then
    perform sambatan_private.invalid('event_types', 'unknown_event_type');
  end if;
  return v_types;
end
$$;

-- Creates an endpoint and answers it with its secret: the only time the secret is shown.
create function public.create_webhook_endpoint(p_url text, p_event_types jsonb, p_description text default null) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints;
  v_secret text := 'whsec_' || encode(extensions.gen_random_bytes(32), 'base64');
begin
  perform sambatan_private.require_permission('sambatan.manage');
  if p_url is null then
    perform sambatan_private.invalid('url', 'required');
  end if;
  if p_event_types is null then
    perform sambatan_private.invalid('event_types', 'required');
  end if;
  perform sambatan_private.check_webhook_input(p_url, p_description);
  insert into public.webhook_endpoints (url, description, event_types, created_by, created_at, updated_at)
  values (p_url, coalesce(p_description, ''), sambatan_private.event_types_from(p_event_types),
          auth.uid(), sambatan_private.clock(), sambatan_private.clock())
  returning * into v_endpoint;
  insert into sambatan_private.webhook_secrets (endpoint_id, secret) values (v_endpoint.id, v_secret);
  return sambatan_private.webhook_endpoint_json(v_endpoint) || jsonb_build_object('secret', v_secret);
end
$$;
revoke execute on function public.create_webhook_endpoint(text, jsonb, text) from public, anon, authenticated, service_role;
grant execute on function public.create_webhook_endpoint(text, jsonb, text) to authenticated, service_role;

-- Every endpoint, newest first (a shop has a handful: no paging).
create function public.list_webhook_endpoints() returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
begin
  perform sambatan_private.require_permission('sambatan.manage');
  return jsonb_build_object('items', coalesce((
    select jsonb_agg(sambatan_private.webhook_endpoint_json(e) order by e.created_at desc, e.id desc)
      from public.webhook_endpoints e), '[]'));
end
$$;
revoke execute on function public.list_webhook_endpoints() from public, anon, authenticated, service_role;
grant execute on function public.list_webhook_endpoints() to authenticated, service_role;

-- Changes url, event types, description or active; null leaves a field as it is.
-- Deactivating stops new events and pauses its pending deliveries (they stay due).
create function public.update_webhook_endpoint(
  p_endpoint_id uuid, p_url text default null, p_event_types jsonb default null,
  p_description text default null, p_active boolean default null
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints;
begin
  perform sambatan_private.require_permission('sambatan.manage');
  if p_endpoint_id is null then
    perform sambatan_private.invalid('endpoint_id', 'required');
  end if;
  perform sambatan_private.check_webhook_input(p_url, p_description);
  update public.webhook_endpoints e
     set url = coalesce(p_url, e.url),
         event_types = coalesce(sambatan_private.event_types_from(p_event_types), e.event_types),
         description = coalesce(p_description, e.description),
         active = coalesce(p_active, e.active),
         updated_at = sambatan_private.clock()
   where e.id = p_endpoint_id
  returning * into v_endpoint;
  if not found then
    perform sambatan_private.fail('SB017', 'WEBHOOK_ENDPOINT_NOT_FOUND', jsonb_build_object('endpoint_id', p_endpoint_id));
  end if;
  -- A changed endpoint gets a fresh start (the pause of a failing one is in the delivery migration).
  delete from sambatan_private.webhook_endpoint_health h where h.endpoint_id = p_endpoint_id;
  return sambatan_private.webhook_endpoint_json(v_endpoint);
end
$$;
revoke execute on function public.update_webhook_endpoint(uuid, text, jsonb, text, boolean) from public, anon, authenticated, service_role;
grant execute on function public.update_webhook_endpoint(uuid, text, jsonb, text, boolean) to authenticated, service_role;

-- Deletes an endpoint with its secret and its delivery history; events stay.
create function public.delete_webhook_endpoint(p_endpoint_id uuid) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_endpoint public.webhook_endpoints;
begin
  perform sambatan_private.require_permission('sambatan.manage');
  if p_endpoint_id is null then
    perform sambatan_private.invalid('endpoint_id', 'required');
  end if;
  delete from public.webhook_endpoints e where e.id = p_endpoint_id returning * into v_endpoint;
  if not found then
    perform sambatan_private.fail('SB017', 'WEBHOOK_ENDPOINT_NOT_FOUND', jsonb_build_object('endpoint_id', p_endpoint_id));
  end if;
  return jsonb_build_object('id', v_endpoint.id, 'deleted', true);
end
$$;
revoke execute on function public.delete_webhook_endpoint(uuid) from public, anon, authenticated, service_role;
grant execute on function public.delete_webhook_endpoint(uuid) to authenticated, service_role;
