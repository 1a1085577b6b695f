-- The participants of a campaign (or of every campaign) for the managers who chase
-- payments: payment state and due time beside each row. Buyers read only their own
-- (my_participations); this read names shipping addresses, so it needs sambatan.manage.

-- Pages one campaign's participants newest first without sorting them all.
create index sambatan_participants_campaign_created
  on public.sambatan_participants (campaign_id, created_at desc, id desc);

-- One keyset page of participations, newest first, optionally by campaign and status
-- (sambatan.manage). An unknown campaign is CAMPAIGN_NOT_FOUND, not an empty page.
create function public.list_participants(
  p_campaign_id uuid default null,
  p_status public.sambatan_participant_status default null,
  p_limit integer default 20,
  p_cursor text default null
) returns jsonb
language plpgsql stable
security definer
set search_path = ''
-- Custom plans fold the absent filters away, so each filter shape walks its own index.
set plan_cache_mode = force_custom_plan
as $$
declare
  v_after_at timestamptz;
  v_after_id uuid;
begin
  perform sambatan_private.require_permission('sambatan.manage');
  perform sambatan_private.check_limit(p_limit);
  select k.r_at, k.r_id into v_after_at, v_after_id from sambatan_private.time_cursor(p_cursor) k;
  if p_campaign_id is not null then
    perform sambatan_private.find_campaign(p_campaign_id);
  end if;

  return (
    select sambatan_private.keyset_page(
             coalesce(jsonb_agg(sambatan_private.participation_json(s.p) order by (s.p).created_at desc, (s.p).id desc), '[]'),
             coalesce(jsonb_agg(jsonb_build_array((s.p).created_at, (s.p).id) order by (s.p).created_at desc, (s.p).id desc), '[]'),
             p_limit)
      from (select p from public.sambatan_participants p
             where (p_campaign_id is null or p.campaign_id = p_campaign_id)
               and (p_status is null or p.status = p_status)
               and (v_after_at is null or (p.created_at, p.id) < (v_after_at, v_after_id))
             order by p.created_at desc, p.id desc
             limit p_limit + 1) s);
end
$$;
revoke execute on function public.list_participants(uuid, public.sambatan_participant_status, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.list_participants(uuid, public.sambatan_participant_status, integer, text) to authenticated, service_role;
