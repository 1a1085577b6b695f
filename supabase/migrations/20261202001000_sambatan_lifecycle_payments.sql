-- The lifecycle with payments, still set-based, bounded and claimed with skip locked
-- (campaign rows before participant rows). One sweep, in order: (1) releases unpaid
-- reservations past their window, reopening a locked campaign; (2) fulfils locked
-- campaigns with nothing left unpaid; (3) expires campaigns at their deadline.
-- Campaigns without a window behave as before: pending until fulfilment or expiry.

-- Releases the past-due unpaid participations of the given campaigns (locked by the
-- caller): cancelled with 'payment_timeout', slots released once, campaign active.
create function sambatan_private.release_unpaid(p_ids uuid[])
returns table (r_campaign uuid, r_from public.sambatan_status, r_participants bigint, r_amount bigint)
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_actor uuid := auth.uid();
  v_role text := coalesce(auth.jwt() ->> 'role', current_user::text);
begin
  return query
  with released as (
    update public.sambatan_participants p
       set status = 'cancelled', cancelled_at = v_now, cancel_reason = 'payment_timeout', updated_at = v_now
     where p.campaign_id = any (p_ids) and p.status = 'pending_payment' and p.payment_due_at <= v_now
    returning p.id, p.campaign_id, p.quantity, p.amount
  ), per as (
    select k.campaign_id, count(*) as n, sum(k.quantity)::integer as q, sum(k.amount)::bigint as amount
      from released k group by k.campaign_id
  ), prior as (
    -- Read in the statement's snapshot: the status each campaign had before.
    select c.id, c.status, c.filled_slots from public.sambatan_campaigns c join per on per.campaign_id = c.id
  ), reopened as (
    update public.sambatan_campaigns c
       set filled_slots = c.filled_slots - per.q, status = 'active', locked_at = null, updated_at = v_now
      from per where c.id = per.campaign_id
    returning c.id
  ), audit as (
    insert into public.sambatan_audit_logs (campaign_id, participation_id, event, actor, actor_role, metadata, created_at)
    select k.campaign_id, k.id, 'released', v_actor, v_role,
           jsonb_build_object('quantity', k.quantity, 'amount', k.amount, 'reason', 'payment_timeout'), v_now
      from released k
    union all
    select b.id, null, 'reactivated', v_actor, v_role,
           jsonb_build_object('filled_slots', b.filled_slots - per.q, 'reason', 'payment_timeout'), v_now
      from prior b join per on per.campaign_id = b.id
     where b.status = 'locked'
  )
  select per.campaign_id, b.status, per.n, per.amount
    from per join prior b on b.id = per.campaign_id
   where exists (select 1 from reopened o where o.id = per.campaign_id);
end
$$;

-- Closes the given campaigns (already locked by the caller). `fulfilled` confirms
-- paid participations, and pending ones without a window; `expired` refunds them,
-- owing a campaign_expired refund for what was paid. With a window, unpaid ones are
-- cancelled instead and their slots released. One row per campaign closed.
create or replace function sambatan_private.close_campaigns(p_ids uuid[], p_to public.sambatan_status, p_reason text default null)
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
  v_unpaid_reason text := case p_to when 'fulfilled' then 'unpaid_at_fulfilment' else 'campaign_expired' end;
