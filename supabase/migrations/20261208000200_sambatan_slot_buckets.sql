-- Hot campaigns past one row: opt-in slot buckets.
--
-- Every join of a campaign updates its one row, so a flash sale is bounded by how
-- fast one row can be updated and committed, one transaction after the other. A
-- campaign created with slot_buckets = n (2..64) also has n bucket rows holding free
-- slots moved out of the campaign row ("escrow"). A join claims from the bucket its
-- buyer hashes to and, when that bucket is short, from the first other bucket no one
-- is holding; n joins commit side by side.
--
-- What keeps every rule exact:
--   * The campaign row stays the only place a campaign fills, locks, closes or gives
--     slots back. A bucket never holds the last free slot, so a bucket claim can
--     never make a campaign full: the join that takes the last slot does it on the
--     campaign row, which locks the campaign in the same transaction, as before.
--   * Every writer that needs the campaign's exact state (a cancel, a release, the
--     waiting list, closing, the lifecycle) takes the campaign row with
--     lock_campaign(), which first counts the buckets' claims into filled_slots and
--     empties them ("fold"). The fold waits for joins holding a bucket, so what they
--     claimed is counted and their participants are seen by the statements after it.
--     After a fold no bucket has free slots: a join falls back to the campaign row
--     until the next join there refills the buckets.
--   * A join that finds no bucket with room takes the campaign row itself: fold, claim
--     there with the single-row rules (and errors, waiting list, locking), refill.
--   * Lock order is campaign row, then buckets, everywhere. A bucket claim takes no
--     campaign lock at all (the participant's foreign key takes FOR KEY SHARE, which
--     does not conflict with FOR NO KEY UPDATE), so every campaign lock here is FOR NO
--     KEY UPDATE: FOR UPDATE would wait on those key-share locks while holding the row.
--   * Reads (campaign, progress) add the buckets' claims to filled_slots, so they are
--     exact; the campaign row itself (what Realtime streams) catches up at every fold,
--     at the latest at every lifecycle sweep, and at every refill, which moves at most
--     1/16 of a campaign's slots into each bucket.
--   * Price tiers depend on the exact order of claims, so a campaign has either tiers
--     or buckets.

alter table public.sambatan_campaigns
  add column slot_buckets smallint not null default 1;
alter table public.sambatan_campaigns
  add constraint sambatan_campaigns_slot_buckets_range check (slot_buckets between 1 and 64);

comment on column public.sambatan_campaigns.slot_buckets is
  'Rows a join may claim from (1 = the campaign row only; up to 64 for flash sales). See slot_buckets in the README.';

create table sambatan_private.slot_buckets (
  campaign_id uuid not null references public.sambatan_campaigns (id) on delete cascade,
  bucket smallint not null check (bucket between 0 and 63),
  slots integer not null default 0 check (slots >= 0),
  taken integer not null default 0 check (taken between 0 and slots),
  primary key (campaign_id, bucket)
);
alter table sambatan_private.slot_buckets enable row level security;
comment on table sambatan_private.slot_buckets is
  'Free slots moved out of a bucketed campaign''s row (slots) and the part of them joins have claimed (taken) since the last fold.';

-- Claims held in buckets and not yet counted in the campaign row.
create function sambatan_private.bucket_claims(p_campaign_id uuid) returns integer
language plpgsql
stable
set search_path = ''
as $$
begin
  return (select coalesce(sum(b.taken), 0)::integer from sambatan_private.slot_buckets b
           where b.campaign_id = p_campaign_id);
end
$$;

-- The campaign as readers see it: filled_slots and progress_percent include the
-- claims still held in its buckets.
create function sambatan_private.exact_campaign(c public.sambatan_campaigns) returns public.sambatan_campaigns
language plpgsql
stable
set search_path = ''
as $$
begin
  if c.slot_buckets > 1 then
    c.filled_slots := c.filled_slots + sambatan_private.bucket_claims(c.id);
    c.progress_percent := round(c.filled_slots * 100.0 / c.total_slots, 2);
  end if;
  return c;
end
$$;

