-- Sambatan's own namespace for everything apps do not call: helpers, settings and
-- internal tables. No client role gets usage on it, so nothing in it is reachable
-- through the API, whatever the function defaults of the project are. The name is
-- ours alone: a project's own `private` schema is left as it is.

create schema sambatan_private;
comment on schema sambatan_private is 'Sambatan internals: helpers, settings, internal tables. Not exposed to API roles.';

-- Every RPC reads time here, so a test database can move the clock with
-- `set sambatan.clock_offset = '2 days'` while production, which never sets it, reads now().
create function sambatan_private.clock() returns timestamptz
language sql stable
set search_path = ''
as $$
  select pg_catalog.now()
    + coalesce(nullif(pg_catalog.current_setting('sambatan.clock_offset', true), '')::interval, interval '0')
$$;

-- Runtime settings that operators (and benchmarks) change without a deploy.
create table sambatan_private.settings (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null default now()
);
alter table sambatan_private.settings enable row level security;
insert into sambatan_private.settings (key, value) values
  ('join_rate_limit_per_minute', '10'),
  ('idempotency_retention_hours', '24');

create function sambatan_private.setting_int(p_key text, p_default integer) returns integer
language sql stable
set search_path = ''
as $$
  select coalesce((select (s.value #>> '{}')::integer from sambatan_private.settings s where s.key = p_key), p_default)
$$;

-- Raises a domain error: its own SQLSTATE in class SB, the machine code as message,
-- and details as a JSON object in DETAIL (shared/errors.ts maps all three).
create function sambatan_private.fail(p_sqlstate text, p_code text, p_details jsonb default null) returns void
language plpgsql
set search_path = ''
as $$
begin
  raise exception using errcode = p_sqlstate, message = p_code, detail = coalesce(p_details::text, '');
end
$$;

create function sambatan_private.invalid(p_field text, p_reason text) returns void
language sql
set search_path = ''
as $$
  select sambatan_private.fail('SB003', 'VALIDATION_FAILED',
    pg_catalog.jsonb_build_object('field', p_field, 'reason', p_reason))
$$;

-- ISO 8601 in UTC with milliseconds, the API's timestamp format.
create function sambatan_private.iso(p_at timestamptz) returns text
language sql immutable
set search_path = ''
as $$
  select pg_catalog.to_char(p_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
