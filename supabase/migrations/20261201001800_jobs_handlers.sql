-- The registered jobs: the campaign lifecycle, deadline reminders, and cleanup of
-- old history. Each handler runs one bounded batch and says whether it is done.

-- sambatan.lifecycle: one lifecycle batch; done when nothing is due any more.
create function sambatan_private.job_sambatan_lifecycle(p_execution_id bigint, p_batch_size integer) returns jsonb
language sql
set search_path = ''
as $$
  select (r - 'more') || pg_catalog.jsonb_build_object('done', not (r ->> 'more')::boolean, 'batches', 1)
    from (select public.run_sambatan_lifecycle(p_batch_size) as r) run
$$;

-- Which reminder windows have been recorded for which campaign, so each is sent once.
create table sambatan_private.deadline_reminders (
  campaign_id uuid not null references public.sambatan_campaigns (id) on delete cascade,
  reminder_window text not null,
  created_at timestamptz not null default now(),
  primary key (campaign_id, reminder_window)
);
alter table sambatan_private.deadline_reminders enable row level security;

-- sambatan.deadline-reminders: for active campaigns closing within 24 hours (and
-- within 1 hour), records one `deadline_reminder` audit event per campaign and
-- window; a notifications feature delivers them to participants.
create function sambatan_private.job_deadline_reminders(p_execution_id bigint, p_batch_size integer) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_recorded integer;
begin
  with due as (
    select c.id, w.name, c.deadline
      from public.sambatan_campaigns c
     cross join (values ('24h', interval '24 hours'), ('1h', interval '1 hour')) w(name, span)
     where c.status = 'active' and c.deadline > v_now and c.deadline <= v_now + w.span
       and not exists (select 1 from sambatan_private.deadline_reminders r
                        where r.campaign_id = c.id and r.reminder_window = w.name)
     order by c.deadline
     limit p_batch_size
  ), recorded as (
    insert into sambatan_private.deadline_reminders (campaign_id, reminder_window, created_at)
    select d.id, d.name, v_now from due d
    on conflict do nothing
    returning campaign_id, reminder_window
  ), audit as (
    insert into public.sambatan_audit_logs (campaign_id, event, actor_role, metadata, created_at)
    select r.campaign_id, 'deadline_reminder', 'system',
           jsonb_build_object('window', r.reminder_window, 'deadline', sambatan_private.iso(d.deadline), 'execution_id', p_execution_id),
           v_now
      from recorded r join due d on d.id = r.campaign_id and d.name = r.reminder_window
    returning 1
  )
  select count(*) into v_recorded from audit;
  return jsonb_build_object('reminders', v_recorded, 'done', v_recorded < p_batch_size);
end
$$;

-- jobs.cleanup: deletes execution history older than each job's retention, pg_cron's
-- own run details older than the cleanup job's retention, and expired idempotency keys.
create function sambatan_private.job_cleanup(p_execution_id bigint, p_batch_size integer) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := pg_catalog.clock_timestamp();
  v_executions integer;
  v_cron integer := 0;
  v_keys integer;
begin
  with old as (
    select e.id from sambatan_jobs.job_executions e
      join sambatan_jobs.scheduled_jobs j on j.name = e.job
     where e.started_at < v_now - make_interval(days => j.retention_days)
       and e.status <> 'running'
       and e.id <> p_execution_id
     order by e.id
     limit p_batch_size
  )
  delete from sambatan_jobs.job_executions e using old where e.id = old.id;
  get diagnostics v_executions = row_count;

  -- pg_cron's history, where pg_cron is installed (named dynamically: it may not be).
  if to_regclass('cron.job_run_details') is not null then
    execute format(
      'with old as (select d.runid from %I.%I d where d.end_time < $1 limit $2)
       delete from %I.%I d using old where d.runid = old.runid',
      'cron', 'job_run_details', 'cron', 'job_run_details')
    using v_now - make_interval(days => (select j.retention_days from sambatan_jobs.scheduled_jobs j where j.name = 'jobs.cleanup')),
          p_batch_size;
    get diagnostics v_cron = row_count;
  end if;

  v_keys := sambatan_private.purge_idempotency_keys();
  return jsonb_build_object(
    'executions_deleted', v_executions, 'cron_runs_deleted', v_cron, 'idempotency_keys_deleted', v_keys,
    'done', v_executions < p_batch_size and v_cron < p_batch_size);
end
$$;

insert into sambatan_jobs.scheduled_jobs (name, description, schedule, handler, max_attempts, backoff_seconds, timeout_seconds, batch_size, time_budget_seconds)
values
  ('sambatan.lifecycle', 'Fulfil full campaigns and expire overdue ones, in bounded batches.',
   '*/5 * * * *', 'job_sambatan_lifecycle', 3, 60, 300, 500, 60),
  ('sambatan.deadline-reminders', 'Record one reminder per campaign closing within 24 hours and within 1 hour.',
   '0 * * * *', 'job_deadline_reminders', 3, 120, 300, 1000, 60),
  ('jobs.cleanup', 'Delete job history, pg_cron run details and idempotency keys past their retention.',
   '30 3 * * *', 'job_cleanup', 3, 300, 600, 5000, 120);
update sambatan_jobs.scheduled_jobs set next_run_at = sambatan_jobs.cron_next(schedule, now());
