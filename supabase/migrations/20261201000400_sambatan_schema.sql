-- Sambatan data model: products, campaigns, participants and their audit trail.
-- Names are kept from the legacy system so its operators' SQL keeps working.

create type public.sambatan_status as enum ('active', 'locked', 'fulfilled', 'expired', 'cancelled');
create type public.sambatan_participant_status as enum ('pending_payment', 'confirmed', 'cancelled', 'refunded');

create table public.products (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(name) between 1 and 200),
  base_price bigint not null default 0 check (base_price >= 0),
  sambatan_enabled boolean not null default false,
  sambatan_total_slots integer check (sambatan_total_slots between 1 and 100000),
  sambatan_price_per_slot bigint check (sambatan_price_per_slot between 1 and 1000000000000),
  sambatan_deadline timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.products is 'Catalogue entries; sambatan_enabled gates group buying of a product.';

create table public.sambatan_campaigns (
  id uuid primary key default gen_random_uuid(),
  product_id uuid not null references public.products (id),
  title text not null check (char_length(title) between 1 and 200),
  total_slots integer not null check (total_slots between 1 and 100000),
  filled_slots integer not null default 0,
  price_per_slot bigint not null check (price_per_slot between 1 and 1000000000000),
  deadline timestamptz not null,
  status public.sambatan_status not null default 'active',
  -- Derived, so it can never drift from the counters (and costs a join no trigger).
  progress_percent numeric(5, 2) generated always as (round(filled_slots * 100.0 / total_slots, 2)) stored,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  locked_at timestamptz,
  fulfilled_at timestamptz,
  expired_at timestamptz,
  cancelled_at timestamptz,
  constraint sambatan_campaigns_filled_range check (filled_slots between 0 and total_slots),
  -- locked exactly when full: an active campaign always has room, a locked one none.
  constraint sambatan_campaigns_locked_when_full check (
    (status <> 'locked' or filled_slots = total_slots)
    and (status <> 'active' or filled_slots < total_slots)
  )
) with (fillfactor = 90); -- room for HOT updates of a hot campaign's counters
comment on table public.sambatan_campaigns is 'Group-buying campaigns; filled_slots is the sum of active participations.';

create table public.sambatan_participants (
  id uuid primary key default gen_random_uuid(),
  campaign_id uuid not null references public.sambatan_campaigns (id),
  user_id uuid not null,
  quantity integer not null check (quantity between 1 and 100000),
  amount bigint not null check (amount > 0),
  shipping_address text not null check (char_length(shipping_address) between 1 and 500),
  note text check (char_length(note) <= 500),
  status public.sambatan_participant_status not null default 'pending_payment',
  idempotency_key text check (char_length(idempotency_key) between 1 and 255),
  cancel_reason text check (char_length(cancel_reason) <= 500),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  cancelled_at timestamptz,
  confirmed_at timestamptz,
  refunded_at timestamptz
);
comment on table public.sambatan_participants is 'One buyer''s slots in a campaign; amount = quantity x price_per_slot at join time.';

create table public.sambatan_audit_logs (
  id bigint generated always as identity primary key,
  campaign_id uuid not null references public.sambatan_campaigns (id),
  participation_id uuid references public.sambatan_participants (id),
  event text not null check (char_length(event) between 1 and 64),
  actor uuid,
  actor_role text,
  metadata jsonb not null default '{}',
  created_at timestamptz not null default now()
);
comment on table public.sambatan_audit_logs is 'Append-only history of every campaign and participation event.';

-- A buyer holds at most one active participation per campaign.
create unique index sambatan_participants_one_active
  on public.sambatan_participants (campaign_id, user_id)
  where status in ('pending_payment', 'confirmed');

-- The lifecycle sweep: locked campaigns, and active ones past their deadline.
create index sambatan_campaigns_status_deadline on public.sambatan_campaigns (status, deadline);
-- Keyset pages of campaigns, newest first, optionally filtered.
create index sambatan_campaigns_created on public.sambatan_campaigns (created_at desc, id desc);
create index sambatan_campaigns_status_created on public.sambatan_campaigns (status, created_at desc, id desc);
create index sambatan_campaigns_product_created on public.sambatan_campaigns (product_id, created_at desc, id desc);
-- Lifecycle transitions and progress read participants by campaign and status.
create index sambatan_participants_campaign_status on public.sambatan_participants (campaign_id, status);
-- "My participations" pages (with and without a status filter) and the join rate limit.
create index sambatan_participants_user_created on public.sambatan_participants (user_id, created_at desc, id desc);
create index sambatan_participants_user_status on public.sambatan_participants (user_id, status, created_at desc, id desc);
create index sambatan_audit_logs_campaign on public.sambatan_audit_logs (campaign_id, id desc);
create index sambatan_audit_logs_participation on public.sambatan_audit_logs (participation_id) where participation_id is not null;
