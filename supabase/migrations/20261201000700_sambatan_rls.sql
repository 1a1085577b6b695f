-- Row level security on every table. Clients read through these policies and write
-- only through the RPCs. Grants are explicit: new tables are not granted to the API
-- roles by default, and we revoke first so the result is the same on older projects.

alter table public.products enable row level security;
alter table public.sambatan_campaigns enable row level security;
alter table public.sambatan_participants enable row level security;
alter table public.sambatan_audit_logs enable row level security;

revoke all on table public.products, public.sambatan_campaigns,
  public.sambatan_participants, public.sambatan_audit_logs from public, anon, authenticated, service_role;

grant select on table public.products, public.sambatan_campaigns to anon, authenticated, service_role;
grant select on table public.sambatan_participants, public.sambatan_audit_logs to authenticated, service_role;

create policy products_public_read on public.products
  for select to anon, authenticated using (true);

create policy campaigns_public_read on public.sambatan_campaigns
  for select to anon, authenticated using (true);

-- A buyer sees only their own participations; managers see all.
create policy participants_owner_or_manager_read on public.sambatan_participants
  for select to authenticated
  using (user_id = (select auth.uid()) or (select public.sambatan_has_permission('sambatan.manage')));

create policy audit_manager_read on public.sambatan_audit_logs
  for select to authenticated
  using ((select public.sambatan_has_permission('sambatan.manage')));

-- service_role bypasses RLS on Supabase; these keep it readable where it does not.
create policy products_service_read on public.products for select to service_role using (true);
create policy campaigns_service_read on public.sambatan_campaigns for select to service_role using (true);
create policy participants_service_read on public.sambatan_participants for select to service_role using (true);
create policy audit_service_read on public.sambatan_audit_logs for select to service_role using (true);
