-- The campaign rules at the SQL level: a tiered campaign charges each slot at its
-- tier, a full campaign's waiting list is offered a cancelled buyer's slots in order
-- (an entry that does not fit keeps its place), the buyer cap refuses, a buyer leaves
-- the list, the organiser extends once and cancels, closing the list; and the
-- waiting list is readable by its owner only.
begin;
\ir helpers.psql
select plan(15);

select tests.create_user('manager', array['sambatan.manage']) as manager_id \gset
select tests.create_user('ani') as ani_id \gset
select tests.create_user('budi') as budi_id \gset
select tests.create_user('citra') as citra_id \gset
select tests.create_user('dewi') as dewi_id \gset
insert into public.products (id, name, sambatan_enabled) values ('00000000-0000-4000-8000-000000000003', 'Teh Tubruk', true);

select tests.authenticate_as('manager');
select public.create_campaign('00000000-0000-4000-8000-000000000003', 'Tiers', 4, null, now() + interval '2 days',
  p_price_tiers => '[{"up_to_slot": 2, "price_per_slot": 100}, {"up_to_slot": 4, "price_per_slot": 150}]',
  p_max_slots_per_buyer => 3) ->> 'id' as campaign_id \gset

select tests.authenticate_as('ani');
select public.join_campaign(:'campaign_id', 3, 'Jl. Melati') -> 'participation' as ani \gset
select is((:'ani'::jsonb ->> 'amount')::int, 100 + 100 + 150, 'a join spanning two tiers pays each slot at its tier');
select is(public.get_campaign(:'campaign_id') -> 'current_tier',
  '{"up_to_slot": 4, "price_per_slot": 150, "slots_left": 1}'::jsonb, 'get_campaign shows the current tier');

select tests.authenticate_as('budi');
select throws_ok(format('select public.join_campaign(%L, 4, %L, p_waitlist => true)', :'campaign_id', 'Jl. Mawar'),
  'SB042', 'BUYER_LIMIT_EXCEEDED', 'the buyer cap applies to waiting-list entries');
select public.join_campaign(:'campaign_id', 1, 'Jl. Mawar') -> 'participation' ->> 'id' as budi_p \gset

select tests.authenticate_as('citra');
select throws_ok(format('select public.join_campaign(%L, 1, %L)', :'campaign_id', 'Jl. Kenanga'),
  'SB021', 'CAMPAIGN_FULL', 'a full campaign without the flag is CAMPAIGN_FULL');
select public.join_campaign(:'campaign_id', 2, 'Jl. Kenanga', p_waitlist => true) -> 'waitlist_entry' as citra_entry \gset
select is(:'citra_entry'::jsonb ->> 'position', '1', 'with the flag the buyer waits, first');

select tests.authenticate_as('dewi');
select public.join_campaign(:'campaign_id', 1, 'Jl. Dahlia', p_waitlist => true) -> 'waitlist_entry' ->> 'id' as dewi_entry \gset
select is((select count(*)::int from public.sambatan_waitlist_entries), 1, 'a buyer sees only their own entries');

select tests.authenticate_as('budi');
select public.cancel_participation(:'budi_p');
select tests.authenticate_as('manager');
select is((select array_agg(status::text order by created_at) from public.sambatan_waitlist_entries where campaign_id = :'campaign_id'),
  array['waiting', 'offered'], 'the freed slot goes to the earliest entry that fits; a larger one keeps its place');
select is((select amount::int from public.sambatan_participants p join public.sambatan_waitlist_entries w on w.participation_id = p.id
            where w.id = :'dewi_entry'), 150, 'the offer pays the tier of the slot it takes');
select is((public.get_campaign(:'campaign_id') ->> 'status'), 'locked', 'the offer fills and locks the campaign');

select tests.authenticate_as('citra');
select is(public.leave_waitlist((:'citra_entry'::jsonb ->> 'id')::uuid) ->> 'status', 'left', 'the buyer leaves the list');
select throws_ok(format('select public.leave_waitlist(%L)', :'citra_entry'::jsonb ->> 'id'),
  'SB061', 'WAITLIST_ENTRY_FINAL', 'a left entry is final');

select tests.authenticate_as('manager');
select ok(public.extend_campaign(:'campaign_id', now() + interval '5 days') ->> 'extended_at' is not null, 'the organiser extends once');
select throws_ok(format('select public.extend_campaign(%L, %L)', :'campaign_id', now() + interval '6 days'),
  'SB062', 'CAMPAIGN_ALREADY_EXTENDED', 'a second extension is refused');
select is(public.cancel_campaign(:'campaign_id', 'pemasok batal') ->> 'status', 'cancelled', 'the organiser cancels');
select throws_ok(format('select public.cancel_campaign(%L, %L)', :'campaign_id', 'lagi'),
  'SB022', 'CAMPAIGN_CLOSED', 'a cancelled campaign cannot be cancelled again');

select * from finish();
rollback;
