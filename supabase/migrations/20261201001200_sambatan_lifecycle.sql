-- Lifecycle: full campaigns are fulfilled (participants confirmed); campaigns past
-- their deadline and not full expire (participants refunded). Set-based, bounded,
-- claimed with skip locked so concurrent runners share the work, idempotent.

-- Closes the given campaigns (already locked by the caller): `fulfilled` confirms
-- their pending participants, `expired` refunds them. One row per campaign closed;
-- campaigns already final are left as they are.
create function sambatan_private.close_campaigns(p_ids uuid[], p_to public.sambatan_status, p_reason text default null)
returns table (r_campaign uuid, r_from public.sambatan_status, r_participants bigint, r_amount bigint)
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_actor uuid := auth.uid();
  v_role text := coalesce(auth.jwt() ->> 'role', current_user::text);
  v_settle public.sambatan_participant_status :=
    case p_to when 'fulfilled' then 'confirmed'::public.sambatan_participant_status
              when 'expired' then 'refunded'::public.sambatan_participant_status end;
begin
  if v_settle is null then
    perform sambatan_private.invalid('status', 'fulfilled_or_expired');
  end if;
  return query
  with picked as (
    select c.id, c.status from public.sambatan_campaigns c
     where c.id = any (p_ids) and c.status in ('active', 'locked')
  ), done as (
    update public.sambatan_campaigns c
       set status = p_to,
           fulfilled_at = case when p_to = 'fulfilled' then v_now else c.fulfilled_at end,
           expired_at = case when p_to = 'expired' then v_now else c.expired_at end,
           updated_at = v_now
      from picked b where c.id = b.id
    returning c.id
  ), settled as (
    update public.sambatan_participants p
       set status = v_settle,
           confirmed_at = case when v_settle = 'confirmed' then v_now else p.confirmed_at end,
           refunded_at = case when v_settle = 'refunded' then v_now else p.refunded_at end,
           updated_at = v_now
      from done d where p.campaign_id = d.id and p.status = 'pending_payment'
    returning p.id, p.campaign_id, p.amount
  ), totals as (
    select d.id, count(k.id) as n, coalesce(sum(k.amount), 0)::bigint as amount
      from done d left join settled k on k.campaign_id = d.id
     group by d.id
  ), audit as (
    insert into public.sambatan_audit_logs (campaign_id, participation_id, event, actor, actor_role, metadata, created_at)
    select k.campaign_id, k.id, v_settle::text, v_actor, v_role, jsonb_build_object('amount', k.amount), v_now
      from settled k
    union all
    select t.id, null, p_to::text, v_actor, v_role,
           jsonb_strip_nulls(jsonb_build_object(
             'participants_' || v_settle, t.n, 'amount_' || v_settle, t.amount, 'reason', p_reason)), v_now
      from totals t
  )
  select t.id, b.status, t.n, t.amount from totals t join picked b on b.id = t.id;
end
$$;

-- One bounded sweep: claims up to p_batch_size full and up to p_batch_size overdue
-- campaigns that no other runner holds, and transitions them.
create function sambatan_private.sweep(p_batch_size integer)
returns table (r_campaign uuid, r_from public.sambatan_status, r_to public.sambatan_status, r_participants bigint, r_amount bigint)
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_full uuid[];
  v_overdue uuid[];
begin
  if p_batch_size is null or p_batch_size not between 1 and 10000 then
    perform sambatan_private.invalid('batch_size', 'range_1_10000');
  end if;
  select array_agg(s.id) into v_full from (
    select c.id from public.sambatan_campaigns c
     where c.status = 'locked'
     order by c.deadline
     limit p_batch_size
       for update skip locked) s;
  select array_agg(s.id) into v_overdue from (
    select c.id from public.sambatan_campaigns c
     where c.status = 'active' and c.deadline <= v_now
     order by c.deadline
     limit p_batch_size
       for update skip locked) s;
  return query
    select f.r_campaign, f.r_from, 'fulfilled'::public.sambatan_status, f.r_participants, f.r_amount
      from sambatan_private.close_campaigns(coalesce(v_full, '{}'), 'fulfilled') f
    union all
    select e.r_campaign, e.r_from, 'expired'::public.sambatan_status, e.r_participants, e.r_amount
      from sambatan_private.close_campaigns(coalesce(v_overdue, '{}'), 'expired', 'deadline_passed') e;