-- Counts the buckets' claims into their campaigns' rows and empties the buckets.
-- Takes the campaign rows first (FOR NO KEY UPDATE, in id order; a no-op for rows the
-- caller holds), then the bucket rows, waiting for joins that hold one.
create function sambatan_private.fold_slot_buckets(p_campaign_ids uuid[]) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid;
  v_taken integer;
begin
  for v_id in
    select c.id from public.sambatan_campaigns c
     where c.id = any (p_campaign_ids) and c.slot_buckets > 1
     order by c.id
       for no key update
  loop
    select coalesce(sum(s.taken), 0) into v_taken
      from (select b.taken from sambatan_private.slot_buckets b
             where b.campaign_id = v_id order by b.bucket for no key update) s;
    update sambatan_private.slot_buckets b set slots = 0, taken = 0
     where b.campaign_id = v_id and b.slots > 0;
    if v_taken > 0 then
      update public.sambatan_campaigns c set filled_slots = c.filled_slots + v_taken where c.id = v_id;
    end if;
  end loop;
end
$$;

-- The campaign row, locked for a change, with its buckets folded into it: the one way
-- every verb takes a campaign. Returns a row of nulls when there is no such campaign.
create function sambatan_private.lock_campaign(p_campaign_id uuid) returns public.sambatan_campaigns
language plpgsql
set search_path = ''
as $$
declare
  v_campaign public.sambatan_campaigns;
begin
  select * into v_campaign from public.sambatan_campaigns c where c.id = p_campaign_id for no key update;
  if found and v_campaign.slot_buckets > 1 then
    perform sambatan_private.fold_slot_buckets(array[p_campaign_id]);
    select * into v_campaign from public.sambatan_campaigns c where c.id = p_campaign_id;
  end if;
  return v_campaign;
end
$$;

-- Moves free slots of a folded, locked, active campaign into its buckets: all but the
-- last free slot, spread evenly, at most ceil(total_slots / (16 × buckets)) a bucket.
create function sambatan_private.refill_slot_buckets(c public.sambatan_campaigns) returns void
language plpgsql
set search_path = ''
as $$
declare
  v_escrow integer := c.total_slots - c.filled_slots - 1;
  v_each integer;
begin
  if c.slot_buckets < 2 or c.status <> 'active' or v_escrow < 1 then
    return;
  end if;
  v_each := least(ceil(v_escrow::numeric / c.slot_buckets)::integer,
                  greatest(1, ceil(c.total_slots::numeric / (16 * c.slot_buckets))::integer));
  update sambatan_private.slot_buckets b
     set slots = greatest(0, least(v_each, v_escrow - b.bucket * v_each)), taken = 0
   where b.campaign_id = c.id;
end
$$;

