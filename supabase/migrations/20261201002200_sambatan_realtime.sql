-- Live progress: campaign rows are published to Supabase Realtime, whose
-- postgres_changes honour RLS (campaigns are public to anon and authenticated).
-- Participants are not published: they carry shipping addresses.
do $$
begin
  if exists (select 1 from pg_catalog.pg_publication where pubname = 'supabase_realtime')
     and not exists (select 1 from pg_catalog.pg_publication_tables
                      where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'sambatan_campaigns') then
    alter publication supabase_realtime add table public.sambatan_campaigns;
  end if;
end
$$;
