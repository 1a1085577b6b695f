-- The refunds ledger for operators: list what is owed, record how it went.

-- One keyset page of refunds, newest first, optionally by status and campaign (sambatan.manage).
create function public.list_refunds(
  p_status text default null,
  p_campaign_id uuid default null,
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
  perform sambatan_private.require_permission('sambatan.manage');
  if p_status is not null and p_status not in ('pending', 'succeeded', 'failed') then
    perform sambatan_private.invalid('status', 'pending_succeeded_or_failed');
  end if;
  perform sambatan_private.check_limit(p_limit);
  select k.r_at, k.r_id into v_after_at, v_after_id from sambatan_private.time_cursor(p_cursor) k;

  return (
    select sambatan_private.keyset_page(
             coalesce(jsonb_agg(sambatan_private.refund_json(s.r) order by (s.r).created_at desc, (s.r).id desc), '[]'),
             coalesce(jsonb_agg(jsonb_build_array((s.r).created_at, (s.r).id) order by (s.r).created_at desc, (s.r).id desc), '[]'),
             p_limit)
      from (select r from public.refunds r
             where (p_status is null or r.status = p_status)
               and (p_campaign_id is null or r.campaign_id = p_campaign_id)
               and (v_after_at is null or (r.created_at, r.id) < (v_after_at, v_after_id))
             order by r.created_at desc, r.id desc
             limit p_limit + 1) s);
end
$$;
revoke execute on function public.list_refunds(text, uuid, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.list_refunds(text, uuid, integer, text) to authenticated, service_role;

-- Records a pending refund's outcome (sambatan.manage): succeeded or failed, with the
-- provider's (or bank's) reference; audited. A refund's outcome is final.
create function public.complete_refund(p_refund_id uuid, p_status text, p_reference text default null) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_refund public.refunds;
begin
  perform sambatan_private.require_permission('sambatan.manage');
  if p_refund_id is null then
    perform sambatan_private.invalid('refund_id', 'required');
  end if;
  if p_status is null or p_status not in ('succeeded', 'failed') then
    perform sambatan_private.invalid('status', 'succeeded_or_failed');
  end if;
  if p_reference is not null and char_length(btrim(p_reference)) not between 1 and 255 then
    perform sambatan_private.invalid('reference', 'length_1_255');
  end if;

  select * into v_refund from public.refunds r where r.id = p_refund_id for update;
  if not found then
    perform sambatan_private.fail('SB014', 'REFUND_NOT_FOUND', jsonb_build_object('refund_id', p_refund_id));
  end if;
  if v_refund.status <> 'pending' then
    perform sambatan_private.fail('SB060', 'REFUND_FINAL', jsonb_build_object('status', v_refund.status));
  end if;

  update public.refunds r
     set status = p_status, provider_reference = coalesce(btrim(p_reference), r.provider_reference),
         completed_at = v_now, updated_at = v_now
   where r.id = p_refund_id
  returning * into v_refund;
  perform sambatan_private.audit(v_refund.campaign_id, 'refund_' || p_status, jsonb_strip_nulls(jsonb_build_object(
    'refund_id', v_refund.id, 'amount', v_refund.amount, 'reason', v_refund.reason,
    'reference', v_refund.provider_reference)), v_refund.participation_id);
  return sambatan_private.refund_json(v_refund);
end
$$;
revoke execute on function public.complete_refund(uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function public.complete_refund(uuid, text, text) to authenticated, service_role;
