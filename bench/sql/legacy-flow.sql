-- Bench-only: the join flow of the legacy system Sambatan replaces, rebuilt to
-- measure against (its schema keeps the name bench_seed). Its backend joined in three PostgREST round trips with the service-role
-- key, each its own transaction: read the campaign, call reserve_sambatan_slots
-- (lock the row with FOR UPDATE, check, increment filled_slots, lock when full),
-- then insert the participant. Same table shapes, indexes and checks as ours, and
-- the legacy progress trigger, so the comparison is about the flow, not the schema.
-- Never a migration.

create schema if not exists bench_seed;

create table bench_seed.sambatan_campaigns
  (like public.sambatan_campaigns including defaults including constraints including indexes)
  with (fillfactor = 90);
create table bench_seed.sambatan_participants
  (like public.sambatan_participants including defaults including constraints including indexes);
alter table bench_seed.sambatan_participants
  add foreign key (campaign_id) references bench_seed.sambatan_campaigns (id);
alter table bench_seed.sambatan_campaigns enable row level security;
alter table bench_seed.sambatan_participants enable row level security;

-- The legacy trigger_update_sambatan_progress.
create function bench_seed.update_progress() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.progress_percent := round(new.filled_slots * 100.0 / new.total_slots, 2);
  new.updated_at := now();
  return new;
end
$$;
create trigger trigger_update_sambatan_progress
  before insert or update on bench_seed.sambatan_campaigns
  for each row execute function bench_seed.update_progress();

-- The legacy reserve_sambatan_slots: slots move without a participant row.
create function bench_seed.reserve_sambatan_slots(p_campaign_id uuid, p_slot_count integer) returns boolean
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_campaign bench_seed.sambatan_campaigns;
begin
  select * into v_campaign from bench_seed.sambatan_campaigns c where c.id = p_campaign_id for update;
  if not found then
    raise exception 'Campaign not found';
  end if;
  if v_campaign.status <> 'active' then
    raise exception 'Campaign is not active';
  end if;
  if v_campaign.filled_slots + p_slot_count > v_campaign.total_slots then
    raise exception 'Not enough slots available';
  end if;
  update bench_seed.sambatan_campaigns c
     set filled_slots = c.filled_slots + p_slot_count,
         status = case when c.filled_slots + p_slot_count = c.total_slots then 'locked'::public.sambatan_status else c.status end,
         locked_at = case when c.filled_slots + p_slot_count = c.total_slots then now() else c.locked_at end
   where c.id = p_campaign_id;
  return true;
end
$$;

revoke all on function bench_seed.reserve_sambatan_slots(uuid, integer) from public;
grant usage on schema bench_seed to service_role;
grant select on bench_seed.sambatan_campaigns to service_role;
grant select, insert on bench_seed.sambatan_participants to service_role;
grant execute on function bench_seed.reserve_sambatan_slots(uuid, integer) to service_role;
