-- Metrics from durable data, for the `metrics` function's Prometheus text. Counters
-- kept in a function instance or in a rolled-back transaction would be lost, so every
-- figure here is computed from rows. Job figures cover the history still retained.

create function public.sambatan_metrics() returns jsonb
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
    jsonb_build_object('name', 'sambatan_slots_sold', 'type', 'gauge', 'help', 'Slots held by pending or confirmed participations.',
      'samples', jsonb_build_array(jsonb_build_object('labels', '{}'::jsonb, 'value',
        (select coalesce(sum(p.quantity), 0) from public.sambatan_participants p where p.status in ('pending_payment', 'confirmed'))))),
    jsonb_build_object('name', 'sambatan_participations', 'type', 'gauge', 'help', 'Participations by status.',
      'samples', (select jsonb_agg(jsonb_build_object('labels', jsonb_build_object('status', s.status), 'value', coalesce(n.count, 0)) order by s.status)
                    from unnest(enum_range(null::public.sambatan_participant_status)) s(status)
                    left join (select p.status, count(*) as count from public.sambatan_participants p group by p.status) n on n.status = s.status)),
    jsonb_build_object('name', 'sambatan_participation_amount_rupiah', 'type', 'gauge', 'help', 'Sum of participation amounts by status, in rupiah.',
      'samples', (select jsonb_agg(jsonb_build_object('labels', jsonb_build_object('status', s.status), 'value', coalesce(n.amount, 0)) order by s.status)
                    from unnest(enum_range(null::public.sambatan_participant_status)) s(status)
                    left join (select p.status, sum(p.amount) as amount from public.sambatan_participants p group by p.status) n on n.status = s.status)),
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
revoke execute on function public.sambatan_metrics() from public, anon, authenticated, service_role;
grant execute on function public.sambatan_metrics() to authenticated, service_role;
revoke execute on function public.sambatan_metrics() from public, anon, authenticated, service_role;
grant execute on function public.sambatan_metrics() to authenticated, service_role;
