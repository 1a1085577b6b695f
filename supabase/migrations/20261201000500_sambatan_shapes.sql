-- The JSON shapes the API answers with, the audit append, and the campaign lookup
-- every verb starts from.

create function sambatan_private.campaign_json(c public.sambatan_campaigns) returns jsonb
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
    'deadline', sambatan_private.iso(c.deadline),
    'created_by', c.created_by,
    'created_at', sambatan_private.iso(c.created_at),
    'updated_at', sambatan_private.iso(c.updated_at),
    'locked_at', sambatan_private.iso(c.locked_at),
    'fulfilled_at', sambatan_private.iso(c.fulfilled_at),
    'expired_at', sambatan_private.iso(c.expired_at),
    'cancelled_at', sambatan_private.iso(c.cancelled_at))
$$;

create function sambatan_private.participation_json(p public.sambatan_participants) returns jsonb
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
    'cancel_reason', p.cancel_reason)
$$;

create function sambatan_private.product_json(p public.products) returns jsonb
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
    'created_at', sambatan_private.iso(p.created_at),
    'updated_at', sambatan_private.iso(p.updated_at))
$$;

-- Appends one audit event as the current caller.
create function sambatan_private.audit(
  p_campaign_id uuid, p_event text, p_metadata jsonb default '{}', p_participation_id uuid default null
) returns void
language sql
set search_path = ''
as $$
  insert into public.sambatan_audit_logs (campaign_id, participation_id, event, actor, actor_role, metadata, created_at)
  values (p_campaign_id, p_participation_id, p_event, auth.uid(), coalesce(auth.jwt() ->> 'role', current_user::text),
          coalesce(p_metadata, '{}'), sambatan_private.clock())
$$;

-- The campaign, or CAMPAIGN_NOT_FOUND.
create function sambatan_private.find_campaign(p_campaign_id uuid) returns public.sambatan_campaigns
language plpgsql stable
set search_path = ''
as $$
declare
  v_campaign public.sambatan_campaigns;
begin
  select * into v_campaign from public.sambatan_campaigns c where c.id = p_campaign_id;
  if not found then
    perform sambatan_private.fail('SB011', 'CAMPAIGN_NOT_FOUND', jsonb_build_object('campaign_id', p_campaign_id));
  end if;
  return v_campaign;
end
$$;
