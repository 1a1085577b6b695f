-- The waiting list of a full campaign. An entry waits until slots come free; then,
-- in the transaction that frees them, the earliest entries that fit are offered:
-- each becomes a pending_payment participation. Entries are written only by the
-- RPCs, always with the campaign row locked first.

create type public.sambatan_waitlist_status as enum ('waiting', 'offered', 'left', 'closed');

create table public.sambatan_waitlist_entries (
  id uuid primary key default gen_random_uuid(),
  campaign_id uuid not null references public.sambatan_campaigns (id),
  user_id uuid not null,
  quantity integer not null check (quantity between 1 and 100000),
  shipping_address text not null check (char_length(shipping_address) between 1 and 500),
  note text check (char_length(note) <= 500),
  status public.sambatan_waitlist_status not null default 'waiting',
  participation_id uuid references public.sambatan_participants (id),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint sambatan_waitlist_offered_has_participation check ((status = 'offered') = (participation_id is not null))
);
comment on table public.sambatan_waitlist_entries is 'Buyers waiting for slots of a full campaign, offered in order when slots come free.';

-- One waiting entry per buyer per campaign.
create unique index sambatan_waitlist_one_waiting
  on public.sambatan_waitlist_entries (campaign_id, user_id) where status = 'waiting';
-- The queue: offers and positions walk a campaign's waiting entries oldest first.
create index sambatan_waitlist_queue
  on public.sambatan_waitlist_entries (campaign_id, created_at, id) where status = 'waiting';
-- "My waiting list" pages, with and without a status filter.
create index sambatan_waitlist_user_created on public.sambatan_waitlist_entries (user_id, created_at desc, id desc);
create index sambatan_waitlist_user_status on public.sambatan_waitlist_entries (user_id, status, created_at desc, id desc);
create index sambatan_waitlist_participation on public.sambatan_waitlist_entries (participation_id) where participation_id is not null;

alter table public.sambatan_waitlist_entries enable row level security;
revoke all on table public.sambatan_waitlist_entries from public, anon, authenticated, service_role;
grant select on table public.sambatan_waitlist_entries to authenticated, service_role;

-- A buyer sees only their own entries (they carry a shipping address); managers see all.
create policy waitlist_owner_or_manager_read on public.sambatan_waitlist_entries
  for select to authenticated
  using (user_id = (select auth.uid()) or (select public.sambatan_has_permission('sambatan.manage')));
create policy waitlist_service_read on public.sambatan_waitlist_entries for select to service_role using (true);

-- Only a waiting entry changes, and only its status (with participation_id on offer).
create function sambatan_private.reject_waitlist_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if old.status <> 'waiting' then
    raise exception using errcode = 'SB061', message = 'WAITLIST_ENTRY_FINAL',
      detail = jsonb_build_object('status', old.status)::text;
  end if;
  raise exception using errcode = 'SB003', message = 'VALIDATION_FAILED',
    detail = '{"reason":"waitlist_entry_immutable"}';
end
$$;

create trigger sambatan_waitlist_guard
  before update on public.sambatan_waitlist_entries
  for each row when (
    old.status <> 'waiting' or new.quantity <> old.quantity or new.user_id <> old.user_id
    or new.campaign_id <> old.campaign_id or new.created_at <> old.created_at)
  execute function sambatan_private.reject_waitlist_change();

-- 1 + the waiting entries of the campaign ahead of it; null once it no longer waits.
create function sambatan_private.waitlist_position(w public.sambatan_waitlist_entries) returns integer
language sql stable
set search_path = ''
as $$
  select case when w.status = 'waiting' then (
    select count(*)::integer + 1 from public.sambatan_waitlist_entries o
     where o.campaign_id = w.campaign_id and o.status = 'waiting' and (o.created_at, o.id) < (w.created_at, w.id)) end
$$;

