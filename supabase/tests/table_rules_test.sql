-- The single-column rules of the campaign and participant tables hold at the table,
-- whatever writes the row: each bad value is refused with check_violation (23514) and
-- the good row beside it is stored. Since 20261208000400 these rules are domains on
-- the columns; the rules that read two columns are still table constraints.
begin;
\ir helpers.psql
select plan(27);

insert into public.products (id, name, sambatan_enabled) values ('00000000-0000-4000-8000-000000000007', 'Kopi Gayo', true);
insert into public.sambatan_campaigns (id, product_id, title, total_slots, price_per_slot, deadline)
values ('00000000-0000-4000-8000-000000000070', '00000000-0000-4000-8000-000000000007', 'Rules', 10, 1000, now() + interval '1 day');
select tests.create_user('ani') as ani_id \gset

-- A campaign column set to a bad value, one at a time.
create function tests.campaign_set(p_set text) returns void language plpgsql as $$
begin
  execute format('update public.sambatan_campaigns set %s where id = %L', p_set, '00000000-0000-4000-8000-000000000070');
end
$$;
select throws_ok($$select tests.campaign_set('title = ''''')$$, '23514', null, 'a campaign title is 1 to 200 characters (empty)');
select throws_ok($$select tests.campaign_set('title = repeat(''x'', 201)')$$, '23514', null, 'a campaign title is 1 to 200 characters (201)');
select throws_ok($$select tests.campaign_set('price_per_slot = 0')$$, '23514', null, 'a price per slot is at least Rp 1');
select throws_ok($$select tests.campaign_set('price_per_slot = 1000000000001')$$, '23514', null, 'a price per slot is at most Rp 1,000,000,000,000');
select throws_ok($$select tests.campaign_set('payment_window_minutes = 4')$$, '23514', null, 'a payment window is at least 5 minutes');
select throws_ok($$select tests.campaign_set('payment_window_minutes = 10081')$$, '23514', null, 'a payment window is at most 7 days');
select throws_ok($$select tests.campaign_set('max_slots_per_buyer = 0')$$, '23514', null, 'a buyer cap is at least 1');
select throws_ok($$select tests.campaign_set('cancel_reason = repeat(''x'', 501)')$$, '23514', null, 'a cancel reason is at most 500 characters');
select throws_ok($$select tests.campaign_set('price_tiers = ''{}''')$$, '23514', null, 'price tiers are a JSON array');
select throws_ok($$select tests.campaign_set('slot_buckets = 65')$$, '23514', null, 'a campaign has at most 64 slot buckets');
select throws_ok($$select tests.campaign_set('slot_buckets = 0')$$, '23514', null, 'a campaign has at least 1 slot bucket');
-- The two-column rules stay table constraints.
select throws_ok($$select tests.campaign_set('filled_slots = 11')$$, '23514', null, 'filled slots never exceed the total');
select throws_ok($$select tests.campaign_set('min_slots = 11')$$, '23514', null, 'the minimum never exceeds the total');
select lives_ok($$select tests.campaign_set('title = repeat(''x'', 200), price_per_slot = 1000000000000, payment_window_minutes = 10080, max_slots_per_buyer = 100000, price_tiers = ''[]'', slot_buckets = 64')$$,
  'the largest good values are stored');

-- A participant row written directly with one bad value, the rest good.
-- The payment columns go together (paid_facts), so they are set together.
create function tests.participant_with(p_values jsonb) returns void language plpgsql as $$
declare
  v_row jsonb := jsonb_build_object(
    'campaign_id', '00000000-0000-4000-8000-000000000070', 'user_id', (select id from auth.users where email = 'ani@example.test'),
    'quantity', 1, 'amount', 1000, 'shipping_address', 'Jl. Melati 1', 'created_at', now(), 'updated_at', now()) || p_values;
begin
  insert into public.sambatan_participants
  select * from jsonb_populate_record(null::public.sambatan_participants,
                                      v_row || jsonb_build_object('id', gen_random_uuid(), 'status', 'cancelled'));
end
$$;
select throws_ok($$select tests.participant_with(jsonb_build_object('quantity', '0'))$$, '23514', null, 'a quantity is at least 1');
select throws_ok($$select tests.participant_with(jsonb_build_object('quantity', '100001'))$$, '23514', null, 'a quantity is at most 100,000');
select throws_ok($$select tests.participant_with(jsonb_build_object('amount', '0'))$$, '23514', null, 'an amount is positive');
select throws_ok($$select tests.participant_with(jsonb_build_object('shipping_address', ''))$$, '23514', null, 'a shipping address is not empty');
select throws_ok($$select tests.participant_with(jsonb_build_object('shipping_address', repeat('x', 501)))$$, '23514', null, 'a shipping address is at most 500 characters');
select throws_ok($$select tests.participant_with(jsonb_build_object('note', repeat('x', 501)))$$, '23514', null, 'a note is at most 500 characters');
select throws_ok($$select tests.participant_with(jsonb_build_object('idempotency_key', ''))$$, '23514', null, 'an idempotency key is not empty');
select throws_ok($$select tests.participant_with(jsonb_build_object('idempotency_key', repeat('k', 256)))$$, '23514', null, 'an idempotency key is at most 255 characters');
select throws_ok($$select tests.participant_with(jsonb_build_object('cancel_reason', repeat('x', 501)))$$, '23514', null, 'a participant cancel reason is at most 500 characters');
select throws_ok($$select tests.participant_with('{"paid_at": "2026-12-01T00:00:00Z", "paid_amount": 1000, "payment_provider": "paypal"}')$$, '23514', null, 'a payment provider is midtrans, xendit or manual');
select throws_ok($$select tests.participant_with(jsonb_build_object('payment_reference', repeat('r', 256)))$$, '23514', null, 'a payment reference is at most 255 characters');
select throws_ok($$select tests.participant_with('{"paid_at": "2026-12-01T00:00:00Z", "paid_amount": 0, "payment_provider": "manual"}')$$, '23514', null, 'a paid amount is positive');
select lives_ok($$select tests.participant_with(('{"paid_at": "2026-12-01T00:00:00Z", "paid_amount": 1000, "payment_provider": "manual", "payment_reference": "' || repeat('r', 255) || '", "note": "' || repeat('n', 500) || '"}')::jsonb)$$,
  'the good participant row, paid, with the longest reference and note, is stored');

select * from finish();
rollback;
