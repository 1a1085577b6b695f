-- An erased account leaves no user id in the outbox either: when Supabase Auth deletes
-- a user, the notification events naming them (and so every delivery still due, which
-- sends the event's payload) lose the id at once. The events stay, so a receiver still
-- learns what happened to the campaign and the participation.
create function sambatan_private.erase_notification_user() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  update public.notification_events ev
     set user_id = null, payload = ev.payload #- '{data,user_id}'
   where ev.user_id = old.id;
  return old;
end
$$;
revoke execute on function sambatan_private.erase_notification_user() from public, anon, authenticated, service_role;

create trigger sambatan_erase_notification_user
  after delete on auth.users
  for each row execute function sambatan_private.erase_notification_user();

-- Erasure finds an account's events without reading the whole outbox.
create index notification_events_user on public.notification_events (user_id) where user_id is not null;
