-- The join story at the SQL level: a buyer joins, the campaign fills and locks, a
-- second join is refused, a cancel reopens it.
begin;
\ir helpers.psql
select plan(9);

select tests.create_user('manager', array['sambatan.manage']) as manager_id \gset
select tests.create_user('ani') as ani_id \gset
select tests.create_user('budi') as budi_id \gset
select tests.create_user('citra') as citra_id \gset
insert into public.products (id, name, sambatan_enabled) values ('00000000-0000-4000-8000-000000000001', 'Rimba Embun', true);

select tests.authenticate_as('manager');
select public.create_campaign('00000000-0000-4000-8000-000000000001', 'Batch', 3, 1000, now() + interval '2 days') ->> 'id' as campaign_id \gset

select tests.authenticate_as('ani');
select is(public.join_campaign(:'campaign_id', 2, 'Jl. Melati') -> 'participation' ->> 'amount', '2000',
  'a join charges quantity x price');
select throws_ok(format('select public.join_campaign(%L, 2, %L)', :'campaign_id', 'Jl. Melati'), 'SB023', 'ALREADY_JOINED',
  'a second active participation is refused');

select tests.authenticate_as('budi');
select throws_ok(format('select public.join_campaign(%L, 2, %L)', :'campaign_id', 'Jl. Mawar'), 'SB040', 'SLOTS_INSUFFICIENT',
  'a join above the available slots is refused');
select lives_ok(format('select public.join_campaign(%L, 1, %L)', :'campaign_id', 'Jl. Mawar'), 'the last slot can be taken');
select is((public.get_campaign(:'campaign_id') ->> 'status'), 'locked', 'a full campaign locks');
select tests.authenticate_as('citra');
select throws_ok(format('select public.join_campaign(%L, 1, %L)', :'campaign_id', 'Jl. Mawar'), 'SB021', 'CAMPAIGN_FULL',
  'a locked campaign refuses joins');
select tests.authenticate_as('budi');
select is((select count(*)::int from public.sambatan_participants), 1, 'a buyer sees only their own participations');

select tests.authenticate_as('ani');
select is(public.cancel_participation(
  (select id from public.sambatan_participants where campaign_id = :'campaign_id'::uuid)) ->> 'status', 'cancelled',
  'the buyer cancels');
select is((public.get_campaign(:'campaign_id') ->> 'status'), 'active', 'a cancel before the deadline reopens the campaign');

select * from finish();
rollback;
