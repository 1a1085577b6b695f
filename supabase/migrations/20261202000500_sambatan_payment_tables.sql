-- Payments as rows: the checkout a provider created for a participation, every
-- notification a provider sent (stored once), and refunds as a ledger. RLS on each;
-- clients read through the policies and write only through the RPCs.

create table public.payment_transactions (
  id uuid primary key default gen_random_uuid(),
  participation_id uuid not null references public.sambatan_participants (id),
  provider text not null check (provider in ('midtrans', 'xendit', 'manual')),
  -- Midtrans Snap token or Xendit invoice id.
  provider_transaction_id text not null check (char_length(provider_transaction_id) between 1 and 255),
  redirect_url text check (char_length(redirect_url) <= 2048),
  token text check (char_length(token) <= 1024),
  expires_at timestamptz,
  created_at timestamptz not null default now(),
  constraint payment_transactions_one_per_provider unique (participation_id, provider)
);
comment on table public.payment_transactions is 'The provider checkout (Snap transaction, Xendit invoice) of a participation.';

create table public.payment_events (
  id bigint generated always as identity primary key,
  provider text not null check (provider in ('midtrans', 'xendit', 'manual')),
  provider_transaction_id text not null check (char_length(provider_transaction_id) between 1 and 255),
  -- The provider's own status word (settlement, capture, PAID, expire, ...).
  status text not null check (char_length(status) between 1 and 64),
  -- Null when the order id is not one of ours: such notifications are kept too.
  participation_id uuid references public.sambatan_participants (id),
  amount bigint,
  outcome text not null check (outcome in ('paid', 'expired', 'cancelled', 'denied', 'pending', 'other')),
  -- What the notification did: paid, recorded, amount_mismatch, late_payment, already_paid, unknown_participation.
  result text not null,
  -- Set when an operator must look: the amount differs, or money arrived twice.
  flagged boolean not null default false,
  -- Only the provider fields needed (ids, status, amount, payment type, times); never customer data.
  payload jsonb not null default '{}',
  created_at timestamptz not null default now(),
  constraint payment_events_once unique (provider, provider_transaction_id, status)
);
comment on table public.payment_events is 'Every payment notification, once per provider transaction and status.';

create table public.refunds (
  id uuid primary key default gen_random_uuid(),
  participation_id uuid not null references public.sambatan_participants (id),
  campaign_id uuid not null references public.sambatan_campaigns (id),
  user_id uuid not null,
  amount bigint not null check (amount > 0),
  reason text not null check (reason in ('campaign_expired', 'campaign_cancelled', 'late_payment', 'participation_cancelled')),
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
  provider text check (provider in ('midtrans', 'xendit', 'manual')),
  provider_reference text check (char_length(provider_reference) between 1 and 255),
  -- The notification a late payment came with; it is refunded once.
  payment_event_id bigint unique references public.payment_events (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_at timestamptz,
  constraint refunds_completed_when_final check ((status = 'pending') = (completed_at is null))
);
comment on table public.refunds is 'Money owed back to buyers; pending until an operator records the outcome.';

-- A participation is refunded at most once for what it paid (late payments aside,
-- each of which is its own refund).
create unique index refunds_one_per_participation on public.refunds (participation_id) where reason <> 'late_payment';
create index payment_events_participation on public.payment_events (participation_id) where participation_id is not null;
-- Keyset pages of refunds, newest first, optionally by status or campaign.
create index refunds_created on public.refunds (created_at desc, id desc);
create index refunds_status_created on public.refunds (status, created_at desc, id desc);
create index refunds_campaign_created on public.refunds (campaign_id, created_at desc, id desc);
create index refunds_participation on public.refunds (participation_id);

alter table public.payment_transactions enable row level security;
alter table public.payment_events enable row level security;
alter table public.refunds enable row level security;

revoke all on table public.payment_transactions, public.payment_events, public.refunds
  from public, anon, authenticated, service_role;
grant select on table public.payment_transactions, public.payment_events, public.refunds to authenticated, service_role;

-- A buyer sees the checkouts of their own participations; managers see all.
create policy payment_transactions_owner_or_manager_read on public.payment_transactions
  for select to authenticated
  using (
    (select public.sambatan_has_permission('sambatan.manage'))
    or exists (select 1 from public.sambatan_participants p
                where p.id = participation_id and p.user_id = (select auth.uid())));

create policy payment_events_manager_read on public.payment_events
  for select to authenticated
  using ((select public.sambatan_has_permission('sambatan.manage')));

create policy refunds_owner_or_manager_read on public.refunds
  for select to authenticated
  using (user_id = (select auth.uid()) or (select public.sambatan_has_permission('sambatan.manage')));

-- service_role bypasses RLS on Supabase; these keep it readable where it does not.
create policy payment_transactions_service_read on public.payment_transactions for select to service_role using (true);
create policy payment_events_service_read on public.payment_events for select to service_role using (true);
create policy refunds_service_read on public.refunds for select to service_role using (true);

-- Refund rows change only through complete_refund; the money and its target never.
create function sambatan_private.reject_refund_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception using errcode = 'SB060', message = 'REFUND_FINAL',
    detail = jsonb_build_object('status', old.status)::text;
end
$$;

create trigger refunds_guard
  before update on public.refunds
  for each row when (
    old.status <> 'pending' or new.amount <> old.amount or new.participation_id <> old.participation_id
    or new.reason <> old.reason or new.user_id <> old.user_id)
  execute function sambatan_private.reject_refund_change();

-- One refund owed: the row and its refund_owed audit event.
create function sambatan_private.owe_refund(
  p_participant public.sambatan_participants, p_amount bigint, p_reason text, p_provider text, p_event_id bigint default null
) returns public.refunds
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_refund public.refunds;
begin
  insert into public.refunds (participation_id, campaign_id, user_id, amount, reason, provider, payment_event_id, created_at, updated_at)
  values (p_participant.id, p_participant.campaign_id, p_participant.user_id, p_amount, p_reason, p_provider, p_event_id, v_now, v_now)
  returning * into v_refund;
  perform sambatan_private.audit(p_participant.campaign_id, 'refund_owed', jsonb_build_object(
    'refund_id', v_refund.id, 'amount', p_amount, 'reason', p_reason), p_participant.id);
  return v_refund;
end
$$;

create function sambatan_private.refund_json(r public.refunds) returns jsonb
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', r.id,
    'participation_id', r.participation_id,
    'campaign_id', r.campaign_id,
    'user_id', r.user_id,
    'amount', r.amount,
    'reason', r.reason,
    'status', r.status,
    'provider', r.provider,
    'provider_reference', r.provider_reference,
    'created_at', sambatan_private.iso(r.created_at),
    'updated_at', sambatan_private.iso(r.updated_at),
    'completed_at', sambatan_private.iso(r.completed_at))
$$;
