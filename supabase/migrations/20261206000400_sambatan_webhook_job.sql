-- notifications.deliver, every minute. The `lifecycle` function runs it with fetch
-- (shared/notifications.ts) and never calls this handler; this handler is the
-- in-database path (no hook in Vault): it first records the responses pg_net got for
-- the requests of earlier runs (net._http_response), then claims and queues the due
-- deliveries with net.http_post, which sends them after this transaction commits.

create function sambatan_private.job_notifications_deliver(p_execution_id bigint, p_batch_size integer) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := pg_catalog.clock_timestamp();
  v_row record;
  v_status public.webhook_delivery_status;
  v_recorded integer := 0;
  v_delivered integer := 0;
  v_dead integer := 0;
  v_sent integer := 0;
begin
  perform sambatan_private.require_delivery_run(p_execution_id);
  -- Answers that came back, and requests whose lease ran out without one.
  for v_row in
    select d.id, d.attempts, d.claimed_at, r.status_code, r.timed_out, r.error_msg, r.created, r.id as response_id
      from public.webhook_deliveries d
      left join net._http_response r on r.id = d.net_request_id
     where d.net_request_id is not null and d.status in ('pending', 'retrying')
       and (r.id is not null or d.next_attempt_at <= v_now)
     order by d.id
     limit p_batch_size
       for update of d skip locked
  loop
    v_status := sambatan_private.record_delivery(v_row.id, v_row.attempts, v_row.status_code,
      case when v_row.response_id is null then 'no response from pg_net before the lease ran out'
           when v_row.timed_out then 'timeout'
           else v_row.error_msg end,
      (extract(epoch from coalesce(v_row.created, v_now) - v_row.claimed_at) * 1000)::integer, 'database');
    v_recorded := v_recorded + 1;
    v_delivered := v_delivered + (v_status = 'succeeded')::integer;
    v_dead := v_dead + (v_status = 'dead')::integer;
  end loop;

  for v_row in select * from sambatan_private.claim_deliveries(p_batch_size) loop
    update public.webhook_deliveries d
       set net_request_id = net.http_post(url := v_row.r_url, body := v_row.r_body::jsonb, headers := v_row.r_headers,
                                          timeout_milliseconds := v_row.r_timeout_ms)
     where d.id = v_row.r_delivery_id;
    v_sent := v_sent + 1;
  end loop;
  return jsonb_build_object('attempted', v_recorded, 'delivered', v_delivered, 'dead', v_dead, 'sent', v_sent,
                            'done', v_sent < p_batch_size and v_recorded < p_batch_size);
end
$$;

insert into sambatan_jobs.scheduled_jobs (name, description, schedule, handler, max_attempts, backoff_seconds, timeout_seconds, batch_size, time_budget_seconds)
values ('notifications.deliver', 'Deliver due webhook notifications (signed, retried with backoff) and record every attempt.',
        '* * * * *', 'job_notifications_deliver', 1, 0, 300, 20, 50)
on conflict (name) do nothing;

-- The dispatcher now fires every minute (it posts to the hook, or runs in the
-- database, only when a job is due), so deliveries wait at most a minute.
do $$
begin
  if to_regclass('cron.job') is not null then
    if exists (select 1 from cron.job j where j.jobname = 'sambatan-dispatch') then
      perform cron.schedule('sambatan-dispatch', '* * * * *', sambatan_jobs.dispatch_command());
    end if;
  end if;
end
$$;
