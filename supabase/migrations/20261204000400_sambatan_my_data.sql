-- my_data: everything Sambatan holds about the calling buyer, in one JSON document
-- (the data subject's right of access, UU PDP art. 7 and 32). The caller's id comes
-- from the JWT only, so no argument can reach another buyer's rows.

-- Waiting-list entries of one user as stored (the table arrives with the campaign
-- rules; named dynamically until then, and an empty list where it does not exist).
create function sambatan_private.waitlist_entries_of(p_user_id uuid) returns jsonb
language plpgsql stable
set search_path = ''
as $$
declare
  v_entries jsonb;
begin
  if pg_catalog.to_regclass('public.sambatan_waitlist_entries') is null then
    return '[]'::jsonb;
  end if;
  execute pg_catalog.format(
    'select coalesce(jsonb_agg(to_jsonb(w) order by w.created_at, w.id), ''[]'') from %I.%I w where w.user_id = $1',
    'public', 'sambatan_waitlist_entries') into v_entries using p_user_id;
  return v_entries;
end
$$;

create function public.my_data() returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_user uuid := sambatan_private.require_user();
  v_ids uuid[];
begin
  select coalesce(array_agg(p.id), '{}') into v_ids from public.sambatan_participants p where p.user_id = v_user;

  return jsonb_build_object(
    'user_id', v_user,
    'generated_at', sambatan_private.iso(sambatan_private.clock()),
    'retention_days', extract(day from sambatan_private.personal_data_retention())::integer,
    'participations', (
      select coalesce(jsonb_agg(sambatan_private.participation_json(p)
               || jsonb_build_object('campaign_title', c.title) order by p.created_at, p.id), '[]')
        from public.sambatan_participants p join public.sambatan_campaigns c on c.id = p.campaign_id
       where p.id = any(v_ids)),
    -- The checkout pages opened; the provider's token is a credential, not data about the buyer.
    'payment_transactions', (
      select coalesce(jsonb_agg(jsonb_build_object(
               'id', t.id, 'participation_id', t.participation_id, 'provider', t.provider,
               'provider_transaction_id', t.provider_transaction_id, 'redirect_url', t.redirect_url,
               'expires_at', sambatan_private.iso(t.expires_at), 'created_at', sambatan_private.iso(t.created_at))
               order by t.created_at, t.id), '[]')
        from public.payment_transactions t where t.participation_id = any(v_ids)),
    -- What the providers reported about those payments (the stored payload is provider metadata).
    'payment_events', (
      select coalesce(jsonb_agg(jsonb_build_object(
               'id', e.id, 'participation_id', e.participation_id, 'provider', e.provider,
               'provider_transaction_id', e.provider_transaction_id, 'status', e.status,
               'outcome', e.outcome, 'result', e.result, 'amount', e.amount,
               'created_at', sambatan_private.iso(e.created_at)) order by e.id), '[]')
        from public.payment_events e where e.participation_id = any(v_ids)),
    'refunds', (
      select coalesce(jsonb_agg(sambatan_private.refund_json(r) order by r.created_at, r.id), '[]')
        from public.refunds r where r.user_id = v_user),
    'waitlist_entries', sambatan_private.waitlist_entries_of(v_user),
    -- A manager's id is theirs, not the buyer's: other actors show as their role only.
    'audit_events', (
      select coalesce(jsonb_agg(jsonb_build_object(
               'id', a.id, 'campaign_id', a.campaign_id, 'participation_id', a.participation_id,
               'event', a.event, 'actor', case when a.actor = v_user then a.actor end,
               'actor_role', a.actor_role, 'metadata', a.metadata,
               'created_at', sambatan_private.iso(a.created_at)) order by a.id), '[]')
        from public.sambatan_audit_logs a where a.participation_id = any(v_ids)),
    -- Which request keys are remembered and until when; the stored answer and hash stay private.
    'idempotency_keys', (
      select coalesce(jsonb_agg(jsonb_build_object(
               'key', k.key, 'created_at', sambatan_private.iso(k.created_at),
               'expires_at', sambatan_private.iso(k.created_at
                 + make_interval(hours => sambatan_private.setting_int('idempotency_retention_hours', 24))))
               order by k.created_at, k.key), '[]')
        from sambatan_private.idempotency_keys k where k.user_id = v_user));
end
$$;
revoke execute on function public.my_data() from public, anon, authenticated, service_role;
grant execute on function public.my_data() to authenticated, service_role;
