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
  v_user uuid := private.require_user();
  v_after_at timestamptz;
  v_after_id uuid;
  v_rows public.sambatan_participants[];
begin
  perform private.check_limit(p_limit);
  select k.r_at, k.r_id into v_after_at, v_after_id from private.time_cursor(p_cursor) k;

  -- The user filter is the caller's own id, so a cursor never reaches another buyer's rows.
  v_rows := array(
    select p from public.sambatan_participants p
     where p.user_id = v_user
       and (p_status is null or p.status = p_status)
       and (v_after_at is null or (p.created_at, p.id) < (v_after_at, v_after_id))
     order by p.created_at desc, p.id desc
     limit p_limit + 1);

  return private.page(
    (select jsonb_agg(private.participation_json(r) order by r.created_at desc, r.id desc)
       from unnest(v_rows[1:p_limit]) r),
    case when coalesce(array_length(v_rows, 1), 0) > p_limit then
      private.encode_cursor(jsonb_build_array((v_rows[p_limit]).created_at, (v_rows[p_limit]).id))
    end);
end
$$;

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
  v_rows public.sambatan_audit_logs[];
begin
  perform private.require_permission('sambatan.manage');
  perform private.check_limit(p_limit);
  v_after := private.id_cursor(p_cursor);
  perform private.find_campaign(p_campaign_id);

  v_rows := array(
    select a from public.sambatan_audit_logs a
     where a.campaign_id = p_campaign_id and a.id < coalesce(v_after, 9223372036854775807)
     order by a.id desc
     limit p_limit + 1);

  return private.page(
    (select jsonb_agg(jsonb_build_object(
              'id', r.id, 'campaign_id', r.campaign_id, 'participation_id', r.participation_id,
              'event', r.event, 'actor', r.actor, 'actor_role', r.actor_role,
              'metadata', r.metadata, 'created_at', private.iso(r.created_at)) order by r.id desc)
       from unnest(v_rows[1:p_limit]) r),
    case when coalesce(array_length(v_rows, 1), 0) > p_limit then
      private.encode_cursor(jsonb_build_array((v_rows[p_limit]).id))
    end);
end
$$;

-- Counts per status, fill rate of open campaigns, deadlines in the next 24 hours, and
-- amounts pending / confirmed / refunded (sambatan.manage).
create function public.dashboard_summary() returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := private.clock();
  v_campaigns jsonb;
  v_amounts jsonb;
  v_fill numeric;
  v_closing bigint;
begin
  perform private.require_permission('sambatan.manage');

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
    'generated_at', private.iso(v_now));
end
$$;
