-- The redaction job: shipping addresses and notes are removed
-- personal_data_retention_days (default 30) after a participation became final,
-- keeping the ledger (ids, quantities, amounts, statuses, payment facts, audit
-- events). Each redaction is audited by the fields' names, never their values.

-- Participations show when they were redacted; the address is null from then on.
create or replace function sambatan_private.participation_json(p public.sambatan_participants) returns jsonb
language sql immutable
set search_path = ''
as $$
  select pg_catalog.jsonb_build_object(
    'id', p.id,
    'campaign_id', p.campaign_id,
    'user_id', p.user_id,
    'quantity', p.quantity,
    'amount', p.amount,
    'status', p.status,
    'shipping_address', p.shipping_address,
    'note', p.note,
    'created_at', sambatan_private.iso(p.created_at),
    'updated_at', sambatan_private.iso(p.updated_at),
    'cancelled_at', sambatan_private.iso(p.cancelled_at),
    'cancel_reason', p.cancel_reason,
    'payment_due_at', sambatan_private.iso(p.payment_due_at),
    'paid_at', sambatan_private.iso(p.paid_at),
    'payment_provider', p.payment_provider,
    'payment_reference', p.payment_reference,
    'paid_amount', p.paid_amount,
    'redacted_at', sambatan_private.iso(p.redacted_at))
$$;

-- The retention as an interval; a setting outside 1..3650 days falls back to 30.
create function sambatan_private.personal_data_retention() returns interval
language sql stable
set search_path = ''
as $$
  select pg_catalog.make_interval(days => case when d between 1 and 3650 then d else 30 end)
    from (select sambatan_private.setting_int('personal_data_retention_days', 30) as d) s
$$;

-- Waiting-list entries (a table with shipping_address/note per campaign) are redacted
-- once their campaign has been closed for the retention. Where the table does not
-- exist yet this does nothing; it is named dynamically for that reason.
create function sambatan_private.redact_waitlist_batch(p_batch_size integer, p_cutoff timestamptz, p_now timestamptz)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_ids uuid[];
begin
  if pg_catalog.to_regclass('public.sambatan_waitlist_entries') is null then
    return 0;
  end if;
  execute pg_catalog.format(
    'select coalesce(array_agg(w.id), ''{}'') from (
       select w.id from %I.%I w join public.sambatan_campaigns c on c.id = w.campaign_id
        where (w.shipping_address is not null or w.note is not null)
          and c.status in (''fulfilled'', ''expired'', ''cancelled'')
          and coalesce(c.fulfilled_at, c.expired_at, c.cancelled_at, c.updated_at) < $1
        limit $2 for update of w skip locked) w',
    'public', 'sambatan_waitlist_entries')
    into v_ids using p_cutoff, p_batch_size;
  return pg_catalog.cardinality(sambatan_private.redact_personal_fields(
    'public.sambatan_waitlist_entries'::text::regclass, v_ids, p_now));
end
$$;

-- sambatan.personal-data-redaction: one bounded batch. Final rows are terminal, so
-- no other verb locks them; skip locked means the job never waits on an erasure in
-- flight, and it touches no campaign row, so the campaign-first lock order holds.
create function sambatan_private.job_redact_personal_data(p_execution_id bigint, p_batch_size integer) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_now timestamptz := sambatan_private.clock();
  v_cutoff timestamptz := v_now - sambatan_private.personal_data_retention();
  v_ids uuid[];
  v_done uuid[];
  v_waitlist integer;
begin
  select coalesce(array_agg(d.id), '{}') into v_ids from (
    select p.id from public.sambatan_participants p
      join public.sambatan_campaigns c on c.id = p.campaign_id
     where p.redacted_at is null
       and ((p.status in ('cancelled', 'refunded') and p.updated_at < v_cutoff)
            or (p.status = 'confirmed' and c.status = 'fulfilled' and c.fulfilled_at < v_cutoff))
     order by p.updated_at
     limit p_batch_size
       for update of p skip locked) d;

  v_done := sambatan_private.redact_personal_fields('public.sambatan_participants', v_ids, v_now);

  insert into public.sambatan_audit_logs (campaign_id, participation_id, event, actor_role, metadata, created_at)
  select p.campaign_id, p.id, 'personal_data_redacted', 'system',
         jsonb_build_object('fields', jsonb_build_array('shipping_address', 'note'),
                            'reason', 'retention', 'execution_id', p_execution_id), v_now
    from public.sambatan_participants p where p.id = any(v_done);

  v_waitlist := sambatan_private.redact_waitlist_batch(p_batch_size, v_cutoff, v_now);
  return jsonb_build_object(
    'participations_redacted', cardinality(v_done), 'waitlist_entries_redacted', v_waitlist,
    'done', cardinality(v_ids) < p_batch_size and v_waitlist < p_batch_size);
end
$$;

insert into sambatan_jobs.scheduled_jobs (name, description, schedule, handler, max_attempts, backoff_seconds, timeout_seconds, batch_size, time_budget_seconds)
values ('sambatan.personal-data-redaction',
        'Remove shipping addresses and notes a retention period (personal_data_retention_days) after a participation is final.',
        '15 2 * * *', 'job_redact_personal_data', 3, 300, 600, 1000, 120);
