-- Campaign verbs: create, list, get, progress, and the product toggle.

-- Creates an active campaign for a product with sambatan enabled (sambatan.manage).
create function public.create_campaign(
  p_product_id uuid,
  p_title text,
  p_total_slots integer,
  p_price_per_slot bigint,
  p_deadline timestamptz
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_enabled boolean;
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

  select p.sambatan_enabled into v_enabled from public.products p where p.id = p_product_id;
  if not found then
    perform sambatan_private.fail('SB010', 'PRODUCT_NOT_FOUND', jsonb_build_object('product_id', p_product_id));
  end if;
  if not v_enabled then
    perform sambatan_private.fail('SB020', 'PRODUCT_NOT_ENABLED', jsonb_build_object('product_id', p_product_id));
  end if;

  insert into public.sambatan_campaigns (product_id, title, total_slots, price_per_slot, deadline, created_by, created_at, updated_at)
  values (p_product_id, btrim(p_title), p_total_slots, p_price_per_slot, p_deadline, auth.uid(), v_now, v_now)
  returning * into v_campaign;

  perform sambatan_private.audit(v_campaign.id, 'created', jsonb_build_object(
    'title', v_campaign.title, 'total_slots', v_campaign.total_slots,
    'price_per_slot', v_campaign.price_per_slot, 'deadline', sambatan_private.iso(v_campaign.deadline)));
  return sambatan_private.campaign_json(v_campaign);
end
$$;
revoke execute on function public.create_campaign(uuid, text, integer, bigint, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.create_campaign(uuid, text, integer, bigint, timestamptz) to authenticated, service_role;

-- One keyset page of campaigns, newest first, optionally by status and product.
create function public.list_campaigns(
  p_status public.sambatan_status default null,
  p_product_id uuid default null,
  p_limit integer default 20,
  p_cursor text default null
) returns jsonb
language plpgsql stable
security definer
set search_path = ''
-- Custom plans fold the absent filters away, so every filter shape walks its own index.
set plan_cache_mode = force_custom_plan
as $$
declare
  v_after_at timestamptz;
  v_after_id uuid;
begin
  perform sambatan_private.check_limit(p_limit);
  select k.r_at, k.r_id into v_after_at, v_after_id from sambatan_private.time_cursor(p_cursor) k;

  return (
    select sambatan_private.keyset_page(
             coalesce(jsonb_agg(sambatan_private.campaign_json(s.c) order by (s.c).created_at desc, (s.c).id desc), '[]'),
             coalesce(jsonb_agg(jsonb_build_array((s.c).created_at, (s.c).id) order by (s.c).created_at desc, (s.c).id desc), '[]'),
             p_limit)
      from (select c from public.sambatan_campaigns c
             where (p_status is null or c.status = p_status)
               and (p_product_id is null or c.product_id = p_product_id)
               and (v_after_at is null or (c.created_at, c.id) < (v_after_at, v_after_id))
             order by c.created_at desc, c.id desc
             limit p_limit + 1) s);
end
$$;
revoke execute on function public.list_campaigns(public.sambatan_status, uuid, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.list_campaigns(public.sambatan_status, uuid, integer, text) to anon, authenticated, service_role;

-- Progress of one campaign: the legacy get_sambatan_campaign_progress figures.
create function sambatan_private.campaign_progress(c public.sambatan_campaigns) returns jsonb
language sql stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'total_slots', c.total_slots,
    'filled_slots', c.filled_slots,
    'available_slots', c.total_slots - c.filled_slots,
    'percent', c.progress_percent,
    'participant_count', count(*),
    'total_contribution', coalesce(sum(p.amount), 0))
  from public.sambatan_participants p
  where p.campaign_id = c.id and p.status in ('pending_payment', 'confirmed')
$$;

create function public.get_campaign(p_campaign_id uuid) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_campaign public.sambatan_campaigns := sambatan_private.find_campaign(p_campaign_id);
begin
  return sambatan_private.campaign_json(v_campaign) || jsonb_build_object('progress', sambatan_private.campaign_progress(v_campaign));
end
$$;
revoke execute on function public.get_campaign(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_campaign(uuid) to anon, authenticated, service_role;

-- Kept for operators' dashboards from the legacy system.
create function public.get_sambatan_campaign_progress(p_campaign_id uuid) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_campaign public.sambatan_campaigns := sambatan_private.find_campaign(p_campaign_id);
begin
  return jsonb_build_object('campaign_id', v_campaign.id, 'status', v_campaign.status)
    || sambatan_private.campaign_progress(v_campaign);
end
$$;
revoke execute on function public.get_sambatan_campaign_progress(uuid) from public, anon, authenticated, service_role;
grant execute on function public.get_sambatan_campaign_progress(uuid) to anon, authenticated, service_role;

-- Enables or disables group buying of a product and sets its campaign defaults (sambatan.manage).
create function public.toggle_product_sambatan(
  p_product_id uuid,
  p_enabled boolean,
  p_total_slots integer default null,
  p_price_per_slot bigint default null,
  p_deadline timestamptz default null
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

  update public.products p
     set sambatan_enabled = p_enabled,
         sambatan_total_slots = coalesce(p_total_slots, p.sambatan_total_slots),
         sambatan_price_per_slot = coalesce(p_price_per_slot, p.sambatan_price_per_slot),
         sambatan_deadline = coalesce(p_deadline, p.sambatan_deadline),
         updated_at = sambatan_private.clock()
   where p.id = p_product_id
  returning * into v_product;
  if not found then
    perform sambatan_private.fail('SB010', 'PRODUCT_NOT_FOUND', jsonb_build_object('product_id', p_product_id));
  end if;
  return sambatan_private.product_json(v_product);
end
$$;
revoke execute on function public.toggle_product_sambatan(uuid, boolean, integer, bigint, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.toggle_product_sambatan(uuid, boolean, integer, bigint, timestamptz) to authenticated, service_role;
