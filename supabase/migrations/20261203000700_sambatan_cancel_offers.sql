-- Cancel with the waiting list: the slots a cancel (by the buyer or an organiser)
-- frees are offered to the earliest waiting entries that fit, in the same transaction.

-- Cancels a pending or paid participation (its buyer, or sambatan.manage) and
-- releases its slots exactly once; a locked campaign whose deadline is ahead reopens,
-- and the waiting list is offered what came free.
create or replace function public.cancel_participation(p_participation_id uuid, p_reason text default null) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := auth.uid();
  v_manager boolean := public.sambatan_has_permission('sambatan.manage');
  v_now timestamptz := sambatan_private.clock();
  v_campaign_id uuid;
  v_campaign public.sambatan_campaigns;
  v_participant public.sambatan_participants;
begin
  if v_user is null and not v_manager then
    perform sambatan_private.fail('SB001', 'UNAUTHENTICATED');
  end if;
  if p_participation_id is null then
    perform sambatan_private.invalid('participation_id', 'required');
  end if;
  if char_length(p_reason) > 500 then
    perform sambatan_private.invalid('reason', 'max_500');
  end if;

  select p.campaign_id into v_campaign_id from public.sambatan_participants p
   where p.id = p_participation_id and (v_manager or p.user_id = v_user);
  if not found then
    -- Another buyer's participation is reported as missing: its existence is not revealed.
    perform sambatan_private.fail('SB012', 'PARTICIPATION_NOT_FOUND', jsonb_build_object('participation_id', p_participation_id));
  end if;

  -- Campaign row first, then the participant: the same order as every other verb.
  select * into v_campaign from public.sambatan_campaigns c where c.id = v_campaign_id for update;
  select * into v_participant from public.sambatan_participants p where p.id = p_participation_id for update;

  if v_participant.status not in ('pending_payment', 'paid') then
    perform sambatan_private.fail('SB024', 'PARTICIPATION_FINAL', jsonb_build_object('status', v_participant.status));
  end if;
  if not (v_campaign.status = 'active' or (v_campaign.status = 'locked' and v_campaign.deadline > v_now)) then
    perform sambatan_private.fail('SB022', 'CAMPAIGN_CLOSED', jsonb_build_object('campaign_id', v_campaign.id, 'status', v_campaign.status));
  end if;

  -- A paid participation is refunded, with the refund owed in the ledger.
  update public.sambatan_participants p
     set status = case when p.status = 'paid' then 'refunded'::public.sambatan_participant_status
                       else 'cancelled'::public.sambatan_participant_status end,
         refunded_at = case when p.status = 'paid' then v_now end,
         cancelled_at = v_now, cancel_reason = p_reason, updated_at = v_now
   where p.id = p_participation_id
  returning * into v_participant;

  update public.sambatan_campaigns c
     set filled_slots = c.filled_slots - v_participant.quantity,
         status = 'active',
         locked_at = null,
         updated_at = v_now
   where c.id = v_campaign.id;

  perform sambatan_private.audit(v_campaign.id, 'cancelled', jsonb_build_object(
    'quantity', v_participant.quantity, 'amount', v_participant.amount, 'reason', p_reason,
    'by', case when v_participant.user_id = v_user then 'participant' else 'manager' end), v_participant.id);
  if v_participant.status = 'refunded' then
    perform sambatan_private.owe_refund(v_participant, v_participant.paid_amount, 'participation_cancelled',
                                        v_participant.payment_provider);
  end if;
  if v_campaign.status = 'locked' then
    perform sambatan_private.audit(v_campaign.id, 'reactivated', jsonb_build_object(
      'filled_slots', v_campaign.filled_slots - v_participant.quantity), v_participant.id);
  end if;
  -- The freed slots go to the waiting list in this transaction (none past the deadline).
  if v_campaign.deadline > v_now then
    perform sambatan_private.offer_waitlist(v_campaign.id);
  end if;
  return sambatan_private.participation_json(v_participant);
end
$$;
revoke execute on function public.cancel_participation(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.cancel_participation(uuid, text) to authenticated, service_role;
