-- The payment window reaches the API: campaign, product and participation JSON
-- carry it, create_campaign and toggle_product_sambatan accept it. The old
-- signatures are dropped, not overloaded: a call naming only the old arguments
-- would otherwise match both.

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
    'deadline', sambatan_private.iso(c.deadline),
    'created_by', c.created_by,
    'created_at', sambatan_private.iso(c.created_at),
    'updated_at', sambatan_private.iso(c.updated_at),
    'locked_at', sambatan_private.iso(c.locked_at),
    'fulfilled_at', sambatan_private.iso(c.fulfilled_at),
    'expired_at', sambatan_private.iso(c.expired_at),
    'cancelled_at', sambatan_private.iso(c.cancelled_at))
$$;

create or replace function sambatan_private.participation_json(p public.sambatan_participants) returns jsonb
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', p.id,
    'campaign_id', p.campaign_id,
    'user_id', p.user_id,
    'quantity', p.quantity,
    'amount', p.amount,
    'status', p.status,
    'shipping_address', p.shipping_address,
    'note', p.note,
    'created_at', sambatan_private.iso(p.created_at),
    'updated_at', sambatan_private.iso(p.updated_at),
    'cancelled_at', sambatan_private.iso(p.cancelled_at),
    'cancel_reason', p.cancel_reason,
    'payment_due_at', sambatan_private.iso(p.payment_due_at),
    'paid_at', sambatan_private.iso(p.paid_at),
    'payment_provider', p.payment_provider,
    'payment_reference', p.payment_reference,
    'paid_amount', p.paid_amount)
$$;

create or replace function sambatan_private.product_json(p public.products) returns jsonb
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', p.id,
    'name', p.name,
    'base_price', p.base_price,
    'sambatan_enabled', p.sambatan_enabled,
    'sambatan_total_slots', p.sambatan_total_slots,
    'sambatan_price_per_slot', p.sambatan_price_per_slot,
    'sambatan_deadline', sambatan_private.iso(p.sambatan_deadline),
    'sambatan_payment_window_minutes', p.sambatan_payment_window_minutes,
    'created_at', sambatan_private.iso(p.created_at),
    'updated_at', sambatan_private.iso(p.updated_at))
$$;

-- Windows are 5 minutes to 7 days; null is no window.
create function sambatan_private.check_payment_window(p_minutes integer) returns void
language plpgsql immutable
set search_path = ''
as $$
begin
  if p_minutes is not null and p_minutes not between 5 and 10080 then
    perform sambatan_private.invalid('payment_window_minutes', 'range_5_10080');
  end if;
end
$$;

drop function public.create_campaign(uuid, text, integer, bigint, timestamptz);

-- Creates an active campaign for a product with sambatan enabled (sambatan.manage).
create function public.create_campaign(
  p_product_id uuid,
  p_title text,
  p_total_slots integer,
  p_price_per_slot bigint,
  p_deadline timestamptz,
  p_payment_window_minutes integer default null
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_enabled boolean;
  v_window integer;
  v_campaign public.sambatan_campaigns;
begin
  perform sambatan_private.require_permission('sambatan.manage');
  if p_title is null or char_length(btrim(p_title)) not between 1 and 200 then
    perform sambatan_private.invalid('title', 'length_1_200');
  end if;
  if p_total_slots is null or p_total_slots not between 1 and 100000 then
    perform sambatan_private.invalid('total_slots', 'range_1_100000');
  end if;
  if p_price_per_slot is null or p_price_per_slot not between 1 and 1000000000000 then
    perform sambatan_private.invalid('price_per_slot', 'range_1_1e12');
  end if;
  if p_deadline is null or p_deadline <= v_now then
    perform sambatan_private.invalid('deadline', 'must_be_future');
  end if;
  if p_deadline > v_now + interval '1 year' then
    perform sambatan_private.invalid('deadline', 'at_most_one_year');
  end if;
  perform sambatan_private.check_payment_window(p_payment_window_minutes);

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
                                         created_by, created_at, updated_at)
  values (p_product_id, btrim(p_title), p_total_slots, p_price_per_slot, p_deadline, v_window,
          auth.uid(), v_now, v_now)
  returning * into v_campaign;

  perform sambatan_private.audit(v_campaign.id, 'created', jsonb_strip_nulls(jsonb_build_object(
    'title', v_campaign.title, 'total_slots', v_campaign.total_slots,
    'price_per_slot', v_campaign.price_per_slot, 'deadline', sambatan_private.iso(v_campaign.deadline),
    'payment_window_minutes', v_campaign.payment_window_minutes)));
  return sambatan_private.campaign_json(v_campaign);
end
$$;
revoke execute on function public.create_campaign(uuid, text, integer, bigint, timestamptz, integer) from public, anon, authenticated, service_role;
grant execute on function public.create_campaign(uuid, text, integer, bigint, timestamptz, integer) to authenticated, service_role;

drop function public.toggle_product_sambatan(uuid, boolean, integer, bigint, timestamptz);

-- Enables or disables group buying of a product and sets its campaign defaults (sambatan.manage).
create function public.toggle_product_sambatan(
  p_product_id uuid,
  p_enabled boolean,
  p_total_slots integer default null,
  p_price_per_slot bigint default null,
  p_deadline timestamptz default null,
  p_payment_window_minutes integer default null
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_product public.products;
begin
  perform sambatan_private.require_permission('sambatan.manage');
  if p_enabled is null then
    perform sambatan_private.invalid('enabled', 'required');
  end if;
  if p_total_slots is not null and p_total_slots not between 1 and 100000 then
    perform sambatan_private.invalid('total_slots', 'range_1_100000');
  end if;
  if p_price_per_slot is not null and p_price_per_slot not between 1 and 1000000000000 then
    perform sambatan_private.invalid('price_per_slot', 'range_1_1e12');
  end if;
  if p_deadline is not null and p_deadline <= sambatan_private.clock() then
    perform sambatan_private.invalid('deadline', 'must_be_future');
  end if;
  perform sambatan_private.check_payment_window(p_payment_window_minutes);

  update public.products p
     set sambatan_enabled = p_enabled,
         sambatan_total_slots = coalesce(p_total_slots, p.sambatan_total_slots),
         sambatan_price_per_slot = coalesce(p_price_per_slot, p.sambatan_price_per_slot),
         sambatan_deadline = coalesce(p_deadline, p.sambatan_deadline),
         sambatan_payment_window_minutes = coalesce(p_payment_window_minutes, p.sambatan_payment_window_minutes),
         updated_at = sambatan_private.clock()
   where p.id = p_product_id
  returning * into v_product;
  if not found then
    perform sambatan_private.fail('SB010', 'PRODUCT_NOT_FOUND', jsonb_build_object('product_id', p_product_id));
  end if;
  return sambatan_private.product_json(v_product);
end
$$;
revoke execute on function public.toggle_product_sambatan(uuid, boolean, integer, bigint, timestamptz, integer) from public, anon, authenticated, service_role;
grant execute on function public.toggle_product_sambatan(uuid, boolean, integer, bigint, timestamptz, integer) to authenticated, service_role;
