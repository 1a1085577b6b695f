-- Bench-only: the physical limit of the machine for a hot row. pgbench updates this
-- one row as fast as it can; join throughput is reported as a ratio against it.
-- Never a migration.

create schema if not exists bench;
create table if not exists bench.t (id integer primary key, n bigint not null default 0);
insert into bench.t (id, n) values (1, 0) on conflict (id) do nothing;
-- pgbench logs in as authenticator (as PostgREST does) for every script, the
-- baseline too, so both sides pay the same connection path.
grant usage on schema bench to authenticator, authenticated;
grant select, update on bench.t to authenticator, authenticated;
