-- A campaign's waiting list for the managers who run it (campaign-waitlist): one
-- keyset page of its entries in queue order, oldest first, so the page reads as the
-- order slots will be offered in; each waiting entry carries its position.

-- A manager's page walks every entry of one campaign in queue order (a status filter
-- is applied along it: a campaign's list is short); the queue index covers waiting only.
create index sambatan_waitlist_campaign_created
  on public.sambatan_waitlist_entries (campaign_id, created_at, id);

create function public.campaign_waitlist(
  p_campaign_id uuid,
  p_status text default null,
  p_limit integer default 20,
  p_cursor text default null
) returns jsonb
language plpgsql stable
security definer
set search_path = ''
-- Custom plans fold the absent status filter away, so each shape walks its own index.
set plan_cache_mode = force_custom_plan
as $$
declare
  v_status public.sambatan_waitlist_status;
  v_after_at timestamptz;
  v_after_id uuid;
begin
  perform sambatan_private.require_permission('sambatan.manage');
  if p_status is not null then
    if p_status not in ('waiting', 'offered', 'left', 'closed') then
      perform sambatan_private.invalid('status', 'waiting_offered_left_or_closed');
    end if;
    v_status := p_status::public.sambatan_waitlist_status;
  end if;
  perform sambatan_private.check_limit(p_limit);
  select k.r_at, k.r_id into v_after_at, v_after_id from sambatan_private.time_cursor(p_cursor) k;
  perform sambatan_private.find_campaign(p_campaign_id);

  return (
    select sambatan_private.keyset_page(
             coalesce(jsonb_agg(sambatan_private.waitlist_entry_json(s.w) order by (s.w).created_at, (s.w).id), '[]'),
             coalesce(jsonb_agg(jsonb_build_array((s.w).created_at, (s.w).id) order by (s.w).created_at, (s.w).id), '[]'),
             p_limit)
      from (select w from public.sambatan_waitlist_entries w
             where w.campaign_id = p_campaign_id
               and (v_status is null or w.status = v_status)
               and (v_after_at is null or (w.created_at, w.id) > (v_after_at, v_after_id))
             order by w.created_at, w.id
             limit p_limit + 1) s);
end
$$;
revoke execute on function public.campaign_waitlist(uuid, text, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.campaign_waitlist(uuid, text, integer, text) to authenticated, service_role;
