-- Erasure on account deletion. When Supabase Auth deletes a user (auth.users row
-- deleted: the dashboard, auth.admin.deleteUser, or SQL), their personal fields are
-- erased at once and their rows take one pseudonym, so the ledger keeps balancing:
-- every participation, refund and audit event stays, with its amounts and statuses.
--
-- Why a pseudonym and not null: user_id stays NOT NULL, the one-active-participation
-- index keeps meaning one per (now anonymous) buyer, the rows of one account still
-- belong together for the ledger, and RLS (user_id = auth.uid()) matches nobody,
-- because a pseudonym is a version-8 UUID and Supabase user ids are version 4.
--
-- Active participations keep their slots and status: money may already have been
-- paid, so releasing or refunding is the lifecycle's and the operators' decision,
-- made on the usual terms (an unpaid reservation is released at its payment window).

-- Erases one account's personal data; returns what it changed. The trigger's
-- function below is the only caller.
create function sambatan_private.erase_user(p_user_id uuid) returns jsonb
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
   order by c.id for update;

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

-- The waiting list's rows of one account: personal fields erased, user_id pseudonymised.
-- Named dynamically: the table arrives with the campaign rules.
create function sambatan_private.erase_waitlist_entries(p_user_id uuid, p_pseudonym uuid, p_at timestamptz)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_ids uuid[];
  v_count integer;
begin
  execute pg_catalog.format('select coalesce(array_agg(w.id), ''{}'') from %I.%I w where w.user_id = $1',
    'public', 'sambatan_waitlist_entries') into v_ids using p_user_id;
  perform sambatan_private.redact_personal_fields('public.sambatan_waitlist_entries'::text::regclass, v_ids, p_at);
  execute pg_catalog.format('update %I.%I w set user_id = $2 where w.id = any($1)',
    'public', 'sambatan_waitlist_entries') using v_ids, p_pseudonym;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

-- The trigger's function runs as its owner: Supabase Auth deletes users as its own
-- role, which has no rights on these tables. Uniquely named so it never replaces a
-- project's own handle_deleted_user or similar.
create function sambatan_private.on_auth_user_deleted() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform sambatan_private.erase_user(old.id);
  return old;
end
$$;
revoke execute on function sambatan_private.on_auth_user_deleted() from public, anon, authenticated, service_role;
revoke execute on function sambatan_private.erase_user(uuid) from public, anon, authenticated, service_role;
revoke execute on function sambatan_private.erase_waitlist_entries(uuid, uuid, timestamptz) from public, anon, authenticated, service_role;

-- After delete: the erasure commits or rolls back with the deletion itself.
create trigger sambatan_erase_personal_data
  after delete on auth.users
  for each row execute function sambatan_private.on_auth_user_deleted();
