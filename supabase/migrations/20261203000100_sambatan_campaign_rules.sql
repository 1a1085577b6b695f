-- Campaign rules (issue 12): a minimum to succeed, price tiers, a cap per buyer, one
-- extension and an organiser's cancel reason. A campaign that sets none of them
-- behaves exactly as before: min_slots defaults to total_slots (so only a full
-- campaign succeeds), no tiers means the flat price_per_slot, no cap.

alter table public.sambatan_campaigns
  add column min_slots integer,
  add column price_tiers jsonb,
  add column max_slots_per_buyer integer check (max_slots_per_buyer between 1 and 100000),
  add column extended_at timestamptz,
  add column cancel_reason text check (char_length(cancel_reason) <= 500);
update public.sambatan_campaigns set min_slots = total_slots where min_slots is null;
alter table public.sambatan_campaigns
  alter column min_slots set not null,
  add constraint sambatan_campaigns_min_slots_range check (min_slots between 1 and total_slots),
  add constraint sambatan_campaigns_price_tiers_array check (price_tiers is null or jsonb_typeof(price_tiers) = 'array');

create or replace function sambatan_private.campaign_json(c public.sambatan_campaigns) returns jsonb
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
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
    'deadline', sambatan_private.iso(c.deadline),
    'created_by', c.created_by,
    'created_at', sambatan_private.iso(c.created_at),
    'updated_at', sambatan_private.iso(c.updated_at),
    'locked_at', sambatan_private.iso(c.locked_at),
    'fulfilled_at', sambatan_private.iso(c.fulfilled_at),
    'expired_at', sambatan_private.iso(c.expired_at),
    'cancelled_at', sambatan_private.iso(c.cancelled_at),
    'extended_at', sambatan_private.iso(c.extended_at),
    'cancel_reason', c.cancel_reason)
$$;

-- Validates p_tiers against the campaign's size and returns them normalised (only
-- the two keys), or null without tiers. Ascending, the last one ends at total_slots,
-- so every slot falls in exactly one tier.
create function sambatan_private.check_price_tiers(p_tiers jsonb, p_total_slots integer) returns jsonb
language plpgsql immutable
set search_path = ''
as $$
declare
  v_tier jsonb;
  v_prev integer := 0;
  v_up integer;
  v_price bigint;
  v_out jsonb := '[]'::jsonb;
begin
  if p_tiers is null or jsonb_typeof(p_tiers) = 'null' then
    return null;
  end if;
  if jsonb_typeof(p_tiers) <> 'array' or jsonb_array_length(p_tiers) not between 1 and 20 then
    perform sambatan_private.invalid('price_tiers', 'array_1_20');
  end if;
  for v_tier in select t.value from jsonb_array_elements(p_tiers) t loop
    -- Whole numbers only, short enough to cast without an error of their own.
    if jsonb_typeof(v_tier) <> 'object'
       or coalesce(v_tier ->> 'up_to_slot', '') !~ '^[0-9]{1,6}$'
       or coalesce(v_tier ->> 'price_per_slot', '') !~ '^[0-9]{1,13}$'
       or jsonb_typeof(v_tier -> 'up_to_slot') <> 'number' or jsonb_typeof(v_tier -> 'price_per_slot') <> 'number' then
      perform sambatan_private.invalid('price_tiers', 'tier_up_to_slot_and_price_per_slot');
    end if;
    v_up := (v_tier ->> 'up_to_slot')::integer;
    v_price := (v_tier ->> 'price_per_slot')::bigint;
    if v_up <= v_prev then
      perform sambatan_private.invalid('price_tiers', 'up_to_slot_ascending');
    end if;
    if v_price not between 1 and 1000000000000 then
      perform sambatan_private.invalid('price_tiers', 'price_range_1_1e12');
    end if;
    v_out := v_out || jsonb_build_array(jsonb_build_object('up_to_slot', v_up, 'price_per_slot', v_price));
    v_prev := v_up;
  end loop;
  if v_prev <> p_total_slots then
    perform sambatan_private.invalid('price_tiers', 'last_up_to_slot_is_total_slots');
  end if;
  return v_out;
end
$$;

-- The slots p_quantity claims after p_filled, per tier they fall in:
-- [{up_to_slot, price_per_slot, slots}], tiers with no slot left out.
create function sambatan_private.tier_split(p_tiers jsonb, p_filled integer, p_quantity integer) returns jsonb
language sql immutable
set search_path = ''
as $$
  select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
           'up_to_slot', t.up, 'price_per_slot', t.price, 'slots', t.n) order by t.up), '[]')
    from (select s.up, s.price, least(s.up, p_filled + p_quantity) - greatest(s.below, p_filled) as n
            from (select (e.value ->> 'up_to_slot')::integer as up, (e.value ->> 'price_per_slot')::bigint as price,
                         coalesce(lag((e.value ->> 'up_to_slot')::integer) over (order by e.ord), 0) as below
                    from pg_catalog.jsonb_array_elements(p_tiers) with ordinality e(value, ord)) s) t
   where t.n > 0
$$;

-- What a tier split costs: each slot at its tier's price.
create function sambatan_private.tier_amount(p_split jsonb) returns bigint
language sql immutable
set search_path = ''
as $$
  select coalesce(sum((t.value ->> 'slots')::bigint * (t.value ->> 'price_per_slot')::bigint), 0)::bigint
    from pg_catalog.jsonb_array_elements(p_split) t
$$;

-- The tier the next slot falls in, with the slots left in it; null without tiers or when full.
create function sambatan_private.current_tier(c public.sambatan_campaigns) returns jsonb
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('up_to_slot', t.up, 'price_per_slot', t.price, 'slots_left', t.up - c.filled_slots)
    from (select (e.value ->> 'up_to_slot')::integer as up, (e.value ->> 'price_per_slot')::bigint as price
            from pg_catalog.jsonb_array_elements(coalesce(c.price_tiers, '[]')) e) t
   where t.up > c.filled_slots
   order by t.up
   limit 1
$$;

create or replace function public.get_campaign(p_campaign_id uuid) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_campaign public.sambatan_campaigns := sambatan_private.find_campaign(p_campaign_id);
begin
  return sambatan_private.campaign_json(v_campaign) || jsonb_build_object(
    'progress', sambatan_private.campaign_progress(v_campaign),
    'current_tier', sambatan_private.current_tier(v_campaign));
end
$$;
revoke execute on function public.get_campaign(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_campaign(uuid) to anon, authenticated, service_role;
