-- create_campaign takes the campaign rules. The old signature is dropped, not
-- overloaded: a call naming only the old arguments would otherwise match both.

drop function public.create_campaign(uuid, text, integer, bigint, timestamptz, integer);

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
  p_max_slots_per_buyer integer default null
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
                                         min_slots, price_tiers, max_slots_per_buyer, created_by, created_at, updated_at)
  values (p_product_id, btrim(p_title), p_total_slots, v_price, p_deadline, v_window,
          coalesce(p_min_slots, p_total_slots), v_tiers, p_max_slots_per_buyer, auth.uid(), v_now, v_now)
  returning * into v_campaign;

  perform sambatan_private.audit(v_campaign.id, 'created', jsonb_strip_nulls(jsonb_build_object(
    'title', v_campaign.title, 'total_slots', v_campaign.total_slots,
    'price_per_slot', v_campaign.price_per_slot, 'deadline', sambatan_private.iso(v_campaign.deadline),
    'payment_window_minutes', v_campaign.payment_window_minutes, 'min_slots', v_campaign.min_slots,
    'price_tiers', v_campaign.price_tiers, 'max_slots_per_buyer', v_campaign.max_slots_per_buyer)));
  return sambatan_private.campaign_json(v_campaign);
end
$$;
revoke execute on function public.create_campaign(uuid, text, integer, bigint, timestamptz, integer, integer, jsonb, integer) from public, anon, authenticated, service_role;
grant execute on function public.create_campaign(uuid, text, integer, bigint, timestamptz, integer, integer, jsonb, integer) to authenticated, service_role;
