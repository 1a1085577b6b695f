-- The buyer's verbs on the waiting list: enter it (through join_campaign), leave an
-- entry, list one's entries.

-- Adds the buyer to a campaign's waiting list (the campaign row locked by the caller)
-- and returns the join's answer {waitlist_entry, replayed}.
create function sambatan_private.enter_waitlist(
  p_campaign_id uuid, p_user uuid, p_quantity integer, p_shipping_address text, p_note text, p_idempotency_key text
) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  -- The queue's order is the order entries were made under the campaign's lock,
  -- which is commit order: so the time is taken now, not at the transaction's start.
  v_now timestamptz := sambatan_private.clock() + (clock_timestamp() - now());
  v_entry public.sambatan_waitlist_entries;
  v_response jsonb;
begin
  begin
    insert into public.sambatan_waitlist_entries (campaign_id, user_id, quantity, shipping_address, note, created_at, updated_at)
    values (p_campaign_id, p_user, p_quantity, btrim(p_shipping_address), p_note, v_now, v_now)
    returning * into v_entry;
  exception when unique_violation then
    -- The same buyer's concurrent entry won (possible with the rate limit off).
    perform sambatan_private.fail('SB023', 'ALREADY_JOINED', jsonb_build_object('campaign_id', p_campaign_id,
      'waitlist_entry_id', (select w.id from public.sambatan_waitlist_entries w
                             where w.campaign_id = p_campaign_id and w.user_id = p_user and w.status = 'waiting')));
  end;
  v_response := jsonb_build_object('waitlist_entry', jsonb_build_object(
    'id', v_entry.id, 'campaign_id', v_entry.campaign_id, 'quantity', v_entry.quantity,
    'position', sambatan_private.waitlist_position(v_entry), 'status', v_entry.status,
    'created_at', sambatan_private.iso(v_entry.created_at)));
  if p_idempotency_key is not null then
    update sambatan_private.idempotency_keys k set response = v_response
     where k.user_id = p_user and k.key = p_idempotency_key;
  end if;
  perform sambatan_private.audit(p_campaign_id, 'waitlisted', jsonb_build_object(
    'entry_id', v_entry.id, 'quantity', v_entry.quantity, 'position', v_response #> '{waitlist_entry,position}'));
  return v_response || jsonb_build_object('replayed', false);
end
$$;

-- Leaves a waiting entry (its buyer): status left, audited.
create function public.leave_waitlist(p_entry_id uuid) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_user uuid := sambatan_private.require_user();
  v_now timestamptz := sambatan_private.clock();
  v_campaign_id uuid;
  v_entry public.sambatan_waitlist_entries;
begin
  if p_entry_id is null then
    perform sambatan_private.invalid('entry_id', 'required');
  end if;
  select w.campaign_id into v_campaign_id from public.sambatan_waitlist_entries w
   where w.id = p_entry_id and w.user_id = v_user;
  if not found then
    -- Another buyer's entry is reported as missing: its existence is not revealed.
    perform sambatan_private.fail('SB015', 'WAITLIST_ENTRY_NOT_FOUND', jsonb_build_object('entry_id', p_entry_id));
  end if;
  -- Campaign row first, as an offer takes it, so a leave and an offer never cross.
  perform 1 from public.sambatan_campaigns c where c.id = v_campaign_id for update;
  select * into v_entry from public.sambatan_waitlist_entries w where w.id = p_entry_id for update;
  if v_entry.status <> 'waiting' then
    perform sambatan_private.fail('SB061', 'WAITLIST_ENTRY_FINAL', jsonb_build_object(
      'entry_id', p_entry_id, 'status', v_entry.status));
  end if;
  update public.sambatan_waitlist_entries w set status = 'left', updated_at = v_now
   where w.id = p_entry_id
  returning * into v_entry;
  perform sambatan_private.audit(v_entry.campaign_id, 'waitlist_left', jsonb_build_object(
    'entry_id', v_entry.id, 'quantity', v_entry.quantity));
  return sambatan_private.waitlist_entry_json(v_entry);
end
$$;
revoke execute on function public.leave_waitlist(uuid) from public, anon, authenticated, service_role;
grant execute on function public.leave_waitlist(uuid) to authenticated, service_role;

-- One keyset page of the caller's own waiting-list entries, newest first.
create function public.my_waitlist(
  p_status text default null,
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
  v_status public.sambatan_waitlist_status;
  v_after_at timestamptz;
  v_after_id uuid;
begin
  if p_status is not null then
    if p_status not in ('waiting', 'offered', 'left', 'closed') then
      perform sambatan_private.invalid('status', 'waiting_offered_left_or_closed');
    end if;
    v_status := p_status::public.sambatan_waitlist_status;
  end if;
  perform sambatan_private.check_limit(p_limit);
  select k.r_at, k.r_id into v_after_at, v_after_id from sambatan_private.time_cursor(p_cursor) k;

  -- The user filter is the caller's own id, so a cursor never reaches another buyer's rows.
  return (
    select sambatan_private.keyset_page(
             coalesce(jsonb_agg(sambatan_private.waitlist_entry_json(s.w) order by (s.w).created_at desc, (s.w).id desc), '[]'),
             coalesce(jsonb_agg(jsonb_build_array((s.w).created_at, (s.w).id) order by (s.w).created_at desc, (s.w).id desc), '[]'),
             p_limit)
      from (select w from public.sambatan_waitlist_entries w
             where w.user_id = v_user
               and (v_status is null or w.status = v_status)
               and (v_after_at is null or (w.created_at, w.id) < (v_after_at, v_after_id))
             order by w.created_at desc, w.id desc
             limit p_limit + 1) s);
end
$$;
revoke execute on function public.my_waitlist(text, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.my_waitlist(text, integer, text) to authenticated, service_role;
