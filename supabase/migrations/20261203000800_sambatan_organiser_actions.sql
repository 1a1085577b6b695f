-- The organiser's actions on a campaign (sambatan.manage): cancel it with a reason,
-- or extend its deadline once. Both audited, both refused on a finished campaign.

-- Cancels an active or locked campaign: unpaid participations cancelled, paid ones
-- refunded with a campaign_cancelled refund owed, the waiting list closed.
create function public.cancel_campaign(p_campaign_id uuid, p_reason text) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_campaign public.sambatan_campaigns;
begin
  perform sambatan_private.require_permission('sambatan.manage');
  if p_campaign_id is null then
    perform sambatan_private.invalid('campaign_id', 'required');
  end if;
  if p_reason is null or char_length(btrim(p_reason)) not between 1 and 500 then
    perform sambatan_private.invalid('reason', 'length_1_500');
  end if;
  select * into v_campaign from public.sambatan_campaigns c where c.id = p_campaign_id for update;
  if not found then
    perform sambatan_private.fail('SB011', 'CAMPAIGN_NOT_FOUND', jsonb_build_object('campaign_id', p_campaign_id));
  end if;
  if v_campaign.status not in ('active', 'locked') then
    perform sambatan_private.fail('SB022', 'CAMPAIGN_CLOSED', jsonb_build_object('campaign_id', p_campaign_id, 'status', v_campaign.status));
  end if;
  perform sambatan_private.close_campaigns(array[p_campaign_id], 'cancelled', btrim(p_reason));
  return sambatan_private.campaign_json(sambatan_private.find_campaign(p_campaign_id));
end
$$;
revoke execute on function public.cancel_campaign(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.cancel_campaign(uuid, text) to authenticated, service_role;

-- Moves the deadline of an active or locked campaign later, once: by at most 30 days.
-- A campaign whose deadline has passed is over (the lifecycle settles it), so it
-- cannot be revived this way.
create function public.extend_campaign(p_campaign_id uuid, p_deadline timestamptz) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_campaign public.sambatan_campaigns;
  v_from timestamptz;
begin
  perform sambatan_private.require_permission('sambatan.manage');
  if p_campaign_id is null then
    perform sambatan_private.invalid('campaign_id', 'required');
  end if;
  if p_deadline is null then
    perform sambatan_private.invalid('deadline', 'required');
  end if;
  select * into v_campaign from public.sambatan_campaigns c where c.id = p_campaign_id for update;
  if not found then
    perform sambatan_private.fail('SB011', 'CAMPAIGN_NOT_FOUND', jsonb_build_object('campaign_id', p_campaign_id));
  end if;
  if v_campaign.status not in ('active', 'locked') or v_campaign.deadline <= v_now then
    perform sambatan_private.fail('SB022', 'CAMPAIGN_CLOSED', jsonb_build_object(
      'campaign_id', p_campaign_id, 'status', v_campaign.status, 'deadline', sambatan_private.iso(v_campaign.deadline)));
  end if;
  if v_campaign.extended_at is not null then
    perform sambatan_private.fail('SB062', 'CAMPAIGN_ALREADY_EXTENDED', jsonb_build_object(
      'campaign_id', p_campaign_id, 'extended_at', sambatan_private.iso(v_campaign.extended_at)));
  end if;
  if p_deadline <= v_campaign.deadline then
    perform sambatan_private.invalid('deadline', 'after_current_deadline');
  end if;
  if p_deadline > v_campaign.deadline + interval '30 days' then
    perform sambatan_private.invalid('deadline', 'at_most_30_days_later');
  end if;
  v_from := v_campaign.deadline;
  update public.sambatan_campaigns c set deadline = p_deadline, extended_at = v_now, updated_at = v_now
   where c.id = p_campaign_id
  returning * into v_campaign;
  perform sambatan_private.audit(p_campaign_id, 'extended', jsonb_build_object(
    'from', sambatan_private.iso(v_from), 'to', sambatan_private.iso(p_deadline)));
  return sambatan_private.campaign_json(v_campaign);
end
$$;
revoke execute on function public.extend_campaign(uuid, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.extend_campaign(uuid, timestamptz) to authenticated, service_role;
