-- RLS and grants: every table has RLS, clients read only what they may and write nothing.
begin;
\ir helpers.psql
select plan(10);

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
  (select count(*)::int from pg_proc p where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
      and has_function_privilege('public', p.oid, 'execute')),
  0, 'no function is executable by PUBLIC');

set local role anon;
select throws_ok('select * from public.sambatan_participants', '42501', null, 'anon cannot read participants');
select throws_ok('select public.run_sambatan_lifecycle()', '42501', null, 'anon cannot run the lifecycle');
select lives_ok('select * from public.sambatan_campaigns', 'anon can read campaigns');

select tests.authenticate_as('ani');
select throws_ok($$update public.sambatan_campaigns set filled_slots = 0$$, '42501', null, 'buyers cannot write campaigns');
select is((select count(*)::int from public.job_executions), 0, 'buyers see no job history');
select throws_ok($$select public.job_status()$$, 'SB002', 'FORBIDDEN', 'buyers cannot read scheduler status');

select tests.authenticate_as('manager');
select lives_ok($$select public.job_status()$$, 'scheduled_job.read may read scheduler status');

select * from finish();
rollback;