create function sambatan_private.waitlist_entry_json(w public.sambatan_waitlist_entries) returns jsonb
language sql stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', w.id,
    'campaign_id', w.campaign_id,
    'user_id', w.user_id,
    'quantity', w.quantity,
    'shipping_address', w.shipping_address,
    'note', w.note,
    'position', sambatan_private.waitlist_position(w),
    'status', w.status,
    'participation_id', w.participation_id,
    'created_at', sambatan_private.iso(w.created_at),
    'updated_at', sambatan_private.iso(w.updated_at))
$$;

-- Offers free slots of one campaign (locked by the caller) to its waiting entries,
-- oldest first: each that fits becomes a pending_payment participation with the
-- campaign's payment window and its tier prices; one that does not fit is passed
-- over and keeps its place. Locks the campaign when it fills. Returns how many.
create function sambatan_private.offer_waitlist(p_campaign_id uuid) returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_campaign public.sambatan_campaigns;
  v_entry public.sambatan_waitlist_entries;
  v_split jsonb;
  v_amount bigint;
  v_participation uuid;
  v_offered integer := 0;
begin
  select * into v_campaign from public.sambatan_campaigns c where c.id = p_campaign_id;
  if v_campaign.status is distinct from 'active' or v_campaign.deadline <= v_now then
    return 0;
  end if;
  for v_entry in
    select * from public.sambatan_waitlist_entries w
     where w.campaign_id = p_campaign_id and w.status = 'waiting'
     order by w.created_at, w.id
  loop
    exit when v_campaign.filled_slots = v_campaign.total_slots;
    continue when v_entry.quantity > v_campaign.total_slots - v_campaign.filled_slots;
    -- A buyer who joined directly while waiting (possible only with the rate limit
    -- off, which is what serialises one buyer's requests) is passed over too.
    continue when exists (select 1 from public.sambatan_participants p
                           where p.campaign_id = p_campaign_id and p.user_id = v_entry.user_id
                             and p.status in ('pending_payment', 'paid', 'confirmed'));
    if v_campaign.price_tiers is null then
      v_split := null;
      v_amount := v_entry.quantity * v_campaign.price_per_slot;
    else
      v_split := sambatan_private.tier_split(v_campaign.price_tiers, v_campaign.filled_slots, v_entry.quantity);
      v_amount := sambatan_private.tier_amount(v_split);
    end if;
    insert into public.sambatan_participants (campaign_id, user_id, quantity, amount, shipping_address, note,
                                              status, created_at, updated_at, payment_due_at)
    values (p_campaign_id, v_entry.user_id, v_entry.quantity, v_amount, v_entry.shipping_address, v_entry.note,
            'pending_payment', v_now, v_now, v_now + make_interval(mins => v_campaign.payment_window_minutes))
    returning id into v_participation;
    update public.sambatan_waitlist_entries w
       set status = 'offered', participation_id = v_participation, updated_at = v_now
     where w.id = v_entry.id;
    v_campaign.filled_slots := v_campaign.filled_slots + v_entry.quantity;
    perform sambatan_private.audit(p_campaign_id, 'waitlist_offered', jsonb_strip_nulls(jsonb_build_object(
      'entry_id', v_entry.id, 'user_id', v_entry.user_id, 'quantity', v_entry.quantity, 'amount', v_amount,
      'tiers', v_split, 'filled_slots', v_campaign.filled_slots)), v_participation);
    v_offered := v_offered + 1;
  end loop;
  if v_offered > 0 then
    update public.sambatan_campaigns c
       set filled_slots = v_campaign.filled_slots,
           status = case when v_campaign.filled_slots = c.total_slots then 'locked'::public.sambatan_status else c.status end,
           locked_at = case when v_campaign.filled_slots = c.total_slots then v_now else c.locked_at end,
           updated_at = v_now
     where c.id = p_campaign_id;
    if v_campaign.filled_slots = v_campaign.total_slots then
      perform sambatan_private.audit(p_campaign_id, 'locked', jsonb_build_object(
        'filled_slots', v_campaign.filled_slots, 'total_slots', v_campaign.total_slots, 'reason', 'waitlist'));
    end if;
  end if;
  return v_offered;
end
$$;
