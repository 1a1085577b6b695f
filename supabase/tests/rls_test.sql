-- RLS and grants: every table has RLS, clients read only what they may and write nothing.
begin;
\ir helpers.psql
select plan(11);

select tests.create_user('manager', array['sambatan.manage', 'scheduled_job.read']) as manager_id \gset
select tests.create_user('ani') as ani_id \gset

select is(
  (select count(*)::int from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r' and not c.relrowsecurity),
  0, 'every public table has row level security');
select is(
  (select count(*)::int from pg_proc p where p.pronamespace = 'public'::regnamespace and not p.prosecdef),
  0, 'every public function is security definer');
select is(
  (select count(*)::int from pg_proc p where p.pronamespace = 'public'::regnamespace
      and has_function_privilege('public', p.oid, 'execute')),
  0, 'no public function is executable by PUBLIC');
select is(
  (select count(*)::int from unnest(array['public', 'anon', 'authenticated', 'service_role']) r
    cross join unnest(array['sambatan_private', 'sambatan_jobs']) s
    where has_schema_privilege(r, s, 'usage')),
  0, 'no client role may use our internal schemas');

set local role anon;
select throws_ok('select * from public.sambatan_participants', '42501', null, 'anon cannot read participants');
select throws_ok('select public.run_sambatan_lifecycle()', '42501', null, 'anon cannot run the lifecycle');
select lives_ok('select * from public.sambatan_campaigns', 'anon can read campaigns');

select tests.authenticate_as('ani');
select throws_ok($$update public.sambatan_campaigns set filled_slots = 0$$, '42501', null, 'buyers cannot write campaigns');
select throws_ok('select * from sambatan_jobs.job_executions', '42501', null, 'buyers cannot reach job history');
select throws_ok($$select public.sambatan_job_status()$$, 'SB002', 'FORBIDDEN', 'buyers cannot read scheduler status');

select tests.authenticate_as('manager');
select lives_ok($$select public.sambatan_job_status()$$, 'scheduled_job.read may read scheduler status');

select * from finish();
rollback;
