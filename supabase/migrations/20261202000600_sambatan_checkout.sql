-- Checkout: the buyer's participation gets one provider transaction per provider.
-- The edge function asks begin_checkout whether one exists, calls the provider when
-- it does not, and stores the answer with record_checkout (idempotent), so a retry
-- never creates a second Snap transaction or invoice.

-- The caller's own participation that may be paid now, or the error saying why not.
create function sambatan_private.payable_participation(p_participation_id uuid, p_provider text)
returns public.sambatan_participants
language plpgsql stable
set search_path = ''
as $$
declare
  v_user uuid := sambatan_private.require_user();
  v_participant public.sambatan_participants;
  v_window integer;
begin
  if p_participation_id is null then
    perform sambatan_private.invalid('participation_id', 'required');
  end if;
  if p_provider is null or p_provider not in ('midtrans', 'xendit', 'manual') then
    perform sambatan_private.invalid('provider', 'midtrans_xendit_or_manual');
  end if;
  select * into v_participant from public.sambatan_participants p
   where p.id = p_participation_id and p.user_id = v_user;
  if not found then
    -- Another buyer's participation is reported as missing.
    perform sambatan_private.fail('SB012', 'PARTICIPATION_NOT_FOUND', jsonb_build_object('participation_id', p_participation_id));
  end if;
  if v_participant.status <> 'pending_payment' then
    perform sambatan_private.fail('SB024', 'PARTICIPATION_FINAL', jsonb_build_object('status', v_participant.status));
  end if;
  select c.payment_window_minutes into v_window from public.sambatan_campaigns c where c.id = v_participant.campaign_id;
  if v_window is null then
    perform sambatan_private.fail('SB029', 'PAYMENT_NOT_REQUIRED', jsonb_build_object('campaign_id', v_participant.campaign_id));
  end if;
  if v_participant.payment_due_at <= sambatan_private.clock() then
    perform sambatan_private.fail('SB028', 'PAYMENT_EXPIRED', jsonb_build_object(
      'payment_due_at', sambatan_private.iso(v_participant.payment_due_at)));
  end if;
  return v_participant;
end
$$;

create function sambatan_private.transaction_json(t public.payment_transactions) returns jsonb
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'provider', t.provider,
    'provider_transaction_id', t.provider_transaction_id,
    'redirect_url', t.redirect_url,
    'token', t.token,
    'expires_at', sambatan_private.iso(t.expires_at))
$$;

-- The participation and its existing transaction with p_provider, or null when the
-- caller must create one with the provider.
create function public.begin_checkout(p_participation_id uuid, p_provider text) returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_participant public.sambatan_participants := sambatan_private.payable_participation(p_participation_id, p_provider);
begin
  return jsonb_build_object(
    'participation', sambatan_private.participation_json(v_participant),
    'transaction', (select sambatan_private.transaction_json(t) from public.payment_transactions t
                     where t.participation_id = v_participant.id and t.provider = p_provider));
end
$$;
revoke execute on function public.begin_checkout(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.begin_checkout(uuid, text) to authenticated;

-- Stores the provider's transaction; a second call for the same participation and
-- provider returns the first row unchanged.
create function public.record_checkout(
  p_participation_id uuid,
  p_provider text,
  p_provider_transaction_id text,
  p_redirect_url text,
  p_token text,
  p_expires_at timestamptz
) returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_participant public.sambatan_participants := sambatan_private.payable_participation(p_participation_id, p_provider);
  v_transaction public.payment_transactions;
begin
  -- This verb takes no campaign lock and writes no audit row on purpose: the only
  -- lock it takes is the key-share lock its foreign key puts on the participant, so
  -- a cancel, a release or a payment (campaign row, then participant) may wait for
  -- it but it never waits for them, and a hot campaign's row queue never sees it.
  -- An audit row would key-share lock the campaign after the participant (a
  -- deadlock with a cancel), and key-share locking the campaign first still
  -- deadlocked, rarely, under the mixed race in tests/pg/payments-race.test.ts.
  -- A checkout recorded just before a release is harmless: a payment through it
  -- arrives as a late payment and is owed back.
  if p_provider_transaction_id is null or char_length(p_provider_transaction_id) not between 1 and 255 then
    perform sambatan_private.invalid('provider_transaction_id', 'length_1_255');
  end if;
  if char_length(p_redirect_url) > 2048 then
    perform sambatan_private.invalid('redirect_url', 'max_2048');
  end if;
  if char_length(p_token) > 1024 then
    perform sambatan_private.invalid('token', 'max_1024');
  end if;

  insert into public.payment_transactions (participation_id, provider, provider_transaction_id, redirect_url, token, expires_at, created_at)
  values (v_participant.id, p_provider, p_provider_transaction_id, p_redirect_url, p_token,
          coalesce(p_expires_at, v_participant.payment_due_at), sambatan_private.clock())
  on conflict (participation_id, provider) do nothing
  returning * into v_transaction;
  if not found then
    select * into v_transaction from public.payment_transactions t
     where t.participation_id = v_participant.id and t.provider = p_provider;
  end if;
  return sambatan_private.transaction_json(v_transaction);
end
$$;
revoke execute on function public.record_checkout(uuid, text, text, text, text, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.record_checkout(uuid, text, text, text, text, timestamptz) to authenticated;
