-- Campaign verbs: create, list, get, progress, product toggle, health.

create function public.health() returns jsonb
language sql stable
security definer
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object('status', 'ok', 'time', private.iso(pg_catalog.clock_timestamp()))
$$;

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
  v_now timestamptz := private.clock();
  v_enabled boolean;
  v_campaign public.sambatan_campaigns;
begin
  perform private.require_permission('sambatan.manage');
  if p_title is null or char_length(btrim(p_title)) not between 1 and 200 then
    perform private.invalid('title', 'length_1_200');
  end if;
  if p_total_slots is null or p_total_slots not between 1 and 100000 then
    perform private.invalid('total_slots', 'range_1_100000');
  end if;
  if p_price_per_slot is null or p_price_per_slot not between 1 and 1000000000000 then
    perform private.invalid('price_per_slot', 'range_1_1e12');
  end if;
  if p_deadline is null or p_deadline <= v_now then
    perform private.invalid('deadline', 'must_be_future');
  end if;
  if p_deadline > v_now + interval '1 year' then
    perform private.invalid('deadline', 'at_most_one_year');
  end if;

  select p.sambatan_enabled into v_enabled from public.products p where p.id = p_product_id;
  if not found then
    perform private.fail('SB010', 'PRODUCT_NOT_FOUND', jsonb_build_object('product_id', p_product_id));
  end if;
  if not v_enabled then
    perform private.fail('SB020', 'PRODUCT_NOT_ENABLED', jsonb_build_object('product_id', p_product_id));
  end if;

  insert into public.sambatan_campaigns (product_id, title, total_slots, price_per_slot, deadline, created_by, created_at, updated_at)
  values (p_product_id, btrim(p_title), p_total_slots, p_price_per_slot, p_deadline, auth.uid(), v_now, v_now)
  returning * into v_campaign;

  perform private.audit(v_campaign.id, 'created', jsonb_build_object(
    'title', v_campaign.title, 'total_slots', v_campaign.total_slots,
    'price_per_slot', v_campaign.price_per_slot, 'deadline', private.iso(v_campaign.deadline)));
  return private.campaign_json(v_campaign);
end
$$;

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
  v_rows public.sambatan_campaigns[];
begin
  perform private.check_limit(p_limit);
  select k.r_at, k.r_id into v_after_at, v_after_id from private.time_cursor(p_cursor) k;

  v_rows := array(
    select c from public.sambatan_campaigns c
     where (p_status is null or c.status = p_status)
       and (p_product_id is null or c.product_id = p_product_id)
       and (v_after_at is null or (c.created_at, c.id) < (v_after_at, v_after_id))
     order by c.created_at desc, c.id desc
     limit p_limit + 1);

  return private.page(
    (select coalesce(jsonb_agg(private.campaign_json(r) order by r.created_at desc, r.id desc), '[]')
       from unnest(v_rows[1:p_limit]) r),
    case when coalesce(array_length(v_rows, 1), 0) > p_limit then
      private.encode_cursor(jsonb_build_array((v_rows[p_limit]).created_at, (v_rows[p_limit]).id))
    end);
end
$$;

-- Progress of one campaign: the seed's get_sambatan_campaign_progress figures.
create function private.campaign_progress(c public.sambatan_campaigns) returns jsonb
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
  v_campaign public.sambatan_campaigns := private.find_campaign(p_campaign_id);
begin
  return private.campaign_json(v_campaign) || jsonb_build_object('progress', private.campaign_progress(v_campaign));
end
$$;

-- Kept for operators' dashboards from the system this replaces.
create function public.get_sambatan_campaign_progress(p_campaign_id uuid) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_campaign public.sambatan_campaigns := private.find_campaign(p_campaign_id);
begin
  return jsonb_build_object('campaign_id', v_campaign.id, 'status', v_campaign.status)
    || private.campaign_progress(v_campaign);
end
$$;

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
  perform private.require_permission('sambatan.manage');
  if p_enabled is null then
    perform private.invalid('enabled', 'required');
  end if;
  if p_total_slots is not null and p_total_slots not between 1 and 100000 then
    perform private.invalid('total_slots', 'range_1_100000');
  end if;
  if p_price_per_slot is not null and p_price_per_slot not between 1 and 1000000000000 then
    perform private.invalid('price_per_slot', 'range_1_1e12');
  end if;
  if p_deadline is not null and p_deadline <= private.clock() then
    perform private.invalid('deadline', 'must_be_future');
  end if;

  update public.products p
     set sambatan_enabled = p_enabled,
         sambatan_total_slots = coalesce(p_total_slots, p.sambatan_total_slots),
         sambatan_price_per_slot = coalesce(p_price_per_slot, p.sambatan_price_per_slot),
         sambatan_deadline = coalesce(p_deadline, p.sambatan_deadline),
         updated_at = private.clock()
   where p.id = p_product_id
  returning * into v_product;
  if not found then
    perform private.fail('SB010', 'PRODUCT_NOT_FOUND', jsonb_build_object('product_id', p_product_id));
  end if;
  return private.product_json(v_product);
end
$$;
