-- Private helpers: the clock, permissions, errors and JSON shapes. The schema is
-- not exposed by the API; only what RLS policies need is granted to client roles.

create schema private;
revoke all on schema private from public;
grant usage on schema private to anon, authenticated, service_role;

-- Every RPC reads time here, so a test database can move the clock with
-- `set sambatan.clock_offset = '2 days'` while production, which never sets it, reads now().
create function private.clock() returns timestamptz
language sql stable
set search_path = ''
as $$
  select pg_catalog.now()
    + coalesce(nullif(pg_catalog.current_setting('sambatan.clock_offset', true), '')::interval, interval '0')
$$;

-- Runtime settings that operators (and benchmarks) change without a deploy.
create table private.settings (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null default now()
);
alter table private.settings enable row level security;
insert into private.settings (key, value) values
  ('join_rate_limit_per_minute', '10'),
  ('idempotency_retention_hours', '24');

create function private.setting_int(p_key text, p_default integer) returns integer
language sql stable
set search_path = ''
as $$
  select coalesce((select (s.value #>> '{}')::integer from private.settings s where s.key = p_key), p_default)
$$;

-- True for a service-role caller, an admin, or a user whose JWT app_metadata grants the permission.
create function private.has_permission(p_permission text) returns boolean
language sql stable
set search_path = ''
as $$
  select coalesce(
    auth.jwt() ->> 'role' = 'service_role'
    or auth.jwt() -> 'app_metadata' ->> 'role' = 'admin'
    or (
      pg_catalog.jsonb_typeof(auth.jwt() -> 'app_metadata' -> 'permissions') = 'array'
      and (auth.jwt() -> 'app_metadata' -> 'permissions') ? p_permission
    ),
    false)
$$;
revoke all on function private.has_permission(text) from public;
grant execute on function private.has_permission(text) to anon, authenticated, service_role;

-- Raises a domain error: its own SQLSTATE in class SB, the machine code as message,
-- and details as a JSON object in DETAIL (shared/errors.ts maps all three).
create function private.fail(p_sqlstate text, p_code text, p_details jsonb default null) returns void
language plpgsql
set search_path = ''
as $$
begin
  raise exception using errcode = p_sqlstate, message = p_code, detail = coalesce(p_details::text, '');
end
$$;

create function private.require_permission(p_permission text) returns void
language plpgsql stable
set search_path = ''
as $$
begin
  if private.has_permission(p_permission) then
    return;
  end if;
  if auth.uid() is null then
    perform private.fail('SB001', 'UNAUTHENTICATED');
  end if;
  perform private.fail('SB002', 'FORBIDDEN', jsonb_build_object('permission', p_permission));
end
$$;

-- The calling buyer; service-role keys are not buyers.
create function private.require_user() returns uuid
language plpgsql stable
set search_path = ''
as $$
declare
  v_user uuid := auth.uid();
begin
  if v_user is null then
    if auth.jwt() ->> 'role' = 'service_role' then
      perform private.fail('SB002', 'FORBIDDEN', '{"reason":"user_required"}');
    end if;
    perform private.fail('SB001', 'UNAUTHENTICATED');
  end if;
  return v_user;
end
$$;

create function private.invalid(p_field text, p_reason text) returns void
language sql
set search_path = ''
as $$
  select private.fail('SB003', 'VALIDATION_FAILED',
    pg_catalog.jsonb_build_object('field', p_field, 'reason', p_reason))
$$;

-- ISO 8601 in UTC with milliseconds, the API's timestamp format.
create function private.iso(p_at timestamptz) returns text
language sql immutable
set search_path = ''
as $$
  select pg_catalog.to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- Opaque keyset cursors: base64url of a small JSON array. Decoding rejects anything
-- that is not one of ours with VALIDATION_FAILED.
create function private.encode_cursor(p_key jsonb) returns text
language sql immutable
set search_path = ''
as $$
  select pg_catalog.rtrim(pg_catalog.translate(
    pg_catalog.encode(pg_catalog.convert_to(p_key::text, 'UTF8'), 'base64'), E'+/\n', '-_'), '=')
$$;

create function private.decode_cursor(p_cursor text) returns jsonb
language plpgsql immutable
set search_path = ''
as $$
declare
  v_b64 text;
  v_key jsonb;
begin
  if p_cursor is null then
    return null;
  end if;
  if char_length(p_cursor) not between 1 and 512 or p_cursor !~ '^[A-Za-z0-9_-]+$' then
    perform private.invalid('cursor', 'malformed');
  end if;
  v_b64 := translate(p_cursor, '-_', '+/');
  v_b64 := v_b64 || repeat('=', (4 - length(v_b64) % 4) % 4);
  begin
    v_key := convert_from(decode(v_b64, 'base64'), 'UTF8')::jsonb;
  exception when others then
    perform private.invalid('cursor', 'malformed');
  end;
  if jsonb_typeof(v_key) <> 'array' then
    perform private.invalid('cursor', 'malformed');
  end if;
  return v_key;
end
$$;

-- Page sizes are 1-100 everywhere.
create function private.check_limit(p_limit integer) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if p_limit is null or p_limit not between 1 and 100 then
    perform private.invalid('limit', 'range_1_100');
  end if;
end
$$;

-- The (created_at, id) position a time-ordered cursor holds; nulls without a cursor.
create function private.time_cursor(p_cursor text, out r_at timestamptz, out r_id uuid)
language plpgsql immutable
set search_path = ''
as $$
declare
  v_key jsonb := private.decode_cursor(p_cursor);
begin
  if v_key is null then
    return;
  end if;
  begin
    r_at := (v_key ->> 0)::timestamptz;
    r_id := (v_key ->> 1)::uuid;
  exception when others then
    perform private.invalid('cursor', 'malformed');
  end;
  if r_at is null or r_id is null then
    perform private.invalid('cursor', 'malformed');
  end if;
end
$$;

-- The id an id-ordered cursor holds; null without a cursor.
create function private.id_cursor(p_cursor text) returns bigint
language plpgsql immutable
set search_path = ''
as $$
declare
  v_key jsonb := private.decode_cursor(p_cursor);
  v_id bigint;
begin
  if v_key is null then
    return null;
  end if;
  begin
    v_id := (v_key ->> 0)::bigint;
  exception when others then
    perform private.invalid('cursor', 'malformed');
  end;
  if v_id is null then
    perform private.invalid('cursor', 'malformed');
  end if;
  return v_id;
end
$$;

create function private.campaign_json(c public.sambatan_campaigns) returns jsonb
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', c.id,
    'product_id', c.product_id,
    'title', c.title,
    'status', c.status,
    'total_slots', c.total_slots,
    'filled_slots', c.filled_slots,
    'available_slots', c.total_slots - c.filled_slots,
    'progress_percent', c.progress_percent,
    'price_per_slot', c.price_per_slot,
    'deadline', private.iso(c.deadline),
    'created_by', c.created_by,
    'created_at', private.iso(c.created_at),
    'updated_at', private.iso(c.updated_at),
    'locked_at', private.iso(c.locked_at),
    'fulfilled_at', private.iso(c.fulfilled_at),
    'expired_at', private.iso(c.expired_at),
    'cancelled_at', private.iso(c.cancelled_at))
$$;

create function private.participation_json(p public.sambatan_participants) returns jsonb
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', p.id,
    'campaign_id', p.campaign_id,
    'user_id', p.user_id,
    'quantity', p.quantity,
    'amount', p.amount,
    'status', p.status,
    'shipping_address', p.shipping_address,
    'note', p.note,
    'created_at', private.iso(p.created_at),
    'updated_at', private.iso(p.updated_at),
    'cancelled_at', private.iso(p.cancelled_at),
    'cancel_reason', p.cancel_reason)
$$;

create function private.product_json(p public.products) returns jsonb
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', p.id,
    'name', p.name,
    'base_price', p.base_price,
    'sambatan_enabled', p.sambatan_enabled,
    'sambatan_total_slots', p.sambatan_total_slots,
    'sambatan_price_per_slot', p.sambatan_price_per_slot,
    'sambatan_deadline', private.iso(p.sambatan_deadline),
    'created_at', private.iso(p.created_at),
    'updated_at', private.iso(p.updated_at))