end
$$;

-- Runs one batch of the lifecycle and returns its counts; `more` says whether due
-- campaigns remain (the job calls again until it is false or its time budget is spent).
create function public.run_sambatan_lifecycle(p_batch_size integer default 500) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_result jsonb;
begin
  select jsonb_build_object(
           'fulfilled', count(*) filter (where s.r_to = 'fulfilled'),
           'expired', count(*) filter (where s.r_to = 'expired'),
           'confirmed', coalesce(sum(s.r_participants) filter (where s.r_to = 'fulfilled'), 0),
           'refunded', coalesce(sum(s.r_participants) filter (where s.r_to = 'expired'), 0))
    into v_result
    from sambatan_private.sweep(p_batch_size) s;
  return v_result || jsonb_build_object('more', exists (
    select 1 from public.sambatan_campaigns c
     where c.status = 'locked' or (c.status = 'active' and c.deadline <= v_now)));
end
$$;
revoke execute on function public.run_sambatan_lifecycle(integer) from public, anon, authenticated, service_role;
grant execute on function public.run_sambatan_lifecycle(integer) to service_role;

-- Kept for operators from the legacy system: one sweep, listing each transition.
create function public.check_sambatan_deadlines() returns jsonb
language sql
security definer
set search_path = ''
as $$
  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'campaign_id', s.r_campaign, 'from', s.r_from, 'to', s.r_to,
           'participants', s.r_participants, 'amount', s.r_amount)), '[]'::jsonb)
    from sambatan_private.sweep(1000) s
$$;
revoke execute on function public.check_sambatan_deadlines() from public, anon, authenticated, service_role;
grant execute on function public.check_sambatan_deadlines() to service_role;

-- An operator override: closes one active or locked campaign now.
create function sambatan_private.close_one(p_campaign_id uuid, p_to public.sambatan_status, p_reason text default null)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_campaign public.sambatan_campaigns;
begin
  select * into v_campaign from public.sambatan_campaigns c where c.id = p_campaign_id for update;
  if not found then
    perform sambatan_private.fail('SB011', 'CAMPAIGN_NOT_FOUND', jsonb_build_object('campaign_id', p_campaign_id));
  end if;
  if v_campaign.status not in ('active', 'locked') then
    perform sambatan_private.fail('SB022', 'CAMPAIGN_CLOSED', jsonb_build_object('campaign_id', p_campaign_id, 'status', v_campaign.status));
  end if;
  perform sambatan_private.close_campaigns(array[p_campaign_id], p_to, p_reason);
  return sambatan_private.campaign_json(sambatan_private.find_campaign(p_campaign_id));
end
$$;

-- Kept for operators from the legacy system: fulfils one campaign now.
create function public.complete_sambatan_campaign(p_campaign_id uuid) returns jsonb
language sql
security definer
set search_path = ''
as $$
  select sambatan_private.close_one(p_campaign_id, 'fulfilled')
$$;
revoke execute on function public.complete_sambatan_campaign(uuid) from public, anon, authenticated, service_role;
grant execute on function public.complete_sambatan_campaign(uuid) to service_role;

-- Kept for operators from the legacy system: expires one campaign now and refunds it.
create function public.fail_sambatan_campaign(p_campaign_id uuid, p_reason text default 'operator') returns jsonb
language sql
security definer
set search_path = ''
as $$
  select sambatan_private.close_one(p_campaign_id, 'expired', coalesce(p_reason, 'operator'))
$$;
revoke execute on function public.fail_sambatan_campaign(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.fail_sambatan_campaign(uuid, text) to service_role;
