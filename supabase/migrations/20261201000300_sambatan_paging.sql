-- Keyset pages: opaque cursors, the limit rule, and the {items, next_cursor} answer
-- every list gives.

-- Opaque keyset cursors: base64url of a small JSON array. Decoding rejects anything
-- that is not one of ours with VALIDATION_FAILED.
create function sambatan_private.encode_cursor(p_key jsonb) returns text
language sql immutable
set search_path = ''
as $$
  select pg_catalog.rtrim(pg_catalog.translate(
    pg_catalog.encode(pg_catalog.convert_to(p_key::text, 'UTF8'), 'base64'), E'+/\n', '-_'), '=')
$$;

create function sambatan_private.decode_cursor(p_cursor text) returns jsonb
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
    perform sambatan_private.invalid('cursor', 'malformed');
  end if;
  v_b64 := translate(p_cursor, '-_', '+/');
  v_b64 := v_b64 || repeat('=', (4 - length(v_b64) % 4) % 4);
  begin
    v_key := convert_from(decode(v_b64, 'base64'), 'UTF8')::jsonb;
  exception when others then
    perform sambatan_private.invalid('cursor', 'malformed');
  end;
  if jsonb_typeof(v_key) <> 'array' then
    perform sambatan_private.invalid('cursor', 'malformed');
  end if;
  return v_key;
end
$$;

-- Page sizes are 1-100 everywhere.
create function sambatan_private.check_limit(p_limit integer) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if p_limit is null or p_limit not between 1 and 100 then
    perform sambatan_private.invalid('limit', 'range_1_100');
  end if;
end
$$;

-- The (created_at, id) position a time-ordered cursor holds; nulls without a cursor.
create function sambatan_private.time_cursor(p_cursor text, out r_at timestamptz, out r_id uuid)
language plpgsql immutable
set search_path = ''
as $$
declare
  v_key jsonb := sambatan_private.decode_cursor(p_cursor);
begin
  if v_key is null then
    return;
  end if;
  begin
    r_at := (v_key ->> 0)::timestamptz;
    r_id := (v_key ->> 1)::uuid;
  exception when others then
    perform sambatan_private.invalid('cursor', 'malformed');
  end;
  if r_at is null or r_id is null then
    perform sambatan_private.invalid('cursor', 'malformed');
  end if;
end
$$;

-- The id an id-ordered cursor holds; null without a cursor.
create function sambatan_private.id_cursor(p_cursor text) returns bigint
language plpgsql immutable
set search_path = ''
as $$
declare
  v_key jsonb := sambatan_private.decode_cursor(p_cursor);
  v_id bigint;
begin
  if v_key is null then
    return null;
  end if;
  begin
    v_id := (v_key ->> 0)::bigint;
  exception when others then
    perform sambatan_private.invalid('cursor', 'malformed');
  end;
  if v_id is null then
    perform sambatan_private.invalid('cursor', 'malformed');
  end if;
  return v_id;
end
$$;

-- Every list answers {items, next_cursor}: p_items holds up to p_limit + 1 items in
-- page order and p_keys their cursor keys; an extra item means there is a next page,
-- which starts after the last item shown.
create function sambatan_private.keyset_page(p_items jsonb, p_keys jsonb, p_limit integer) returns jsonb
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'items', case when pg_catalog.jsonb_array_length(p_items) > p_limit
                  then p_items - p_limit else p_items end,
    'next_cursor', case when pg_catalog.jsonb_array_length(p_items) > p_limit
                        then sambatan_private.encode_cursor(p_keys -> (p_limit - 1)) end)
$$;