$$;

-- Appends one audit event as the current caller.
create function private.audit(
  p_campaign_id uuid, p_event text, p_metadata jsonb default '{}', p_participation_id uuid default null
) returns void
language sql
set search_path = ''
as $$
  insert into public.sambatan_audit_logs (campaign_id, participation_id, event, actor, actor_role, metadata, created_at)
  values (p_campaign_id, p_participation_id, p_event, auth.uid(), coalesce(auth.jwt() ->> 'role', current_user::text),
          coalesce(p_metadata, '{}'), private.clock())
$$;

-- The campaign, or CAMPAIGN_NOT_FOUND.
create function private.find_campaign(p_campaign_id uuid) returns public.sambatan_campaigns
language plpgsql stable
set search_path = ''
as $$
declare
  v_campaign public.sambatan_campaigns;
begin
  select * into v_campaign from public.sambatan_campaigns c where c.id = p_campaign_id;
  if not found then
    perform private.fail('SB011', 'CAMPAIGN_NOT_FOUND', jsonb_build_object('campaign_id', p_campaign_id));
  end if;
  return v_campaign;
end
$$;

-- Every list answers {items, next_cursor}.
create function private.page(p_items jsonb, p_next_cursor text) returns jsonb
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('items', coalesce(p_items, '[]'::jsonb), 'next_cursor', p_next_cursor)
$$;