begin
  if v_settle is null then
    perform sambatan_private.invalid('status', 'fulfilled_or_expired');
  end if;
  return query
  with picked as (
    select c.id, c.status, c.payment_window_minutes is not null as windowed from public.sambatan_campaigns c
     where c.id = any (p_ids) and c.status in ('active', 'locked')
  ), moves as (
    select p.id, p.campaign_id, p.quantity,
           case when p.status = 'paid' or not b.windowed then v_settle
                else 'cancelled'::public.sambatan_participant_status end as to_status
      from public.sambatan_participants p join picked b on b.id = p.campaign_id
     where p.status in ('pending_payment', 'paid')
  ), unpaid as (
    select m.campaign_id, sum(m.quantity)::integer as q from moves m where m.to_status = 'cancelled' group by m.campaign_id
  ), done as (
    update public.sambatan_campaigns c
       set status = p_to,
           filled_slots = c.filled_slots - coalesce(u.q, 0),
           fulfilled_at = case when p_to = 'fulfilled' then v_now else c.fulfilled_at end,
           expired_at = case when p_to = 'expired' then v_now else c.expired_at end,
           updated_at = v_now
      from picked b left join unpaid u on u.campaign_id = b.id
     where c.id = b.id
    returning c.id
  ), settled as (
    update public.sambatan_participants p
       set status = m.to_status,
           confirmed_at = case when m.to_status = 'confirmed' then v_now else p.confirmed_at end,
           refunded_at = case when m.to_status = 'refunded' then v_now else p.refunded_at end,
           cancelled_at = case when m.to_status = 'cancelled' then v_now else p.cancelled_at end,
           cancel_reason = case when m.to_status = 'cancelled' then v_unpaid_reason else p.cancel_reason end,
           updated_at = v_now
      from moves m where p.id = m.id
    returning p.id, p.campaign_id, p.user_id, p.amount, p.status, p.paid_amount, p.payment_provider
  ), owed as (
    insert into public.refunds (participation_id, campaign_id, user_id, amount, reason, provider, created_at, updated_at)
    select k.id, k.campaign_id, k.user_id, k.paid_amount, 'campaign_expired', k.payment_provider, v_now, v_now
      from settled k where k.status = 'refunded' and k.paid_amount is not null
    returning id, participation_id, campaign_id, amount
  ), totals as (
    select d.id, count(k.id) filter (where k.status = v_settle) as n,
           coalesce(sum(k.amount) filter (where k.status = v_settle), 0)::bigint as amount
      from done d left join settled k on k.campaign_id = d.id
     group by d.id
  ), audit as (
    insert into public.sambatan_audit_logs (campaign_id, participation_id, event, actor, actor_role, metadata, created_at)
    select k.campaign_id, k.id, k.status::text, v_actor, v_role,
           jsonb_strip_nulls(jsonb_build_object('amount', k.amount,
             'reason', case when k.status = 'cancelled' then v_unpaid_reason end)), v_now
      from settled k
    union all
    select o.campaign_id, o.participation_id, 'refund_owed', v_actor, v_role,
           jsonb_build_object('refund_id', o.id, 'amount', o.amount, 'reason', 'campaign_expired'), v_now
      from owed o
    union all
    select t.id, null, p_to::text, v_actor, v_role,
           jsonb_strip_nulls(jsonb_build_object(
             'participants_' || v_settle, t.n, 'amount_' || v_settle, t.amount, 'reason', p_reason)), v_now
      from totals t
  )
  select t.id, b.status, t.n, t.amount from totals t join picked b on b.id = t.id;
end
$$;

-- One bounded sweep: claims up to p_batch_size campaigns for each step that no other
-- runner holds, and transitions them. Release runs first, so a campaign it reopens
-- past its deadline expires in the same sweep.
create or replace function sambatan_private.sweep(p_batch_size integer)
returns table (r_campaign uuid, r_from public.sambatan_status, r_to public.sambatan_status, r_participants bigint, r_amount bigint)
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_due uuid[];
  v_full uuid[];
  v_overdue uuid[];
begin
  if p_batch_size is null or p_batch_size not between 1 and 10000 then
    perform sambatan_private.invalid('batch_size', 'range_1_10000');
  end if;
  select array_agg(s.id) into v_due from (
    select c.id from public.sambatan_campaigns c
     where c.status in ('active', 'locked')
       and c.id in (select p.campaign_id from public.sambatan_participants p
                     where p.status = 'pending_payment' and p.payment_due_at <= v_now)
     order by c.deadline
     limit p_batch_size
       for update of c skip locked) s;
  return query
    select r.r_campaign, r.r_from, 'active'::public.sambatan_status, r.r_participants, r.r_amount
      from sambatan_private.release_unpaid(coalesce(v_due, '{}')) r;

  -- With a window, a locked campaign waits until nothing in it is unpaid.
  select array_agg(s.id) into v_full from (
    select c.id from public.sambatan_campaigns c
     where c.status = 'locked'
       and (c.payment_window_minutes is null
            or not exists (select 1 from public.sambatan_participants p
                            where p.campaign_id = c.id and p.status = 'pending_payment'))
     order by c.deadline
     limit p_batch_size
       for update of c skip locked) s;
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

-- Runs one batch of the lifecycle and returns its counts; `more` says whether work
-- remains (the job calls again until it is false or its time budget is spent).
create or replace function public.run_sambatan_lifecycle(p_batch_size integer default 500) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_result jsonb;
begin
  select jsonb_build_object(
           'released', coalesce(sum(s.r_participants) filter (where s.r_to = 'active'), 0),
           'fulfilled', count(*) filter (where s.r_to = 'fulfilled'),
           'expired', count(*) filter (where s.r_to = 'expired'),
           'confirmed', coalesce(sum(s.r_participants) filter (where s.r_to = 'fulfilled'), 0),
           'refunded', coalesce(sum(s.r_participants) filter (where s.r_to = 'expired'), 0))
    into v_result
    from sambatan_private.sweep(p_batch_size) s;
  return v_result || jsonb_build_object('more',
    exists (select 1 from public.sambatan_campaigns c
             where (c.status = 'active' and c.deadline <= v_now)
                or (c.status = 'locked' and (c.payment_window_minutes is null
                    or not exists (select 1 from public.sambatan_participants p
                                    where p.campaign_id = c.id and p.status = 'pending_payment'))))
    -- Only open campaigns keep pending participations, so no campaign check is needed.
    or exists (select 1 from public.sambatan_participants p
                where p.status = 'pending_payment' and p.payment_due_at <= v_now));
end
$$;
