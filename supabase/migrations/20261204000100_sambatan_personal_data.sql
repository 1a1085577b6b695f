-- Personal data under Indonesia's UU PDP (Law 27/2022): shipping addresses and notes
-- are kept only as long as a participation needs them, and a deleted account's rows
-- keep the ledger under a pseudonym. This file holds the columns, the guards that
-- allow exactly those two changes, and the helpers every table with personal fields
-- uses (participants now, any table with shipping_address/note columns later).

alter table public.sambatan_participants
  add column redacted_at timestamptz,
  alter column shipping_address drop not null,
  -- A participation has its address until it is redacted, and none after.
  add constraint sambatan_participants_redaction check (
    (redacted_at is null and shipping_address is not null)
    or (redacted_at is not null and shipping_address is null and note is null));

-- The redaction job finds final, unredacted participations by their last change.
create index sambatan_participants_unredacted
  on public.sambatan_participants (updated_at)
  where redacted_at is null and status in ('confirmed', 'cancelled', 'refunded');

-- Erasure pseudonymises the actor of a deleted account's events; without this a
-- user deletion would scan the whole audit trail.
create index sambatan_audit_logs_actor on public.sambatan_audit_logs (actor) where actor is not null;

insert into sambatan_private.settings (key, value) values ('personal_data_retention_days', '30');

-- One row per erased account. The original user id is deliberately not stored: the
-- pseudonym links that account's rows to each other and to nothing else.
create table sambatan_private.erased_users (
  pseudonym uuid primary key,
  erased_at timestamptz not null default now(),
  counts jsonb not null default '{}'
);
alter table sambatan_private.erased_users enable row level security;
comment on table sambatan_private.erased_users is 'Pseudonyms of deleted accounts (UUID version 8, never a Supabase user id).';

-- A fresh pseudonym: random, with the version nibble set to 8, so it can never equal
-- a Supabase user id (version 4) and RLS's user_id = auth.uid() matches nobody.
create function sambatan_private.new_pseudonym() returns uuid
language sql volatile
set search_path = ''
as $$
  select pg_catalog.overlay(pg_catalog.gen_random_uuid()::text, '8', 15, 1)::uuid
$$;

create function sambatan_private.is_pseudonym(p_id uuid) returns boolean
language sql stable
set search_path = ''
as $$
  select exists (select 1 from sambatan_private.erased_users e where e.pseudonym = p_id)
$$;

-- Redacts the personal fields of the given rows of any table with an id and
-- shipping_address / note columns (a redacted_at column, where the table has one,
-- records when). Rows already redacted are left alone. Returns the ids redacted.
create function sambatan_private.redact_personal_fields(p_table regclass, p_ids uuid[], p_at timestamptz)
returns uuid[]
language plpgsql
set search_path = ''
as $$
declare
  v_set text;
  v_done uuid[];
begin
  select pg_catalog.string_agg(pg_catalog.format('%I = null', a.attname), ', ')
    into v_set
    from pg_catalog.pg_attribute a
   where a.attrelid = p_table and a.attname in ('shipping_address', 'note') and not a.attisdropped;
  if v_set is null then
    raise exception 'table % has no personal fields', p_table;
  end if;
  if exists (select 1 from pg_catalog.pg_attribute a
              where a.attrelid = p_table and a.attname = 'redacted_at' and not a.attisdropped) then
    execute pg_catalog.format(
      'with done as (update %s t set %s, redacted_at = $2 where t.id = any($1) and t.redacted_at is null returning t.id)
       select coalesce(array_agg(id), ''{}'') from done', p_table, v_set)
      into v_done using p_ids, p_at;
  else
    execute pg_catalog.format(
      'with done as (update %s t set %s where t.id = any($1) and (t.shipping_address is not null or t.note is not null) returning t.id)
       select coalesce(array_agg(id), ''{}'') from done', p_table, v_set)
      into v_done using p_ids;
  end if;
  return v_done;
end
$$;

-- Participant guard: the statuses, amounts and payment facts rules as before, plus
-- the personal fields: unchanged, or redacted once (address and note null,
-- redacted_at set, never unset); user_id changes only to a registered pseudonym of
-- a row whose personal fields are gone.
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
  if new.quantity = old.quantity and new.amount = old.amount and new.campaign_id = old.campaign_id
     and not (old.paid_at is not null and (new.paid_at is distinct from old.paid_at
        or new.paid_amount is distinct from old.paid_amount
        or new.payment_reference is distinct from old.payment_reference))
     and new.payment_due_at is not distinct from old.payment_due_at
     and (old.redacted_at is null or new.redacted_at = old.redacted_at)
     and ((new.shipping_address is not distinct from old.shipping_address and new.note is not distinct from old.note
           and new.redacted_at is not distinct from old.redacted_at)
          or new.redacted_at is not null)
     and (new.user_id = old.user_id
          or (new.redacted_at is not null and sambatan_private.is_pseudonym(new.user_id))) then
    return new;
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
    or new.payment_due_at is distinct from old.payment_due_at
    or new.shipping_address is distinct from old.shipping_address
    or new.note is distinct from old.note
    or new.redacted_at is distinct from old.redacted_at)
  execute function sambatan_private.reject_participant_change();

-- Refund guard: as before, except that a deleted account's refunds may take its
-- pseudonym (and nothing else may change with it).
create or replace function sambatan_private.reject_refund_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.user_id <> old.user_id and (to_jsonb(new) - 'user_id') = (to_jsonb(old) - 'user_id')
     and sambatan_private.is_pseudonym(new.user_id) then
    return new;
  end if;
  raise exception using errcode = 'SB060', message = 'REFUND_FINAL',
    detail = jsonb_build_object('status', old.status)::text;
end
$$;

-- The audit log stays append-only, with one exception: a deleted account's events
-- take its pseudonym as actor (nothing else may change with it).
create or replace function sambatan_private.sambatan_audit_append_only() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.actor <> old.actor and (to_jsonb(new) - 'actor') = (to_jsonb(old) - 'actor')
     and sambatan_private.is_pseudonym(new.actor) then
    return new;
  end if;
  raise exception using errcode = '42501', message = 'sambatan_audit_logs is append-only';
end
$$;

-- Audit metadata never holds personal data: keys that name it are refused, so a
-- future verb that tries fails its tests instead of leaking into an append-only log.
create function sambatan_private.reject_personal_audit_metadata() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception using errcode = 'SB003', message = 'VALIDATION_FAILED',
    detail = jsonb_build_object('reason', 'personal_data_in_audit', 'event', new.event)::text;
end
$$;

create trigger sambatan_audit_no_personal_data
  before insert on public.sambatan_audit_logs
  for each row when (new.metadata ?| array['shipping_address', 'address', 'note', 'email', 'phone', 'token', 'redirect_url'])
  execute function sambatan_private.reject_personal_audit_metadata();
