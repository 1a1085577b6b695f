-- Reads with payments: progress, the dashboard and the metrics count paid
-- participations as holding slots and show what was paid and what is owed back.

-- Progress of one campaign: the legacy figures, plus paid and unpaid slots, the
-- amount paid and the refunds still owed (amount).
create or replace function sambatan_private.campaign_progress(c public.sambatan_campaigns) returns jsonb
language sql stable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'total_slots', c.total_slots,
    'filled_slots', c.filled_slots,
    'available_slots', c.total_slots - c.filled_slots,
    'percent', c.progress_percent,
    'participant_count', count(*),
    'total_contribution', coalesce(sum(p.amount), 0),
    'paid_slots', coalesce(sum(p.quantity) filter (where p.paid_at is not null), 0),
    'unpaid_slots', coalesce(sum(p.quantity) filter (where p.status = 'pending_payment'), 0),
    'amount_paid', coalesce(sum(p.paid_amount), 0),
    'refunds_pending', (select coalesce(sum(r.amount), 0) from public.refunds r
                         where r.campaign_id = c.id and r.status = 'pending'))
  from public.sambatan_participants p
  where p.campaign_id = c.id and p.status in ('pending_payment', 'paid', 'confirmed')
$$;

-- Counts per status, fill rate of open campaigns, deadlines in the next 24 hours, and
-- amounts pending / paid / confirmed / refunded, plus refunds still owed (sambatan.manage).
create or replace function public.sambatan_dashboard_summary() returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_campaigns jsonb;
  v_amounts jsonb;
  v_fill numeric;
  v_closing bigint;
begin
  perform sambatan_private.require_permission('sambatan.manage');

  select jsonb_object_agg(s.status, coalesce(n.count, 0)) || jsonb_build_object('total', coalesce(sum(n.count), 0))
    into v_campaigns
    from unnest(enum_range(null::public.sambatan_status)) s(status)
    left join (select c.status, count(*) as count from public.sambatan_campaigns c group by c.status) n
      on n.status = s.status;

  select round(sum(c.filled_slots)::numeric / nullif(sum(c.total_slots), 0), 4)
    into v_fill
    from public.sambatan_campaigns c where c.status in ('active', 'locked');

  select count(*) into v_closing
    from public.sambatan_campaigns c
   where c.status = 'active' and c.deadline > v_now and c.deadline <= v_now + interval '24 hours';

  select jsonb_build_object(
           'pending', coalesce(sum(p.amount) filter (where p.status = 'pending_payment'), 0),
           'confirmed', coalesce(sum(p.amount) filter (where p.status = 'confirmed'), 0),
           'paid', coalesce(sum(p.amount) filter (where p.status = 'paid'), 0),
           'refunded', coalesce(sum(p.amount) filter (where p.status = 'refunded'), 0),
           'refunds_pending', (select coalesce(sum(r.amount), 0) from public.refunds r where r.status = 'pending'))
    into v_amounts
    from public.sambatan_participants p;

  return jsonb_build_object(
    'campaigns', v_campaigns,
    'fill_rate', coalesce(v_fill, 0),
    'closing_within_24h', v_closing,
    'amounts', v_amounts,
    'generated_at', sambatan_private.iso(v_now));
end
$$;

-- Metrics gain refunds by status and payment notifications by outcome.
create or replace function public.sambatan_metrics() returns jsonb
language plpgsql stable
security definer
set search_path = ''
as $$
declare
  v_now timestamptz := pg_catalog.clock_timestamp();
