-- A bucketed join could deadlock with a fold. Its first attempt, a locking read of
-- the buckets that skips held rows, can lock a bucket it then finds short of room (a
-- commit changed the row after the read took its snapshot: PostgreSQL locks the newest
-- version, checks it again and keeps the lock when it fails). Such a join went on to
-- the campaign row still holding that bucket, while a fold holding the campaign row
-- waited for the bucket. The first attempt now runs in a block that is rolled back
-- when it claims nothing, as the second attempt already did, so a join that moves on
-- holds no bucket.
-- Everything else is as in 20261208000300.

create or replace function public.join_campaign(
  p_campaign_id uuid,
  p_quantity integer,
  p_shipping_address text,
  p_note text default null,
  p_idempotency_key text default null,
  p_waitlist boolean default false
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  -- auth.uid() and the clock are written out here rather than called through
  -- require_user() and clock(): helpers with their own search_path are planned
  -- again in every transaction, and this is the hottest path there is.
  v_user uuid := auth.uid();
  v_now timestamptz := pg_catalog.now()
    + coalesce(nullif(pg_catalog.current_setting('sambatan.clock_offset', true), '')::interval, interval '0');
  v_hash text;
  v_prior sambatan_private.idempotency_keys;
  v_limit integer;
  v_recent integer;
  v_oldest timestamptz;
  v_price bigint;
  v_window integer;
  v_tiers jsonb;
  v_cap integer;
  v_pref integer;
  v_bucket integer;
  v_split jsonb;
  v_joined boolean;
  v_entry_id uuid;
  v_retries integer := 0;
  v_buckets integer;
  v_claimed boolean := false;
  v_campaign public.sambatan_campaigns;
  v_participant public.sambatan_participants;
  v_response jsonb;
begin
  if v_user is null then
    perform sambatan_private.require_user(); -- raises the precise UNAUTHENTICATED / FORBIDDEN
  end if;
  if p_campaign_id is null then
    perform sambatan_private.invalid('campaign_id', 'required');
  end if;
  if p_quantity is null or p_quantity not between 1 and 100000 then
    perform sambatan_private.invalid('quantity', 'range_1_100000');
  end if;
  if p_shipping_address is null or char_length(btrim(p_shipping_address)) not between 1 and 500 then
    perform sambatan_private.invalid('shipping_address', 'length_1_500');
  end if;
  if char_length(p_note) > 500 then
    perform sambatan_private.invalid('note', 'max_500');
  end if;

  if p_idempotency_key is not null then
    if char_length(p_idempotency_key) not between 1 and 255 then
      perform sambatan_private.invalid('idempotency_key', 'length_1_255');
    end if;
    v_hash := encode(sha256(convert_to(
      (jsonb_build_array(p_campaign_id, p_quantity, p_shipping_address, p_note)
       || case when p_waitlist then '[true]'::jsonb else '[]'::jsonb end)::text, 'UTF8')), 'hex');
    -- A concurrent request with the same key waits here until the first commits
    -- (then replays it) or rolls back (then runs itself).
    insert into sambatan_private.idempotency_keys (user_id, key, request_hash, created_at)
    values (v_user, p_idempotency_key, v_hash, v_now)
    on conflict do nothing;
    if not found then
      select * into v_prior from sambatan_private.idempotency_keys k
       where k.user_id = v_user and k.key = p_idempotency_key;
      if v_prior.request_hash <> v_hash then
        perform sambatan_private.fail('SB041', 'IDEMPOTENCY_KEY_REUSED');
      end if;
      if v_prior.response is null then
        perform sambatan_private.fail('SB025', 'IDEMPOTENCY_IN_FLIGHT');
      end if;
      if v_prior.response ? 'waitlist_entry' then
        return v_prior.response || jsonb_build_object('replayed', true);
      end if;
      return jsonb_build_object('participation', v_prior.response, 'replayed', true);
    end if;
  end if;

  select coalesce((select (s.value #>> '{}')::integer from sambatan_private.settings s
                     where s.key = 'join_rate_limit_per_minute'), 10)
    into v_limit;
  if v_limit > 0 then
    -- Serialise one buyer's joins so the count below cannot be raced past.
    perform pg_advisory_xact_lock(hashtextextended('sambatan.join:' || v_user::text, 0));
    select count(*), min(r.created_at) into v_recent, v_oldest
      from (select p.created_at from public.sambatan_participants p
             where p.user_id = v_user and p.created_at > v_now - interval '1 minute'
             order by p.created_at desc, p.id desc
             limit v_limit) r;
    if v_recent >= v_limit then
      perform sambatan_private.fail('SB050', 'RATE_LIMITED', jsonb_build_object(
        'limit', v_limit,
        'retry_after_seconds', greatest(1, ceil(extract(epoch from v_oldest + interval '1 minute' - v_now)))::integer));
    end if;
  end if;

  -- One buyer's joins are serialised by the lock above, so this check does not race;
  -- with the limit switched off the partial unique index still refuses a second
  -- active participation (23505, mapped to ALREADY_JOINED as well). A buyer waiting
  -- for this campaign already has their place: one probe in the same statement.
  select exists (select 1 from public.sambatan_participants p
                  where p.campaign_id = p_campaign_id and p.user_id = v_user
                    and p.status in ('pending_payment', 'paid', 'confirmed')),
         (select w.id from public.sambatan_waitlist_entries w
           where w.campaign_id = p_campaign_id and w.user_id = v_user and w.status = 'waiting')
    into v_joined, v_entry_id;
  if v_joined or v_entry_id is not null then
    perform sambatan_private.fail('SB023', 'ALREADY_JOINED', jsonb_strip_nulls(jsonb_build_object(
      'campaign_id', p_campaign_id, 'waitlist_entry_id', v_entry_id)));
  end if;

  -- Everything that needs no lock happens before the claim: a flat price never
  -- changes, so the participant row and the answer are built here, and the campaign
  -- row stays locked only for the claim and the two inserts after it.
  -- The window never changes after creation either, so the due time is known here.
  select * into v_campaign from public.sambatan_campaigns c where c.id = p_campaign_id;
  if not found then
    perform sambatan_private.fail('SB011', 'CAMPAIGN_NOT_FOUND', jsonb_build_object('campaign_id', p_campaign_id));
  end if;
  v_price := v_campaign.price_per_slot;
  v_window := v_campaign.payment_window_minutes;
  v_tiers := v_campaign.price_tiers;
  v_cap := v_campaign.max_slots_per_buyer;
  v_buckets := v_campaign.slot_buckets;
  if p_quantity > v_cap then
    perform sambatan_private.fail('SB042', 'BUYER_LIMIT_EXCEEDED', jsonb_build_object(
      'max_slots_per_buyer', v_cap, 'requested', p_quantity));
  end if;
  v_participant.id := gen_random_uuid();
  v_participant.campaign_id := p_campaign_id;
  v_participant.user_id := v_user;
  v_participant.quantity := p_quantity;
  v_participant.amount := p_quantity * v_price;
  v_participant.shipping_address := btrim(p_shipping_address);
  v_participant.note := p_note;
  v_participant.status := 'pending_payment';
  v_participant.idempotency_key := p_idempotency_key;
  v_participant.created_at := v_now;
  v_participant.updated_at := v_now;
  v_participant.payment_due_at := v_now + make_interval(mins => v_window);
  if v_tiers is null then
    v_response := sambatan_private.participation_json(v_participant);
    if p_idempotency_key is not null then
      update sambatan_private.idempotency_keys k set response = v_response
       where k.user_id = v_user and k.key = p_idempotency_key;
    end if;
  end if;

  -- A bucketed campaign (see slot_buckets): the first bucket with room that no other
  -- join holds, starting from the one this buyer hashes to. Buckets never hold a
  -- campaign's last slot, so this claim can neither fill nor lock the campaign.
  if v_buckets > 1 and v_tiers is null and v_campaign.status = 'active' and v_campaign.deadline > v_now then
    v_pref := (hashtext(v_user::text)::bigint & 2147483647) % v_buckets;
    -- A locking read that finds a row changed by a commit since its snapshot locks
    -- that row's newest version before it checks the row again, and keeps the lock
    -- when the row no longer has room. A join holding such a row would then wait for
    -- the campaign row while a fold holding the campaign row waits for that bucket.
    -- So each attempt runs in a block that is rolled back when it claims nothing,
    -- which lets go of every bucket row it locked.
    begin
      select o.bucket into v_bucket from sambatan_private.slot_buckets o
       where o.campaign_id = p_campaign_id and o.taken + p_quantity <= o.slots
       order by (o.bucket - v_pref + v_buckets) % v_buckets
       limit 1
         for no key update skip locked;
      if not found then
        raise no_data_found;
      end if;
      -- Held since the statement above, and rechecked there: the claim fits.
      update sambatan_private.slot_buckets b set taken = b.taken + p_quantity
       where b.campaign_id = p_campaign_id and b.bucket = v_bucket;
      v_claimed := true;
    exception when no_data_found then
      v_claimed := false;
    end;
    if not v_claimed then
      -- Every bucket with room is held by another join: wait, holding no bucket, for
      -- the buyer's own. So no join ever waits for a campaign or a bucket while
      -- holding a bucket.
      begin
        update sambatan_private.slot_buckets b set taken = b.taken + p_quantity
         where b.campaign_id = p_campaign_id and b.bucket = v_pref and b.taken + p_quantity <= b.slots;
        if not found then
          raise no_data_found;
        end if;
        v_claimed := true;
      exception when no_data_found then
        v_claimed := false;
      end;
    end if;
  end if;
  if v_claimed then
    -- What the audit records as the fill: the campaign as this join sees it.
    v_campaign.filled_slots := v_campaign.filled_slots + sambatan_private.bucket_claims(p_campaign_id);
  elsif v_buckets > 1 then
    -- No bucket had room: the campaign row itself, with the buckets folded into it.
    perform sambatan_private.lock_campaign(p_campaign_id);
  end if;

  while not v_claimed loop
    update public.sambatan_campaigns c
       set filled_slots = c.filled_slots + p_quantity,
           status = case when c.filled_slots + p_quantity = c.total_slots
                         then 'locked'::public.sambatan_status else c.status end,
           locked_at = case when c.filled_slots + p_quantity = c.total_slots then v_now else c.locked_at end,
           updated_at = v_now
     where c.id = p_campaign_id
       and c.status = 'active'
       and c.deadline > v_now
       and c.filled_slots + p_quantity <= c.total_slots
    returning * into v_campaign;
    if found then
      if v_buckets > 1 then
        perform sambatan_private.refill_slot_buckets(v_campaign);
      end if;
      exit;
    end if;

    -- Why the claim failed, read again: under the campaign's lock for the waiting list
    -- (no cancel can then free slots unseen before the entry is in place), plainly
    -- otherwise. Room that came free in between (a cancel committed) is claimed again,
    -- once for the waiting list and up to three times otherwise, rather than refused
    -- with details that say there is room.
    if p_waitlist then
      v_campaign := sambatan_private.lock_campaign(p_campaign_id);
    else
      select * into v_campaign from public.sambatan_campaigns c where c.id = p_campaign_id;
    end if;
    if v_campaign.status = 'active' and v_campaign.deadline > v_now
       and v_campaign.filled_slots + p_quantity <= v_campaign.total_slots
       and (v_retries < 1 or (not p_waitlist and v_retries < 3)) then
      v_retries := v_retries + 1;
      continue;
    end if;
    if p_waitlist and v_campaign.status in ('active', 'locked') and v_campaign.deadline > v_now
       and p_quantity <= v_campaign.total_slots then
      return sambatan_private.enter_waitlist(p_campaign_id, v_user, p_quantity, p_shipping_address, p_note,
                                             p_idempotency_key);
    end if;
    if v_campaign.status = 'locked' then
      perform sambatan_private.fail('SB021', 'CAMPAIGN_FULL', jsonb_build_object('campaign_id', p_campaign_id));
    elsif v_campaign.status <> 'active' then
      perform sambatan_private.fail('SB022', 'CAMPAIGN_CLOSED', jsonb_build_object('campaign_id', p_campaign_id, 'status', v_campaign.status));
    elsif v_campaign.deadline <= v_now then
      perform sambatan_private.fail('SB030', 'DEADLINE_PASSED', jsonb_build_object('campaign_id', p_campaign_id, 'deadline', sambatan_private.iso(v_campaign.deadline)));
    end if;
    perform sambatan_private.fail('SB040', 'SLOTS_INSUFFICIENT', jsonb_build_object(
      'available_slots', v_campaign.total_slots - v_campaign.filled_slots, 'requested', p_quantity));
  end loop;

  if v_tiers is not null then
    v_split := sambatan_private.tier_split(v_tiers, v_campaign.filled_slots - p_quantity, p_quantity);
    v_participant.amount := sambatan_private.tier_amount(v_split);
    v_response := sambatan_private.participation_json(v_participant);
    if p_idempotency_key is not null then
      update sambatan_private.idempotency_keys k set response = v_response
       where k.user_id = v_user and k.key = p_idempotency_key;
    end if;
  end if;

  insert into public.sambatan_participants select (v_participant).*;
  insert into public.sambatan_audit_logs (campaign_id, participation_id, event, actor, actor_role, metadata, created_at)
  select p_campaign_id, v_participant.id, e.event, v_user, 'authenticated', e.metadata, v_now
    from (values
      ('joined', jsonb_build_object('quantity', p_quantity, 'amount', v_participant.amount,
                                    'filled_slots', v_campaign.filled_slots)
                  || jsonb_strip_nulls(jsonb_build_object('tiers', v_split))),
      ('locked', jsonb_build_object('filled_slots', v_campaign.filled_slots, 'total_slots', v_campaign.total_slots))
    ) e(event, metadata)
   where e.event = 'joined' or v_campaign.status = 'locked';
  return jsonb_build_object('participation', v_response, 'replayed', false);
end
$$;
revoke execute on function public.join_campaign(uuid, integer, text, text, text, boolean) from public, anon, authenticated, service_role;
grant execute on function public.join_campaign(uuid, integer, text, text, text, boolean) to authenticated, service_role;
