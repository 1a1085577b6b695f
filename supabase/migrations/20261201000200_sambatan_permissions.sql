-- Who the caller is and what they may do, from the JWT only. The permission test is
-- in public (prefixed) because RLS policies evaluate it as the client role, which has
-- no usage on sambatan_private.

-- True for a service-role caller, an admin, or a user whose JWT app_metadata grants the permission.
create function public.sambatan_has_permission(p_permission text) returns boolean
language sql stable
security definer
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
revoke execute on function public.sambatan_has_permission(text) from public, anon, authenticated, service_role;
grant execute on function public.sambatan_has_permission(text) to anon, authenticated, service_role;

create function sambatan_private.require_permission(p_permission text) returns void
language plpgsql stable
set search_path = ''
as $$
begin
  if public.sambatan_has_permission(p_permission) then
    return;
  end if;
  if auth.uid() is null then
    perform sambatan_private.fail('SB001', 'UNAUTHENTICATED');
  end if;
  perform sambatan_private.fail('SB002', 'FORBIDDEN', jsonb_build_object('permission', p_permission));
end
$$;

-- The calling buyer; service-role keys are not buyers.
create function sambatan_private.require_user() returns uuid
language plpgsql stable
set search_path = ''
as $$
declare
  v_user uuid := auth.uid();
begin
  if v_user is null then
    if auth.jwt() ->> 'role' = 'service_role' then
      perform sambatan_private.fail('SB002', 'FORBIDDEN', '{"reason":"user_required"}');
    end if;
    perform sambatan_private.fail('SB001', 'UNAUTHENTICATED');
  end if;
  return v_user;
end
$$;