-- Campaign answers count the claims held in buckets.
create or replace function sambatan_private.campaign_json(c public.sambatan_campaigns) returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
  if c.slot_buckets > 1 then
    c := sambatan_private.exact_campaign(c);
  end if;
  return pg_catalog.jsonb_build_object(
    'id', c.id,
    'product_id', c.product_id,
    'title', c.title,
    'status', c.status,
    'total_slots', c.total_slots,
    'filled_slots', c.filled_slots,
    'available_slots', c.total_slots - c.filled_slots,
    'progress_percent', c.progress_percent,
    'price_per_slot', c.price_per_slot,
    'payment_window_minutes', c.payment_window_minutes,
    'min_slots', c.min_slots,
    'price_tiers', c.price_tiers,
    'max_slots_per_buyer', c.max_slots_per_buyer,
    'slot_buckets', c.slot_buckets,
    'deadline', pg_catalog.to_char(c.deadline at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'created_by', c.created_by,
    'created_at', pg_catalog.to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'updated_at', pg_catalog.to_char(c.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'locked_at', pg_catalog.to_char(c.locked_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'fulfilled_at', pg_catalog.to_char(c.fulfilled_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'expired_at', pg_catalog.to_char(c.expired_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'cancelled_at', pg_catalog.to_char(c.cancelled_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'extended_at', pg_catalog.to_char(c.extended_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'cancel_reason', c.cancel_reason);
end
$$;

create or replace function sambatan_private.campaign_progress(c public.sambatan_campaigns) returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
  c := sambatan_private.exact_campaign(c);
  return (
    select pg_catalog.jsonb_build_object(
      'total_slots', c.total_slots,
      'filled_slots', c.filled_slots,
      'available_slots', c.total_slots - c.filled_slots,
      'percent', c.progress_percent,
      'participant_count', count(*),
      'total_contribution', coalesce(sum(p.amount), 0),
      'paid_slots', coalesce(sum(p.quantity) filter (where p.paid_at is not null), 0),
      'unpaid_slots', coalesce(sum(p.quantity) filter (where p.status = 'pending_payment'), 0),
      'amount_paid', coalesce(sum(p.paid_amount), 0),
      'refunds_pending', (select coalesce(sum(r.amount), 0) from public.refunds r
                           where r.campaign_id = c.id and r.status = 'pending'))
    from public.sambatan_participants p
    where p.campaign_id = c.id and p.status in ('pending_payment', 'paid', 'confirmed'));
end
$$;

-- create_campaign takes slot_buckets; the old signature is dropped, not overloaded.
drop function public.create_campaign(uuid, text, integer, bigint, timestamptz, integer, integer, jsonb, integer);

-- Creates an active campaign for a product with sambatan enabled (sambatan.manage).
-- With tiers, price_per_slot may be left out: it is then the first tier's price.
create function public.create_campaign(
  p_product_id uuid,
  p_title text,
  p_total_slots integer,
  p_price_per_slot bigint,
  p_deadline timestamptz,
  p_payment_window_minutes integer default null,
  p_min_slots integer default null,
  p_price_tiers jsonb default null,
  p_max_slots_per_buyer integer default null,
  p_slot_buckets integer default null
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_enabled boolean;
  v_window integer;
  v_tiers jsonb;
  v_price bigint;
  v_campaign public.sambatan_campaigns;
begin
  perform sambatan_private.require_permission('sambatan.manage');
  if p_title is null or char_length(btrim(p_title)) not between 1 and 200 then
    perform sambatan_private.invalid('title', 'length_1_200');
  end if;
  if p_total_slots is null or p_total_slots not between 1 and 100000 then
    perform sambatan_private.invalid('total_slots', 'range_1_100000');
  end if;
  v_tiers := sambatan_private.check_price_tiers(p_price_tiers, p_total_slots);
  v_price := coalesce(p_price_per_slot, (v_tiers -> 0 ->> 'price_per_slot')::bigint);
  if v_price is null or v_price not between 1 and 1000000000000 then
    perform sambatan_private.invalid('price_per_slot', 'range_1_1e12');
  end if;
  if p_deadline is null or p_deadline <= v_now then
    perform sambatan_private.invalid('deadline', 'must_be_future');
  end if;
  if p_deadline > v_now + interval '1 year' then
    perform sambatan_private.invalid('deadline', 'at_most_one_year');
  end if;
  perform sambatan_private.check_payment_window(p_payment_window_minutes);
  if p_min_slots is not null and p_min_slots not between 1 and p_total_slots then
    perform sambatan_private.invalid('min_slots', 'range_1_total_slots');
  end if;
  if p_max_slots_per_buyer is not null and p_max_slots_per_buyer not between 1 and 100000 then
    perform sambatan_private.invalid('max_slots_per_buyer', 'range_1_100000');
  end if;
  if p_slot_buckets is not null and p_slot_buckets not between 1 and 64 then
    perform sambatan_private.invalid('slot_buckets', 'range_1_64');
  end if;
  if coalesce(p_slot_buckets, 1) > 1 and v_tiers is not null then
    perform sambatan_private.invalid('slot_buckets', 'not_with_price_tiers');
  end if;

  -- Without a window of its own the campaign takes the product's default.
  select p.sambatan_enabled, coalesce(p_payment_window_minutes, p.sambatan_payment_window_minutes)
    into v_enabled, v_window
    from public.products p where p.id = p_product_id;
  if not found then
    perform sambatan_private.fail('SB010', 'PRODUCT_NOT_FOUND', jsonb_build_object('product_id', p_product_id));
  end if;
  if not v_enabled then
    perform sambatan_private.fail('SB020', 'PRODUCT_NOT_ENABLED', jsonb_build_object('product_id', p_product_id));
  end if;

  insert into public.sambatan_campaigns (product_id, title, total_slots, price_per_slot, deadline, payment_window_minutes,
                                         min_slots, price_tiers, max_slots_per_buyer, slot_buckets, created_by, created_at, updated_at)
  values (p_product_id, btrim(p_title), p_total_slots, v_price, p_deadline, v_window,
          coalesce(p_min_slots, p_total_slots), v_tiers, p_max_slots_per_buyer, coalesce(p_slot_buckets, 1),
          auth.uid(), v_now, v_now)
  returning * into v_campaign;
  -- Empty buckets: the first join fills them from the campaign row.
  insert into sambatan_private.slot_buckets (campaign_id, bucket)
  select v_campaign.id, k from generate_series(0, v_campaign.slot_buckets - 1) k
   where v_campaign.slot_buckets > 1;

  perform sambatan_private.audit(v_campaign.id, 'created', jsonb_strip_nulls(jsonb_build_object(
    'title', v_campaign.title, 'total_slots', v_campaign.total_slots,
    'price_per_slot', v_campaign.price_per_slot, 'deadline', sambatan_private.iso(v_campaign.deadline),
    'payment_window_minutes', v_campaign.payment_window_minutes, 'min_slots', v_campaign.min_slots,
    'price_tiers', v_campaign.price_tiers, 'max_slots_per_buyer', v_campaign.max_slots_per_buyer,
    'slot_buckets', nullif(v_campaign.slot_buckets, 1))));
  return sambatan_private.campaign_json(v_campaign);
end
$$;
revoke execute on function public.create_campaign(uuid, text, integer, bigint, timestamptz, integer, integer, jsonb, integer, integer) from public, anon, authenticated, service_role;
grant execute on function public.create_campaign(uuid, text, integer, bigint, timestamptz, integer, integer, jsonb, integer, integer) to authenticated, service_role;


-- Claims p_quantity slots of a campaign for the calling buyer.
-- Returns {participation, replayed} or, on the waiting list, {waitlist_entry, replayed};
-- replayed answers repeat the first response.
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
  v_retried boolean := false;
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
    select o.bucket into v_bucket from sambatan_private.slot_buckets o
     where o.campaign_id = p_campaign_id and o.taken + p_quantity <= o.slots
     order by (o.bucket - v_pref + v_buckets) % v_buckets
     limit 1
       for no key update skip locked;
    if found then
      -- Held since the statement above, and rechecked there: the claim fits.
      update sambatan_private.slot_buckets b set taken = b.taken + p_quantity
       where b.campaign_id = p_campaign_id and b.bucket = v_bucket;
      v_claimed := true;
    else
      -- Every bucket with room is held by another join: wait for the buyer's own. A
      -- wait that ends without room lets go of the row again (the block rolls back),
      -- so no join ever waits for a campaign or a bucket while holding a bucket.
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

    if p_waitlist then
      -- Under the campaign's lock no cancel can free slots unseen: either room came
      -- free before it (claim again, once) or the entry is in place before any offer.
      v_campaign := sambatan_private.lock_campaign(p_campaign_id);
      if v_campaign.status = 'active' and v_campaign.deadline > v_now
         and v_campaign.filled_slots + p_quantity <= v_campaign.total_slots and not v_retried then
        v_retried := true;
        continue;
      end if;
      if v_campaign.status in ('active', 'locked') and v_campaign.deadline > v_now
         and p_quantity <= v_campaign.total_slots then
        return sambatan_private.enter_waitlist(p_campaign_id, v_user, p_quantity, p_shipping_address, p_note,
                                               p_idempotency_key);
      end if;
    else
      select * into v_campaign from public.sambatan_campaigns c where c.id = p_campaign_id;
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

-- Every verb below now takes its campaign through lock_campaign() (FOR NO KEY UPDATE,
-- buckets folded) or FOR NO KEY UPDATE; the lifecycle sweep folds before it releases
-- or settles, and folds active bucketed campaigns so the campaign rows catch up.

create or replace function public.cancel_participation(p_participation_id uuid, p_reason text default null)
returns jsonb
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
  v_campaign := sambatan_private.lock_campaign(v_campaign_id);
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

create or replace function sambatan_private.close_one(p_campaign_id uuid, p_to public.sambatan_status, p_reason text default null)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_campaign public.sambatan_campaigns;
begin
  v_campaign := sambatan_private.lock_campaign(p_campaign_id);
  if v_campaign.id is null then
    perform sambatan_private.fail('SB011', 'CAMPAIGN_NOT_FOUND', jsonb_build_object('campaign_id', p_campaign_id));
  end if;
  if v_campaign.status not in ('active', 'locked') then
    perform sambatan_private.fail('SB022', 'CAMPAIGN_CLOSED', jsonb_build_object('campaign_id', p_campaign_id, 'status', v_campaign.status));
  end if;
  perform sambatan_private.close_campaigns(array[p_campaign_id], p_to, p_reason);
  return sambatan_private.campaign_json(sambatan_private.find_campaign(p_campaign_id));
end
$$;

create or replace function public.cancel_campaign(p_campaign_id uuid, p_reason text)
returns jsonb
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
  v_campaign := sambatan_private.lock_campaign(p_campaign_id);
  if v_campaign.id is null then
    perform sambatan_private.fail('SB011', 'CAMPAIGN_NOT_FOUND', jsonb_build_object('campaign_id', p_campaign_id));
  end if;
  if v_campaign.status not in ('active', 'locked') then
    perform sambatan_private.fail('SB022', 'CAMPAIGN_CLOSED', jsonb_build_object('campaign_id', p_campaign_id, 'status', v_campaign.status));
  end if;
  perform sambatan_private.close_campaigns(array[p_campaign_id], 'cancelled', btrim(p_reason));
  return sambatan_private.campaign_json(sambatan_private.find_campaign(p_campaign_id));
end
$$;

create or replace function public.extend_campaign(p_campaign_id uuid, p_deadline timestamp with time zone)
returns jsonb
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
  v_campaign := sambatan_private.lock_campaign(p_campaign_id);
  if v_campaign.id is null then
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

create or replace function sambatan_private.lock_participation(p_participation_id uuid)
returns public.sambatan_participants
language plpgsql
set search_path = ''
as $$
declare
  v_campaign_id uuid;
  v_participant public.sambatan_participants;
begin
  select p.campaign_id into v_campaign_id from public.sambatan_participants p where p.id = p_participation_id;
  if found then
    perform sambatan_private.lock_campaign(v_campaign_id);
    select * into v_participant from public.sambatan_participants p where p.id = p_participation_id for update;
  end if;
  return v_participant;
end
$$;

create or replace function public.leave_waitlist(p_entry_id uuid)
returns jsonb
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
  perform sambatan_private.lock_campaign(v_campaign_id);
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

create or replace function sambatan_private.erase_user(p_user_id uuid)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_pseudonym uuid := sambatan_private.new_pseudonym();
  v_ids uuid[];
  v_participations integer;
  v_refunds integer;
  v_events integer;
  v_transactions integer;
  v_keys integer;
  v_waitlist integer := 0;
  v_counts jsonb;
begin
  -- Registered first: the guards let user_id/actor change only to a known pseudonym.
  insert into sambatan_private.erased_users (pseudonym, erased_at) values (v_pseudonym, v_now);

  select coalesce(array_agg(p.id order by p.id), '{}') into v_ids
    from public.sambatan_participants p where p.user_id = p_user_id;
  -- Campaign rows before participant rows, as every verb locks them.
  perform 1 from public.sambatan_campaigns c
   where c.id in (select p.campaign_id from public.sambatan_participants p where p.id = any(v_ids))
   order by c.id for no key update;

  perform sambatan_private.redact_personal_fields('public.sambatan_participants', v_ids, v_now);
  update public.sambatan_participants p set user_id = v_pseudonym where p.id = any(v_ids);
  get diagnostics v_participations = row_count;

  update public.refunds r set user_id = v_pseudonym where r.user_id = p_user_id;
  get diagnostics v_refunds = row_count;

  update public.sambatan_audit_logs a set actor = v_pseudonym where a.actor = p_user_id;
  get diagnostics v_events = row_count;

  -- A checkout's token and page open the provider's view of the buyer: not ledger.
  update public.payment_transactions t set token = null, redirect_url = null
   where t.participation_id = any(v_ids) and (t.token is not null or t.redirect_url is not null);
  get diagnostics v_transactions = row_count;

  -- Stored join answers repeat the address; they are replay caches, not ledger.
  delete from sambatan_private.idempotency_keys k where k.user_id = p_user_id;
  get diagnostics v_keys = row_count;

  if pg_catalog.to_regclass('public.sambatan_waitlist_entries') is not null then
    v_waitlist := sambatan_private.erase_waitlist_entries(p_user_id, v_pseudonym, v_now);
  end if;

  v_counts := jsonb_build_object('participations', v_participations, 'refunds', v_refunds,
    'audit_events', v_events, 'payment_transactions', v_transactions,
    'idempotency_keys', v_keys, 'waitlist_entries', v_waitlist);
  update sambatan_private.erased_users e set counts = v_counts where e.pseudonym = v_pseudonym;

  -- One event per participation, under the pseudonym; no field values, no user id.
  insert into public.sambatan_audit_logs (campaign_id, participation_id, event, actor, actor_role, metadata, created_at)
  select p.campaign_id, p.id, 'personal_data_erased', v_pseudonym, 'system',
         jsonb_build_object('fields', jsonb_build_array('shipping_address', 'note', 'user_id'), 'reason', 'account_deleted'), v_now
    from public.sambatan_participants p where p.id = any(v_ids);
  return v_counts || jsonb_build_object('pseudonym', v_pseudonym);
end
$$;

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
  -- Progress of hot campaigns: claims held in slot buckets are counted into the
  -- campaign row, so Realtime subscribers see them at least once per sweep.
  perform sambatan_private.fold_slot_buckets(array(
    select c.id from public.sambatan_campaigns c
     where c.slot_buckets > 1 and c.status = 'active'
       and exists (select 1 from sambatan_private.slot_buckets b where b.campaign_id = c.id and b.taken > 0)
     order by c.id
       for no key update skip locked));
  select array_agg(s.id) into v_due from (
    select c.id from public.sambatan_campaigns c
     where c.status in ('active', 'locked')
       and c.id in (select p.campaign_id from public.sambatan_participants p
                     where p.status = 'pending_payment' and p.payment_due_at <= v_now)
     order by c.deadline
     limit p_batch_size
       for no key update of c skip locked) s;
  perform sambatan_private.fold_slot_buckets(v_due);
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
       for no key update of c skip locked) s;
  select array_agg(s.id) into v_overdue from (
    select c.id from public.sambatan_campaigns c
     where c.status = 'active' and c.deadline <= v_now
     order by c.deadline
     limit p_batch_size
       for no key update skip locked) s;
  perform sambatan_private.fold_slot_buckets(v_overdue);
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

-- The dashboard's fill rate counts the claims held in buckets.
create or replace function public.sambatan_dashboard_summary()
returns jsonb
language plpgsql
stable
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

  -- Claims held in slot buckets count too (buckets of closed campaigns are empty).
  select round((sum(c.filled_slots) + (select coalesce(sum(b.taken), 0) from sambatan_private.slot_buckets b))::numeric
               / nullif(sum(c.total_slots), 0), 4)
    into v_fill
    from public.sambatan_campaigns c where c.status in ('active', 'locked');

  select count(*) into v_closing
    from public.sambatan_campaigns c
   where c.status = 'active' and c.deadline > v_now and c.deadline <= v_now + interval '24 hours';

  select jsonb_build_object(
           'pending', coalesce(sum(p.amount) filter (where p.status = 'pending_payment'), 0),
           'confirmed', coalesce(sum(p.amount) filter (where p.status = 'confirmed'), 0),
           'paid', coalesce(sum(p.amount) filter (where p.status = 'paid'), 0),
           'refunded', coalesce(sum(p.amount) filter (where p.status = 'refunded'), 0),
           'refunds_pending', (select coalesce(sum(r.amount), 0) from public.refunds r where r.status = 'pending'))
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