begin
  perform sambatan_private.require_permission('scheduled_job.read');
  return jsonb_build_array(
    jsonb_build_object('name', 'sambatan_campaigns', 'type', 'gauge', 'help', 'Campaigns by status.',
      'samples', (select jsonb_agg(jsonb_build_object('labels', jsonb_build_object('status', s.status), 'value', coalesce(n.count, 0)) order by s.status)
                    from unnest(enum_range(null::public.sambatan_status)) s(status)
                    left join (select c.status, count(*) as count from public.sambatan_campaigns c group by c.status) n on n.status = s.status)),
    jsonb_build_object('name', 'sambatan_slots_sold', 'type', 'gauge', 'help', 'Slots held by pending, paid or confirmed participations.',
      'samples', jsonb_build_array(jsonb_build_object('labels', '{}'::jsonb, 'value',
        (select coalesce(sum(p.quantity), 0) from public.sambatan_participants p where p.status in ('pending_payment', 'paid', 'confirmed'))))),
    jsonb_build_object('name', 'sambatan_participations', 'type', 'gauge', 'help', 'Participations by status.',
      'samples', (select jsonb_agg(jsonb_build_object('labels', jsonb_build_object('status', s.status), 'value', coalesce(n.count, 0)) order by s.status)
                    from unnest(enum_range(null::public.sambatan_participant_status)) s(status)
                    left join (select p.status, count(*) as count from public.sambatan_participants p group by p.status) n on n.status = s.status)),
    jsonb_build_object('name', 'sambatan_participation_amount_rupiah', 'type', 'gauge', 'help', 'Sum of participation amounts by status, in rupiah.',
      'samples', (select jsonb_agg(jsonb_build_object('labels', jsonb_build_object('status', s.status), 'value', coalesce(n.amount, 0)) order by s.status)
                    from unnest(enum_range(null::public.sambatan_participant_status)) s(status)
                    left join (select p.status, sum(p.amount) as amount from public.sambatan_participants p group by p.status) n on n.status = s.status)),
    jsonb_build_object('name', 'sambatan_refunds', 'type', 'gauge', 'help', 'Refunds by status.',
      'samples', (select jsonb_agg(jsonb_build_object('labels', jsonb_build_object('status', s.status), 'value', coalesce(n.count, 0)) order by s.status)
                    from unnest(array['failed', 'pending', 'succeeded']) s(status)
                    left join (select r.status, count(*) as count from public.refunds r group by r.status) n on n.status = s.status)),
    jsonb_build_object('name', 'sambatan_refund_amount_rupiah', 'type', 'gauge', 'help', 'Sum of refund amounts by status, in rupiah.',
      'samples', (select jsonb_agg(jsonb_build_object('labels', jsonb_build_object('status', s.status), 'value', coalesce(n.amount, 0)) order by s.status)
                    from unnest(array['failed', 'pending', 'succeeded']) s(status)
                    left join (select r.status, sum(r.amount) as amount from public.refunds r group by r.status) n on n.status = s.status)),
    jsonb_build_object('name', 'sambatan_payment_events_total', 'type', 'counter', 'help', 'Payment notifications stored, by outcome.',
      'samples', (select jsonb_agg(jsonb_build_object('labels', jsonb_build_object('outcome', s.outcome), 'value', coalesce(n.count, 0)) order by s.outcome)
                    from unnest(array['cancelled', 'denied', 'expired', 'other', 'paid', 'pending']) s(outcome)
                    left join (select e.outcome, count(*) as count from public.payment_events e group by e.outcome) n on n.outcome = s.outcome)),
    jsonb_build_object('name', 'sambatan_lifecycle_transitions_total', 'type', 'counter', 'help', 'Campaigns the lifecycle moved to a final state.',
      'samples', jsonb_build_array(
        jsonb_build_object('labels', jsonb_build_object('to', 'fulfilled'), 'value',
          (select count(*) from public.sambatan_campaigns c where c.status = 'fulfilled')),
        jsonb_build_object('labels', jsonb_build_object('to', 'expired'), 'value',
          (select count(*) from public.sambatan_campaigns c where c.status = 'expired')))),
    jsonb_build_object('name', 'sambatan_job_executions_total', 'type', 'counter', 'help', 'Job executions by job and status (retained history).',
      'samples', coalesce((select jsonb_agg(jsonb_build_object('labels', jsonb_build_object('job', e.job, 'status', e.status), 'value', e.n) order by e.job, e.status)
                             from (select e.job, e.status, count(*) as n from sambatan_jobs.job_executions e group by e.job, e.status) e), '[]')),
    jsonb_build_object('name', 'sambatan_job_duration_seconds', 'type', 'summary', 'help', 'Durations of finished job executions (retained history).',
      'samples', coalesce((select jsonb_agg(x order by x ->> 'suffix', x -> 'labels' ->> 'job') from (
                   select jsonb_build_object('suffix', '_sum', 'labels', jsonb_build_object('job', e.job), 'value', round(sum(e.duration_ms) / 1000.0, 3)) as x
                     from sambatan_jobs.job_executions e where e.duration_ms is not null group by e.job
                   union all
                   select jsonb_build_object('suffix', '_count', 'labels', jsonb_build_object('job', e.job), 'value', count(*))
                     from sambatan_jobs.job_executions e where e.duration_ms is not null group by e.job) s), '[]')),
    jsonb_build_object('name', 'sambatan_job_last_success_timestamp_seconds', 'type', 'gauge', 'help', 'When each job last succeeded (Unix time).',
      'samples', coalesce((select jsonb_agg(jsonb_build_object('labels', jsonb_build_object('job', e.job), 'value', extract(epoch from e.at)::bigint) order by e.job)
                             from (select e.job, max(e.finished_at) as at from sambatan_jobs.job_executions e
                                    where e.status = 'succeeded' group by e.job) e), '[]')),
    jsonb_build_object('name', 'sambatan_job_running', 'type', 'gauge', 'help', '1 while a job holds its lease.',
      'samples', (select jsonb_agg(jsonb_build_object('labels', jsonb_build_object('job', j.name),
                    'value', case when j.lease_execution_id is not null and j.lease_expires_at > v_now then 1 else 0 end) order by j.name)
                    from sambatan_jobs.scheduled_jobs j)));
end
$$;
