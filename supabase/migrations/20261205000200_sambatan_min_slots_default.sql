-- A campaign written without a minimum (an operator's INSERT, a data import, an older
-- client of create_campaign) gets the rule's default, total_slots: it succeeds only
-- when full, as every campaign did before minimums. A column default cannot name
-- another column, so a trigger fills it; it fires on insert only, never on a join.
create function sambatan_private.default_min_slots() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.min_slots := new.total_slots;
  return new;
end
$$;

create trigger sambatan_campaign_min_slots_default
  before insert on public.sambatan_campaigns
  for each row when (new.min_slots is null)
  execute function sambatan_private.default_min_slots();
