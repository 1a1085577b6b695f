-- The notifications no audited verb causes, and the outbox's retention: a payment
-- window about to close (a small job audits `payment_due_soon` once per participation,
-- and the outbox trigger takes it from there), a failed job run (job.failed, written
-- beside the failure alert in job_finish's transaction), and the cleanup of old events.

create table sambatan_private.payment_reminders (
  participation_id uuid primary key references public.sambatan_participants (id) on delete cascade,
  created_at timestamptz not null default now()
);
alter table sambatan_private.payment_reminders enable row level security;

-- sambatan.payment-reminders: unpaid reservations whose window closes within an hour
-- (or within half the window, when it is shorter), each audited once.
create function sambatan_private.job_payment_reminders(p_execution_id bigint, p_batch_size integer) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_recorded integer;
begin
  with due as (
    select p.id, p.campaign_id, p.payment_due_at, p.amount
      from public.sambatan_participants p
     where p.status = 'pending_payment' and p.payment_due_at is not null
       and p.payment_due_at > v_now and p.payment_due_at <= v_now + interval '1 hour'
       and p.payment_due_at - v_now <= greatest((p.payment_due_at - p.created_at) / 2, interval '5 minutes')
       and not exists (select 1 from sambatan_private.payment_reminders r where r.participation_id = p.id)
     order by p.payment_due_at
     limit p_batch_size
  ), recorded as (
    insert into sambatan_private.payment_reminders (participation_id, created_at)
    select d.id, v_now from due d
    on conflict do nothing
    returning participation_id
  ), audit as (
    insert into public.sambatan_audit_logs (campaign_id, participation_id, event, actor_role, metadata, created_at)
    select d.campaign_id, d.id, 'payment_due_soon', 'system',
           jsonb_build_object('payment_due_at', sambatan_private.iso(d.payment_due_at), 'amount', d.amount,
                              'execution_id', p_execution_id), v_now
      from recorded r join due d on d.id = r.participation_id
    returning 1
  )
  select count(*) into v_recorded from audit;
  return jsonb_build_object('reminders', v_recorded, 'done', v_recorded < p_batch_size);
end
$$;

insert into sambatan_jobs.scheduled_jobs (name, description, schedule, handler, max_attempts, backoff_seconds, timeout_seconds, batch_size, time_budget_seconds)
values ('sambatan.payment-reminders', 'Record one reminder per unpaid reservation whose payment window closes soon.',
        '*/5 * * * *', 'job_payment_reminders', 3, 60, 300, 1000, 60)
on conflict (name) do nothing;

-- As before (the signed alert through sambatan_jobs.post_alert, to the Vault-configured
-- URL), plus the job.failed event in the outbox, in the failing run's finish transaction.
create or replace function sambatan_jobs.alert_failure(p_execution sambatan_jobs.job_executions, p_will_retry boolean) returns void
language plpgsql
set search_path = ''
as $$
begin
  perform sambatan_private.enqueue_notification('job.failed', null, null, null,
    jsonb_build_object('job', p_execution.job, 'execution_id', p_execution.id, 'attempt', p_execution.attempt,
                       'will_retry', p_will_retry, 'error', left(p_execution.error, 500)),
    null, pg_catalog.clock_timestamp());
  perform sambatan_jobs.post_alert(jsonb_build_object(
    'type', 'job.failed', 'execution', sambatan_jobs.execution_json(p_execution), 'will_retry', p_will_retry));
end
$$;

-- notifications.cleanup: events past their retention whose deliveries are all final
-- (succeeded or dead) go, with their deliveries and attempts; pending ones stay.
insert into sambatan_private.settings (key, value) values ('notification_retention_days', '30')
on conflict (key) do nothing;

create function sambatan_private.job_notifications_cleanup(p_execution_id bigint, p_batch_size integer) returns jsonb
language sql
set search_path = ''
as $$
  with old as (
    select ev.id from public.notification_events ev
     where ev.created_at < pg_catalog.clock_timestamp()
                           - make_interval(days => sambatan_private.setting_int('notification_retention_days', 30))
       and not exists (select 1 from public.webhook_deliveries d
                        where d.event_id = ev.id and d.status in ('pending', 'retrying'))
     order by ev.created_at
     limit p_batch_size
  ), gone as (
    delete from public.notification_events ev using old where ev.id = old.id returning 1
  )
  select pg_catalog.jsonb_build_object('events_deleted', count(*), 'done', count(*) < p_batch_size) from gone
$$;

insert into sambatan_jobs.scheduled_jobs (name, description, schedule, handler, max_attempts, backoff_seconds, timeout_seconds, batch_size, time_budget_seconds)
values ('notifications.cleanup', 'Delete notification events past their retention once every delivery of them is final.',
        '45 3 * * *', 'job_notifications_cleanup', 3, 300, 600, 5000, 120)
on conflict (name) do nothing;
