-- Row guards: terminal states never change again, and a participation's amounts are
-- immutable. Each trigger fires only when its WHEN clause finds a violation, so the
-- hot paths (join, cancel, lifecycle) pay nothing for it. progress_percent is a
-- generated column and the verbs set updated_at themselves.

create function sambatan_private.reject_terminal_campaign_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception using errcode = 'SB022', message = 'CAMPAIGN_CLOSED',
    detail = jsonb_build_object('status', old.status, 'reason', 'terminal')::text;
end
$$;

create trigger sambatan_campaign_terminal_guard
  before update on public.sambatan_campaigns
  for each row when (old.status in ('fulfilled', 'expired', 'cancelled'))
  execute function sambatan_private.reject_terminal_campaign_change();

create function sambatan_private.reject_participant_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if old.status <> 'pending_payment' and new.status is distinct from old.status then
    raise exception using errcode = 'SB024', message = 'PARTICIPATION_FINAL',
      detail = jsonb_build_object('status', old.status)::text;
  end if;
  raise exception using errcode = 'SB003', message = 'VALIDATION_FAILED',
    detail = '{"reason":"participation_immutable"}';
end
$$;

create trigger sambatan_participant_guard
  before update on public.sambatan_participants
  for each row when (
    (old.status <> 'pending_payment' and new.status is distinct from old.status)
    or new.quantity <> old.quantity or new.amount <> old.amount
    or new.user_id <> old.user_id or new.campaign_id <> old.campaign_id)
  execute function sambatan_private.reject_participant_change();

-- The audit log is append-only.
create function sambatan_private.sambatan_audit_append_only() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  raise exception using errcode = '42501', message = 'sambatan_audit_logs is append-only';
end
$$;

create trigger sambatan_audit_append_only
  before update or delete on public.sambatan_audit_logs
  for each row execute function sambatan_private.sambatan_audit_append_only();
