-- The notification story at the SQL level: a manager subscribes an endpoint and gets
-- its secret once, a join writes the outbox in its own transaction, a claim signs the
-- delivery as Standard Webhooks says, a failure backs off, a success ends it.
begin;
\ir helpers.psql
select plan(12);

select tests.create_user('manager', array['sambatan.manage']) as manager_id \gset
select tests.create_user('ani') as ani_id \gset
insert into public.products (id, name, sambatan_enabled) values ('00000000-0000-4000-8000-000000000003', 'Teh Kayu Aro', true);

select tests.authenticate_as('ani');
select throws_ok($$select public.create_webhook_endpoint('https://toko.example/hooks', '["job.failed"]')$$,
  'SB002', 'FORBIDDEN', 'a buyer cannot subscribe an endpoint');

select tests.authenticate_as('manager');
select public.create_webhook_endpoint('https://toko.example/hooks', '["participation.joined"]') as endpoint \gset
select matches(:'endpoint'::jsonb ->> 'secret', '^whsec_[A-Za-z0-9+/]{43}=$', 'the secret is whsec_ and 32 random bytes');
select ok(not (public.list_webhook_endpoints()::text like '%whsec_%'), 'the list never shows a secret');
select is((select count(*)::int from public.webhook_endpoints), 1, 'managers read endpoints through RLS');
select public.create_campaign('00000000-0000-4000-8000-000000000003', 'Batch', 3, 1000, now() + interval '2 days') ->> 'id' as campaign_id \gset

select tests.authenticate_as('ani');
select public.join_campaign(:'campaign_id', 1, 'Jl. Melati', 'titip satpam') -> 'participation' ->> 'id' as ani_p \gset
select is((select count(*)::int from public.webhook_endpoints), 0, 'buyers see no endpoint');

select tests.clear_authentication();
select is((select type from public.notification_events), 'participation.joined', 'the join wrote its event');
select is((select payload -> 'data' ->> 'user_id' from public.notification_events), :'ani_id', 'the event names the buyer');
select ok((select payload::text not like '%Melati%' and payload::text not like '%satpam%' from public.notification_events),
  'no shipping address and no note in the payload');

create temporary table claimed as select * from sambatan_private.claim_deliveries(10);
select is((select r_headers ->> 'webhook-id' from claimed), (select id::text from public.notification_events),
  'webhook-id is the event id');
select is((select r_headers ->> 'webhook-signature' from claimed),
  (select 'v1,' || encode(extensions.hmac(convert_to(c.r_headers ->> 'webhook-id' || '.' || (c.r_headers ->> 'webhook-timestamp') || '.' || c.r_body, 'UTF8'),
                                          decode(substr(:'endpoint'::jsonb ->> 'secret', 7), 'base64'), 'sha256'), 'base64') from claimed c),
  'the signature is v1, base64 HMAC-SHA256 of id.timestamp.body keyed with the secret''s bytes');
select is(sambatan_private.record_delivery((select r_delivery_id from claimed), 1, 503, null, 12, 'function')::text, 'retrying',
  'a failed attempt is retried later');
select is(sambatan_private.record_delivery((select r_delivery_id from claimed), 1, 200, null, 9, 'function')::text, 'succeeded',
  'a 2xx succeeds the delivery');

select * from finish();
rollback;
