-- The lifecycle with the campaign rules: slots a payment timeout frees are offered
-- to the waiting list in the same transaction; at the deadline a campaign that kept
-- min_slots is fulfilled instead of expired; the organiser's cancel closes through
-- the same set-based step; every ending closes the waiting list.

-- Closes the given campaigns (already locked by the caller). `fulfilled` confirms
-- paid participations, and pending ones without a window; `expired` refunds them,
-- owing a campaign_expired refund for what was paid. With a window, unpaid ones are
-- cancelled instead and their slots released. `cancelled` (the organiser) cancels
-- every unpaid one and refunds the paid ones (campaign_cancelled owed). Waiting
-- entries close with the campaign. One row per campaign closed.
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
              when 'expired' then 'refunded'::public.sambatan_participant_status
              when 'cancelled' then 'refunded'::public.sambatan_participant_status end;
  v_unpaid_reason text := case p_to
    when 'fulfilled' then case when p_reason = 'min_slots_reached' then 'campaign_fulfilled_unpaid' else 'unpaid_at_fulfilment' end
    when 'expired' then 'campaign_expired' else 'campaign_cancelled' end;
  v_refund_reason text := case p_to when 'cancelled' then 'campaign_cancelled' else 'campaign_expired' end;
begin
  if v_settle is null then
    perform sambatan_private.invalid('status', 'fulfilled_expired_or_cancelled');
  end if;
  return query
  with picked as (
    select c.id, c.status, c.payment_window_minutes is not null as windowed from public.sambatan_campaigns c
     where c.id = any (p_ids) and c.status in ('active', 'locked')
  ), moves as (
    select p.id, p.campaign_id, p.quantity,
           case when p.status = 'paid' or (not b.windowed and p_to <> 'cancelled') then v_settle
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
           cancelled_at = case when p_to = 'cancelled' then v_now else c.cancelled_at end,
           cancel_reason = case when p_to = 'cancelled' then p_reason else c.cancel_reason end,
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
    select k.id, k.campaign_id, k.user_id, k.paid_amount, v_refund_reason, k.payment_provider, v_now, v_now
      from settled k where k.status = 'refunded' and k.paid_amount is not null
    returning id, participation_id, campaign_id, amount
  ), totals as (
    select d.id, count(k.id) filter (where k.status = v_settle) as n,
           coalesce(sum(k.amount) filter (where k.status = v_settle), 0)::bigint as amount
      from done d left join settled k on k.campaign_id = d.id
     group by d.id
  ), closed_entries as (
    update public.sambatan_waitlist_entries w set status = 'closed', updated_at = v_now
      from done d where w.campaign_id = d.id and w.status = 'waiting'
    returning w.id, w.campaign_id, w.quantity
  ), audit as (
    insert into public.sambatan_audit_logs (campaign_id, participation_id, event, actor, actor_role, metadata, created_at)
    select k.campaign_id, k.id, k.status::text, v_actor, v_role,
           jsonb_strip_nulls(jsonb_build_object('amount', k.amount,
             'reason', case when k.status = 'cancelled' then v_unpaid_reason end)), v_now
      from settled k
    union all
    select o.campaign_id, o.participation_id, 'refund_owed', v_actor, v_role,
           jsonb_build_object('refund_id', o.id, 'amount', o.amount, 'reason', v_refund_reason), v_now
      from owed o
    union all
    select w.campaign_id, null, 'waitlist_closed', v_actor, v_role,
           jsonb_build_object('entry_id', w.id, 'quantity', w.quantity, 'reason', p_to), v_now
      from closed_entries w
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
  v_min_met uuid[];
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
  -- Slots the release freed go to the waiting lists, in this transaction.
  perform sambatan_private.offer_waitlist(c.id) from public.sambatan_campaigns c
   where c.id = any (v_due) and c.status = 'active' and c.deadline > v_now
     and exists (select 1 from public.sambatan_waitlist_entries w where w.campaign_id = c.id and w.status = 'waiting');

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
  -- At the deadline a campaign that kept at least min_slots (paid, or held without a
  -- window) is fulfilled with what it has. Counted once the rows are locked, in a
  -- snapshot that sees every payment committed before.
  select array_agg(s.id) filter (where s.reached), array_agg(s.id) filter (where not s.reached)
    into v_min_met, v_overdue
    from (select c.id, c.min_slots < c.total_slots and c.min_slots <= (
                   select coalesce(sum(p.quantity), 0) from public.sambatan_participants p
                    where p.campaign_id = c.id
                      and (p.status = 'paid' or (p.status = 'pending_payment' and c.payment_window_minutes is null))) as reached
            from public.sambatan_campaigns c where c.id = any (v_overdue)) s;
  return query
    select f.r_campaign, f.r_from, 'fulfilled'::public.sambatan_status, f.r_participants, f.r_amount
      from sambatan_private.close_campaigns(coalesce(v_full, '{}'), 'fulfilled') f
    union all
    select m.r_campaign, m.r_from, 'fulfilled'::public.sambatan_status, m.r_participants, m.r_amount
      from sambatan_private.close_campaigns(coalesce(v_min_met, '{}'), 'fulfilled', 'min_slots_reached') m
    union all
    select e.r_campaign, e.r_from, 'expired'::public.sambatan_status, e.r_participants, e.r_amount
      from sambatan_private.close_campaigns(coalesce(v_overdue, '{}'), 'expired', 'deadline_passed') e;
end
$$;

