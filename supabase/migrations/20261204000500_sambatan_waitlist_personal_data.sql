-- The waiting list holds shipping addresses and notes too, so the personal-data rules
-- apply to it as to participations: redacted once its entry is final and past the
-- retention, erased at once with its account (the redaction job and the erasure reach
-- it through sambatan_private.redact_personal_fields), and its user id may take the
-- account's pseudonym. The guard allows exactly these changes besides its own rules.

alter table public.sambatan_waitlist_entries
  add column redacted_at timestamptz,
  alter column shipping_address drop not null,
  add constraint sambatan_waitlist_entries_redaction check (
    (redacted_at is null and shipping_address is not null)
    or (redacted_at is not null and shipping_address is null and note is null));

-- Whether an update of an entry is the personal-data change and nothing else: every
-- other column unchanged, the address and note redacted once (never unset), and the
-- user id either unchanged or a registered pseudonym of a redacted entry.
create function sambatan_private.is_waitlist_personal_data_change(
  p_old public.sambatan_waitlist_entries, p_new public.sambatan_waitlist_entries) returns boolean
language sql stable
set search_path = ''
as $$
  select (pg_catalog.to_jsonb(p_new) - array['shipping_address', 'note', 'redacted_at', 'user_id', 'updated_at'])
           = (pg_catalog.to_jsonb(p_old) - array['shipping_address', 'note', 'redacted_at', 'user_id', 'updated_at'])
     and (p_old.redacted_at is null or p_new.redacted_at = p_old.redacted_at)
     and p_new.redacted_at is not null
     and (p_new.user_id = p_old.user_id or sambatan_private.is_pseudonym(p_new.user_id))
$$;

drop trigger sambatan_waitlist_guard on public.sambatan_waitlist_entries;
create trigger sambatan_waitlist_guard
  before update on public.sambatan_waitlist_entries
  for each row when (
    (old.status <> 'waiting' or new.quantity <> old.quantity or new.user_id <> old.user_id
     or new.campaign_id <> old.campaign_id or new.created_at <> old.created_at
     or new.shipping_address is distinct from old.shipping_address or new.note is distinct from old.note
     or new.redacted_at is distinct from old.redacted_at)
    and not sambatan_private.is_waitlist_personal_data_change(old, new))
  execute function sambatan_private.reject_waitlist_change();

-- An erased account's waiting entries close first (one can never be offered without
-- an address), then lose their personal fields and take the account's pseudonym.
create or replace function sambatan_private.erase_waitlist_entries(p_user_id uuid, p_pseudonym uuid, p_at timestamptz)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_ids uuid[];
  v_count integer;
begin
  update public.sambatan_waitlist_entries w
     set status = 'closed', updated_at = p_at
   where w.user_id = p_user_id and w.status = 'waiting';
  select coalesce(array_agg(w.id), '{}') into v_ids
    from public.sambatan_waitlist_entries w where w.user_id = p_user_id;
  perform sambatan_private.redact_personal_fields('public.sambatan_waitlist_entries'::regclass, v_ids, p_at);
  update public.sambatan_waitlist_entries w set user_id = p_pseudonym where w.id = any (v_ids);
  get diagnostics v_count = row_count;
  return v_count;
end
$$;
