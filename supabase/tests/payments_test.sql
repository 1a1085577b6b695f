-- The payment story at the SQL level: a buyer checks out and pays within the window,
-- a redelivered notification changes nothing, an unpaid reservation is released when
-- the window runs out, its late payment is owed back, and a manager settles the refund.
begin;
\ir helpers.psql
select plan(16);

select tests.create_user('manager', array['sambatan.manage']) as manager_id \gset
select tests.create_user('ani') as ani_id \gset
select tests.create_user('budi') as budi_id \gset
insert into public.products (id, name, sambatan_enabled) values ('00000000-0000-4000-8000-000000000002', 'Kopi Gayo', true);

select tests.authenticate_as('manager');
select public.create_campaign('00000000-0000-4000-8000-000000000002', 'Batch', 3, 1000, now() + interval '2 days',
  p_payment_window_minutes => 30) ->> 'id' as campaign_id \gset

select tests.authenticate_as('ani');
select public.join_campaign(:'campaign_id', 2, 'Jl. Melati') -> 'participation' ->> 'id' as ani_p \gset
select ok((select payment_due_at is not null from public.sambatan_participants where id = :'ani_p'),
  'a join in a campaign with a window is due for payment');
select is(public.begin_checkout(:'ani_p', 'midtrans') -> 'transaction', 'null'::jsonb,
  'no provider transaction before the first checkout');
select is(public.record_checkout(:'ani_p', 'midtrans', 'snap-1', 'https://pay.example/snap-1', 'snap-1', null) ->> 'provider_transaction_id',
  'snap-1', 'the checkout is recorded');
select is(public.record_checkout(:'ani_p', 'midtrans', 'snap-2', null, null, null) ->> 'provider_transaction_id',
  'snap-1', 'a second checkout returns the first transaction');

select tests.authenticate_as('budi');
select public.join_campaign(:'campaign_id', 1, 'Jl. Mawar') -> 'participation' ->> 'id' as budi_p \gset
select is((select count(*)::int from public.payment_transactions), 0, 'a buyer sees no other buyer''s checkout');
select throws_ok(format('select public.begin_checkout(%L, %L)', :'ani_p', 'midtrans'), 'SB012', 'PARTICIPATION_NOT_FOUND',
  'another buyer''s participation is not found');
select throws_ok(format('select public.record_payment_notification(%L, %L, %L, %L, %L, 2000)', 'midtrans', :'ani_p', 'mt-1', 'settlement', 'paid'),
  '42501', null, 'buyers cannot record payment notifications');

select tests.authenticate_as_service_role();
select is(public.record_payment_notification('midtrans', :'ani_p', 'mt-1', 'settlement', 'paid', 2000) ->> 'result', 'paid',
  'a settlement of the right amount pays the participation');
select is(public.record_payment_notification('midtrans', :'ani_p', 'mt-1', 'settlement', 'paid', 2000) ->> 'result', 'duplicate',
  'a redelivered notification is a duplicate');
select is((select count(*)::int from public.payment_events where participation_id = :'ani_p'), 1, 'and is stored once');

-- Past the window: budi has not paid, the lifecycle releases his slot and reopens the campaign.
select set_config('sambatan.clock_offset', '31 minutes', true);
select is((public.run_sambatan_lifecycle() ->> 'released')::int, 1, 'the unpaid reservation is released');
select results_eq(format('select status::text, cancel_reason::text from public.sambatan_participants where id = %L', :'budi_p'),
  $$values ('cancelled', 'payment_timeout')$$, 'it is cancelled for payment timeout');
select is(public.get_campaign(:'campaign_id') ->> 'status', 'active', 'the locked campaign reopens');
select is(public.record_payment_notification('xendit', :'budi_p', 'inv-9', 'PAID', 'paid', 1000) ->> 'result', 'late_payment',
  'a payment after the release is a late payment');

select tests.authenticate_as('manager');
select is(public.complete_refund((select id from public.refunds where participation_id = :'budi_p'), 'succeeded', 'RF-1') ->> 'status',
  'succeeded', 'the manager records the refund');
select throws_ok(format('select public.complete_refund(%L, %L)', (select id from public.refunds where participation_id = :'budi_p'), 'failed'),
  'SB060', 'REFUND_FINAL', 'a completed refund is final');

select * from finish();
rollback;
