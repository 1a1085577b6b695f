-- Read verbs for buyers and managers: my participations, a campaign's audit trail,
-- and the dashboard summary.

-- One keyset page of the caller's own participations, newest first.
create function public.my_participations(
  p_status public.sambatan_participant_status default null,
  p_limit integer default 20,
  p_cursor text default null
) returns jsonb
language plpgsql stable
security definer
set search_path = ''
set plan_cache_mode = force_custom_plan
as $$
declare
  v_user uuid := sambatan_private.require_user();
  v_after_at timestamptz;
  v_after_id uuid;
begin
  perform sambatan_private.check_limit(p_limit);
  select k.r_at, k.r_id into v_after_at, v_after_id from sambatan_private.time_cursor(p_cursor) k;

  -- The user filter is the caller's own id, so a cursor never reaches another buyer's rows.
  return (
    select sambatan_private.keyset_page(
             coalesce(jsonb_agg(sambatan_private.participation_json(s.p) order by (s.p).created_at desc, (s.p).id desc), '[]'),
             coalesce(jsonb_agg(jsonb_build_array((s.p).created_at, (s.p).id) order by (s.p).created_at desc, (s.p).id desc), '[]'),
             p_limit)
      from (select p from public.sambatan_participants p
             where p.user_id = v_user
               and (p_status is null or p.status = p_status)
               and (v_after_at is null or (p.created_at, p.id) < (v_after_at, v_after_id))
             order by p.created_at desc, p.id desc
             limit p_limit + 1) s);
end
$$;
revoke execute on function public.my_participations(public.sambatan_participant_status, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.my_participations(public.sambatan_participant_status, integer, text) to authenticated, service_role;

-- One keyset page of a campaign's events, newest first (sambatan.manage).
create function public.campaign_audit(
  p_campaign_id uuid,
  p_limit integer default 20,
  p_cursor text default null
) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_after bigint;
begin
  perform sambatan_private.require_permission('sambatan.manage');
  perform sambatan_private.check_limit(p_limit);
  v_after := sambatan_private.id_cursor(p_cursor);
  perform sambatan_private.find_campaign(p_campaign_id);

  return (
    select sambatan_private.keyset_page(
             coalesce(jsonb_agg(jsonb_build_object(
               'id', a.id, 'campaign_id', a.campaign_id, 'participation_id', a.participation_id,
               'event', a.event, 'actor', a.actor, 'actor_role', a.actor_role,
               'metadata', a.metadata, 'created_at', sambatan_private.iso(a.created_at)) order by a.id desc), '[]'),
             coalesce(jsonb_agg(jsonb_build_array(a.id) order by a.id desc), '[]'),
             p_limit)
      from (select a.* from public.sambatan_audit_logs a
             where a.campaign_id = p_campaign_id and a.id < coalesce(v_after, 9223372036854775807)
             order by a.id desc
             limit p_limit + 1) a);
end
$$;
revoke execute on function public.campaign_audit(uuid, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.campaign_audit(uuid, integer, text) to authenticated, service_role;

-- Counts per status, fill rate of open campaigns, deadlines in the next 24 hours, and
-- amounts pending / confirmed / refunded (sambatan.manage).
create function public.sambatan_dashboard_summary() returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_campaigns jsonb;
  v_amounts jsonb;
  v_fill numeric;
  v_closing bigint;
begin
  perform sambatan_private.require_permission('sambatan.manage');

  select jsonb_object_agg(s.status, coalesce(n.count, 0)) || jsonb_build_object('total', coalesce(sum(n.count), 0))
    into v_campaigns
    from unnest(enum_range(null::public.sambatan_status)) s(status)
    left join (select c.status, count(*) as count from public.sambatan_campaigns c group by c.status) n
      on n.status = s.status;

  select round(sum(c.filled_slots)::numeric / nullif(sum(c.total_slots), 0), 4)
    into v_fill
    from public.sambatan_campaigns c where c.status in ('active', 'locked');

  select count(*) into v_closing
    from public.sambatan_campaigns c
   where c.status = 'active' and c.deadline > v_now and c.deadline <= v_now + interval '24 hours';

  select jsonb_build_object(
           'pending', coalesce(sum(p.amount) filter (where p.status = 'pending_payment'), 0),
           'confirmed', coalesce(sum(p.amount) filter (where p.status = 'confirmed'), 0),
           'refunded', coalesce(sum(p.amount) filter (where p.status = 'refunded'), 0))
    into v_amounts
    from public.sambatan_participants p;

  return jsonb_build_object(
    'campaigns', v_campaigns,
    'fill_rate', coalesce(v_fill, 0),
    'closing_within_24h', v_closing,
    'amounts', v_amounts,
    'generated_at', sambatan_private.iso(v_now));
end
$$;
revoke execute on function public.sambatan_dashboard_summary() from public, anon, authenticated, service_role;
grant execute on function public.sambatan_dashboard_summary() to authenticated, service_role;
