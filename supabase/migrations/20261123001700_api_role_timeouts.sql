-- Bounded waits for API requests on Supabase, where PostgREST applies these role
-- settings to every request it runs as the role. A join that would queue behind a
-- lock longer than this fails with 55P03 and the function answers 503 UNAVAILABLE
-- with Retry-After, instead of holding a connection. The direct adapters set the
-- same bound per transaction.
alter role anon set lock_timeout = '3s';
alter role authenticated set lock_timeout = '3s';
alter role service_role set lock_timeout = '3s';
alter role anon set statement_timeout = '8s';
alter role authenticated set statement_timeout = '8s';
