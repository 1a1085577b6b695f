-- A silent job reaches the shop's systems as a notification too: job.stale is an event
-- type endpoints may subscribe to, and the silence alert writes it to the outbox in the
-- same transaction that posts the signed alert and records the alert time.

create or replace function sambatan_private.notification_event_types() returns text[]
language sql immutable
set search_path = ''
as $$
  select array['campaign.locked', 'campaign.fulfilled', 'campaign.expired', 'campaign.cancelled',
               'campaign.deadline_soon', 'participation.joined', 'participation.paid',
               'participation.payment_due_soon', 'participation.released', 'waitlist.offered',
               'refund.owed', 'job.failed', 'job.stale']
$$;

create or replace function sambatan_jobs.alert_stale() returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := pg_catalog.clock_timestamp();
  v_job record;
  v_count integer := 0;
  v_data jsonb;
begin
  for v_job in
    select j.name, j.alert_after, s.at as last_success_at
      from sambatan_jobs.scheduled_jobs j
      left join lateral (select max(e.finished_at) as at from sambatan_jobs.job_executions e
                          where e.job = j.name and e.status = 'succeeded') s on true
     where j.enabled and j.alert_after is not null
       and coalesce(s.at, j.created_at) < v_now - j.alert_after
       and (j.stale_alerted_at is null or j.stale_alerted_at < greatest(s.at, v_now - j.alert_after))
     for update of j skip locked
  loop
    v_data := jsonb_build_object(
      'job', v_job.name,
      'last_success_at', sambatan_private.iso(v_job.last_success_at),
      'alert_after_seconds', extract(epoch from v_job.alert_after)::integer);
    perform sambatan_jobs.post_alert(jsonb_build_object('type', 'job.stale') || v_data);
    perform sambatan_private.enqueue_notification('job.stale', null, null, null, v_data, null, v_now);
    update sambatan_jobs.scheduled_jobs j set stale_alerted_at = v_now where j.name = v_job.name;
    v_count := v_count + 1;
  end loop;
  return v_count;
end
$$;
