-- Liveness of the database for the `health` function (no auth: it reveals nothing).

create function public.sambatan_health() returns jsonb
language sql stable
security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('status', 'ok', 'time', sambatan_private.iso(pg_catalog.clock_timestamp()))
$$;
revoke execute on function public.sambatan_health() from public, anon, authenticated, service_role;
grant execute on function public.sambatan_health() to anon, authenticated, service_role;
