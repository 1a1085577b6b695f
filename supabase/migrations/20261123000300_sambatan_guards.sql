-- Row guards: progress_percent follows the counters, updated_at follows every change,
-- and terminal states never change again.

create function private.sambatan_campaign_guard() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and old.status in ('fulfilled', 'expired', 'cancelled') then
    raise exception using errcode = 'SB022', message = 'CAMPAIGN_CLOSED',
      detail = jsonb_build_object('status', old.status, 'reason', 'terminal')::text;
  end if;
  new.progress_percent := round(new.filled_slots * 100.0 / new.total_slots, 2);
  if tg_op = 'UPDATE' then
    new.updated_at := private.clock();
  end if;
  return new;
end
$$;

-- Name kept from the system this replaces.
create trigger trigger_update_sambatan_progress
  before insert or update on public.sambatan_campaigns
  for each row execute function private.sambatan_campaign_guard();

create function private.sambatan_participant_guard() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if old.status <> 'pending_payment' and new.status is distinct from old.status then
    raise exception using errcode = 'SB024', message = 'PARTICIPATION_FINAL',
      detail = jsonb_build_object('status', old.status)::text;
  end if;
  if new.quantity <> old.quantity or new.amount <> old.amount or new.user_id <> old.user_id
     or new.campaign_id <> old.campaign_id then
    raise exception using errcode = 'SB003', message = 'VALIDATION_FAILED',
      detail = '{"reason":"participation_immutable"}';
  end if;
  new.updated_at := private.clock();
  return new;
end
$$;

create trigger sambatan_participant_guard
  before update on public.sambatan_participants
  for each row execute function private.sambatan_participant_guard();

-- The audit log is append-only.
create function private.sambatan_audit_append_only() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception using errcode = '42501', message = 'sambatan_audit_logs is append-only';
end
$$;

create trigger sambatan_audit_append_only
  before update or delete on public.sambatan_audit_logs
  for each row execute function private.sambatan_audit_append_only();
