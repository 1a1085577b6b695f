-- Payment notifications (the webhook, after it verified the provider's proof) and
-- payments confirmed by hand. Both lock the campaign row before the participant
-- row, as every verb does, so they serialise with the lifecycle's release: a
-- payment either lands before the release (paid, kept) or after it (late payment,
-- refund owed), never both.

-- Locks and returns a participation after its campaign; not found gives a null row.
create function sambatan_private.lock_participation(p_participation_id uuid) returns public.sambatan_participants
language plpgsql
set search_path = ''
as $$
declare
  v_campaign_id uuid;
  v_participant public.sambatan_participants;
begin
  select p.campaign_id into v_campaign_id from public.sambatan_participants p where p.id = p_participation_id;
  if found then
    perform 1 from public.sambatan_campaigns c where c.id = v_campaign_id for update;
    select * into v_participant from public.sambatan_participants p where p.id = p_participation_id for update;
  end if;
  return v_participant;
end
$$;

-- Marks a locked pending participation paid and audits it.
create function sambatan_private.mark_paid(
  p_participant public.sambatan_participants, p_provider text, p_reference text, p_amount bigint
) returns public.sambatan_participants
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_participant public.sambatan_participants;
begin
  update public.sambatan_participants p
     set status = 'paid', paid_at = v_now, payment_provider = p_provider, payment_reference = p_reference,
         paid_amount = p_amount, updated_at = v_now
   where p.id = p_participant.id
  returning * into v_participant;
  perform sambatan_private.audit(v_participant.campaign_id, 'paid', jsonb_build_object(
    'provider', p_provider, 'reference', p_reference, 'amount', p_amount), v_participant.id);
  return v_participant;
end
$$;

-- Records one provider notification (service_role: the webhook function checked the
-- provider's proof). p_outcome is the webhook's normalisation of the provider status.
create function public.record_payment_notification(
  p_provider text,
  p_participation_id uuid,
  p_provider_transaction_id text,
  p_status text,
  p_outcome text,
  p_amount bigint,
  p_payload jsonb default '{}'
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_event_id bigint;
  v_participant public.sambatan_participants;
  v_campaign public.sambatan_campaigns;
  v_result text;
  v_flagged boolean := false;
begin
  if p_provider is null or p_provider not in ('midtrans', 'xendit') then
    perform sambatan_private.invalid('provider', 'midtrans_or_xendit');
  end if;
  if p_provider_transaction_id is null or char_length(p_provider_transaction_id) not between 1 and 255 then
    perform sambatan_private.invalid('provider_transaction_id', 'length_1_255');
  end if;
  if p_status is null or char_length(p_status) not between 1 and 64 then
    perform sambatan_private.invalid('status', 'length_1_64');
  end if;
  if p_outcome is null or p_outcome not in ('paid', 'expired', 'cancelled', 'denied', 'pending', 'other') then
    perform sambatan_private.invalid('outcome', 'unknown');
  end if;

  -- A redelivery is answered without taking any lock (providers retry often).
  select e.id into v_event_id from public.payment_events e
   where e.provider = p_provider and e.provider_transaction_id = p_provider_transaction_id and e.status = p_status;
  if found then
    return jsonb_build_object('event_id', v_event_id, 'duplicate', true, 'result', 'duplicate');
  end if;

  if p_participation_id is not null then
    v_participant := sambatan_private.lock_participation(p_participation_id);
    select * into v_campaign from public.sambatan_campaigns c where c.id = v_participant.campaign_id;
  end if;

  v_result := case
    when v_participant.id is null then 'unknown_participation'
    when p_outcome <> 'paid' then 'recorded'
    -- The same payment again under another status word (capture, then settlement).
    when v_participant.paid_at is not null and v_participant.payment_provider = p_provider
         and v_participant.payment_reference = p_provider_transaction_id then 'already_paid'
    when exists (select 1 from public.refunds r join public.payment_events e on e.id = r.payment_event_id
                  where r.participation_id = v_participant.id and e.provider = p_provider
                    and e.provider_transaction_id = p_provider_transaction_id) then 'already_paid'
    when v_participant.status = 'pending_payment' and v_campaign.status in ('active', 'locked') then
      case when p_amount is not distinct from v_participant.amount then 'paid' else 'amount_mismatch' end
    -- Released, cancelled, closed, or paid already through another transaction: the
    -- money came in and is owed back.
    when p_amount > 0 then 'late_payment'
    else 'amount_mismatch'
  end;
  v_flagged := v_result = 'amount_mismatch' or (v_result = 'late_payment' and v_participant.paid_at is not null);

  insert into public.payment_events (provider, provider_transaction_id, status, participation_id, amount, outcome,
                                     result, flagged, payload, created_at)
  values (p_provider, p_provider_transaction_id, p_status, v_participant.id, p_amount, p_outcome,
          v_result, v_flagged, coalesce(p_payload, '{}'), sambatan_private.clock())
  on conflict (provider, provider_transaction_id, status) do nothing
  returning id into v_event_id;
  if not found then
    -- The same notification delivered twice at once: the other delivery did the work.
    select e.id into v_event_id from public.payment_events e
     where e.provider = p_provider and e.provider_transaction_id = p_provider_transaction_id and e.status = p_status;
    return jsonb_build_object('event_id', v_event_id, 'duplicate', true, 'result', 'duplicate');
  end if;

  if v_result = 'paid' then
    perform sambatan_private.mark_paid(v_participant, p_provider, p_provider_transaction_id, p_amount);
  elsif v_result = 'late_payment' then
    perform sambatan_private.audit(v_participant.campaign_id, 'late_payment', jsonb_build_object(
      'provider', p_provider, 'reference', p_provider_transaction_id, 'amount', p_amount,
      'participation_status', v_participant.status), v_participant.id);
    perform sambatan_private.owe_refund(v_participant, p_amount, 'late_payment', p_provider, v_event_id);
  elsif v_result = 'amount_mismatch' then
    perform sambatan_private.audit(v_participant.campaign_id, 'payment_flagged', jsonb_build_object(
      'provider', p_provider, 'reference', p_provider_transaction_id, 'amount', p_amount,
      'expected', v_participant.amount), v_participant.id);
  end if;
  return jsonb_build_object('event_id', v_event_id, 'duplicate', false, 'result', v_result);
end
$$;
revoke execute on function public.record_payment_notification(text, uuid, text, text, text, bigint, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.record_payment_notification(text, uuid, text, text, text, bigint, jsonb) to service_role;

-- Marks a pending participation paid by hand (sambatan.manage): cash, or a bank
-- transfer the shop checked, with its reference.
create function public.confirm_payment(p_participation_id uuid, p_reference text) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_participant public.sambatan_participants;
  v_campaign public.sambatan_campaigns;
begin
  perform sambatan_private.require_permission('sambatan.manage');
  if p_participation_id is null then
    perform sambatan_private.invalid('participation_id', 'required');
  end if;
  if p_reference is null or char_length(btrim(p_reference)) not between 1 and 255 then
    perform sambatan_private.invalid('reference', 'length_1_255');
  end if;
  v_participant := sambatan_private.lock_participation(p_participation_id);
  if v_participant.id is null then
    perform sambatan_private.fail('SB012', 'PARTICIPATION_NOT_FOUND', jsonb_build_object('participation_id', p_participation_id));
  end if;
  if v_participant.status <> 'pending_payment' then
    perform sambatan_private.fail('SB024', 'PARTICIPATION_FINAL', jsonb_build_object('status', v_participant.status));
  end if;
  select * into v_campaign from public.sambatan_campaigns c where c.id = v_participant.campaign_id;
  if v_campaign.status not in ('active', 'locked') then
    perform sambatan_private.fail('SB022', 'CAMPAIGN_CLOSED', jsonb_build_object('campaign_id', v_campaign.id, 'status', v_campaign.status));
  end if;
  return sambatan_private.participation_json(
    sambatan_private.mark_paid(v_participant, 'manual', btrim(p_reference), v_participant.amount));
end
$$;
revoke execute on function public.confirm_payment(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.confirm_payment(uuid, text) to authenticated, service_role;
