-- Who may call which verb. Functions are executable by PUBLIC by default, so every
-- grant starts from a revoke; the domain checks inside each RPC come on top.

revoke execute on all functions in schema public from public, anon, authenticated, service_role;
revoke execute on all functions in schema private from public, anon, authenticated, service_role;
grant execute on function private.has_permission(text) to anon, authenticated, service_role;

-- Public reads.
grant execute on function public.health() to anon, authenticated, service_role;
grant execute on function public.list_campaigns(public.sambatan_status, uuid, integer, text) to anon, authenticated, service_role;
grant execute on function public.get_campaign(uuid) to anon, authenticated, service_role;
grant execute on function public.get_sambatan_campaign_progress(uuid) to anon, authenticated, service_role;

-- Buyers (a service-role caller is refused inside: it is not a buyer).
grant execute on function public.join_campaign(uuid, integer, text, text, text) to authenticated, service_role;
grant execute on function public.my_participations(public.sambatan_participant_status, integer, text) to authenticated, service_role;
grant execute on function public.cancel_participation(uuid, text) to authenticated, service_role;

-- Managers (sambatan.manage, checked inside) and the service role.
grant execute on function public.create_campaign(uuid, text, integer, bigint, timestamptz) to authenticated, service_role;
grant execute on function public.toggle_product_sambatan(uuid, boolean, integer, bigint, timestamptz) to authenticated, service_role;
grant execute on function public.campaign_audit(uuid, integer, text) to authenticated, service_role;
grant execute on function public.dashboard_summary() to authenticated, service_role;

-- Operators only.
grant execute on function public.run_sambatan_lifecycle(integer) to service_role;
grant execute on function public.check_sambatan_deadlines() to service_role;
grant execute on function public.complete_sambatan_campaign(uuid) to service_role;
grant execute on function public.fail_sambatan_campaign(uuid, text) to service_role;
