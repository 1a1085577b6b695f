-- Payment windows and the payment facts of a participation. A window (minutes) is
-- per campaign, with a per-product default; null means no window, the behaviour
-- campaigns had before payments (nothing is collected, pending until fulfilment).

alter table public.products
  add column sambatan_payment_window_minutes integer
    check (sambatan_payment_window_minutes between 5 and 10080);

alter table public.sambatan_campaigns
  add column payment_window_minutes integer check (payment_window_minutes between 5 and 10080);

alter table public.sambatan_participants
  add column payment_due_at timestamptz,
  add column paid_at timestamptz,
  add column payment_provider text check (payment_provider in ('midtrans', 'xendit', 'manual')),
  add column payment_reference text check (char_length(payment_reference) between 1 and 255),
  add column paid_amount bigint check (paid_amount > 0),
  -- The payment facts come together or not at all.
  add constraint sambatan_participants_paid_facts check (
    (paid_at is null) = (paid_amount is null) and (paid_at is null) = (payment_provider is null));

-- A paid participation holds its slots too: one active participation per buyer now
-- covers pending_payment, paid and confirmed. Same name: the error table maps it.
drop index public.sambatan_participants_one_active;
create unique index sambatan_participants_one_active
  on public.sambatan_participants (campaign_id, user_id)
  where status in ('pending_payment', 'paid', 'confirmed');

-- The lifecycle's release finds unpaid reservations past their window here; rows
-- without a window never enter the index.
create index sambatan_participants_payment_due
  on public.sambatan_participants (payment_due_at)
  where status = 'pending_payment' and payment_due_at is not null;

-- Guard: pending_payment may move anywhere, paid only on to confirmed or refunded,
-- the rest never; the payment facts, once set, never change.
create or replace function sambatan_private.reject_participant_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.status is distinct from old.status
     and (old.status not in ('pending_payment', 'paid')
          or (old.status = 'paid' and new.status not in ('confirmed', 'refunded'))) then
    raise exception using errcode = 'SB024', message = 'PARTICIPATION_FINAL',
      detail = jsonb_build_object('status', old.status)::text;
  end if;
  raise exception using errcode = 'SB003', message = 'VALIDATION_FAILED',
    detail = '{"reason":"participation_immutable"}';
end
$$;

drop trigger sambatan_participant_guard on public.sambatan_participants;
create trigger sambatan_participant_guard
  before update on public.sambatan_participants
  for each row when (
    (new.status is distinct from old.status
      and (old.status not in ('pending_payment', 'paid')
           or (old.status = 'paid' and new.status not in ('confirmed', 'refunded'))))
    or new.quantity <> old.quantity or new.amount <> old.amount
    or new.user_id <> old.user_id or new.campaign_id <> old.campaign_id
    or (old.paid_at is not null and (new.paid_at is distinct from old.paid_at
        or new.paid_amount is distinct from old.paid_amount
        or new.payment_reference is distinct from old.payment_reference))
    or new.payment_due_at is distinct from old.payment_due_at)
  execute function sambatan_private.reject_participant_change();
