-- Cron expressions in SQL, for the next run time the registry and status need inside
-- the database (pg_cron computes its own and exposes none). tests/unit and tests/db
-- compare these answers with the croner library over many expressions.

-- One field of a five-field cron expression as the sorted set of values it allows:
-- numbers, ranges a-b, lists a,b, steps */n and a-b/n, and *.
create function sambatan_jobs.cron_field(p_field text, p_min integer, p_max integer) returns integer[]
language plpgsql immutable
set search_path = ''
as $$
declare
  v_part text;
  v_range text;
  v_step integer;
  v_lo integer;
  v_hi integer;
  v_values integer[] := '{}'::integer[];
begin
  foreach v_part in array string_to_array(p_field, ',') loop
    if v_part !~ '^(\*|\d+(-\d+)?)(/\d+)?$' then
      perform sambatan_private.invalid('schedule', 'malformed');
    end if;
    v_range := split_part(v_part, '/', 1);
    v_step := coalesce(nullif(split_part(v_part, '/', 2), '')::integer, 1);
    if v_range = '*' then
      v_lo := p_min;
      v_hi := p_max;
    else
      v_lo := split_part(v_range, '-', 1)::integer;
      v_hi := coalesce(nullif(split_part(v_range, '-', 2), '')::integer,
                       case when v_part like '%/%' then p_max else v_lo end);
    end if;
    if v_step < 1 or v_lo < p_min or v_hi > p_max or v_lo > v_hi then
      perform sambatan_private.invalid('schedule', 'out_of_range');
    end if;
    v_values := v_values || array(select generate_series(v_lo, v_hi, v_step));
  end loop;
  return array(select distinct v from unnest(v_values) v order by v);
end
$$;

-- A schedule's fields, parsed once: the values each allows, whether day of month and
-- day of week are unrestricted (then the other alone decides), and whether it names
-- one time of day (a single minute and hour), which decides how it meets DST.
create function sambatan_jobs.cron_parse(
  p_schedule text,
  out r_minutes integer[], out r_hours integer[], out r_doms integer[], out r_months integer[], out r_dows integer[],
  out r_dom_any boolean, out r_dow_any boolean, out r_fixed_time boolean)
language plpgsql immutable
set search_path = ''
as $$
declare
  v_fields text[] := regexp_split_to_array(btrim(p_schedule), '\s+');
begin
  if array_length(v_fields, 1) is distinct from 5 then
    perform sambatan_private.invalid('schedule', 'five_fields');
  end if;
  r_minutes := sambatan_jobs.cron_field(v_fields[1], 0, 59);
  r_hours := sambatan_jobs.cron_field(v_fields[2], 0, 23);
  r_doms := sambatan_jobs.cron_field(v_fields[3], 1, 31);
  r_months := sambatan_jobs.cron_field(v_fields[4], 1, 12);
  -- Day of week 0-7, where 7 is Sunday again (so 1-7 is Monday to Sunday).
  r_dows := array(select distinct d % 7 from unnest(sambatan_jobs.cron_field(v_fields[5], 0, 7)) d order by 1);
  r_dom_any := v_fields[3] = '*';
  r_dow_any := v_fields[5] = '*';
  r_fixed_time := v_fields[1] ~ '^\d+$' and v_fields[2] ~ '^\d+$';
end
$$;

-- Whether a (local) calendar day passes the month, day-of-month and day-of-week fields;
-- when both day fields are restricted either may match, as in cron.
create function sambatan_jobs.cron_day_matches(
  p_day date, p_months integer[], p_doms integer[], p_dows integer[], p_dom_any boolean, p_dow_any boolean)
returns boolean
language sql immutable
set search_path = ''
as $$
  select extract(month from p_day)::integer = any (p_months)
     and case
           when p_dom_any and p_dow_any then true
           when p_dom_any then extract(dow from p_day)::integer = any (p_dows)
           when p_dow_any then extract(day from p_day)::integer = any (p_doms)
           else extract(day from p_day)::integer = any (p_doms) or extract(dow from p_day)::integer = any (p_dows)
         end
$$;

-- The first run strictly after p_after of a schedule read in p_time_zone (default
-- UTC, as pg_cron). Daylight saving follows Vixie cron, as croner does: a job with a
-- fixed time of day runs once when that time occurs twice (at the first) and, when it
-- does not occur, at the first valid time after the gap; any other job runs at every
-- occurrence of its times and skips those that do not occur.
create function sambatan_jobs.cron_next(p_schedule text, p_after timestamptz, p_time_zone text default 'UTC')
returns timestamptz
language plpgsql stable
set search_path = ''
as $$
declare
  v_cron record;
  v_utc boolean := coalesce(p_time_zone, 'UTC') = 'UTC';
  v_local timestamp;
  v_from timestamp;
  v_day date;
  v_hour integer;
  v_minute integer;
  v_at timestamp;
  v_run timestamptz;
  v_best timestamptz;
  v_guess timestamptz;
  v_calm boolean;
begin
  select * into v_cron from sambatan_jobs.cron_parse(p_schedule);
  if not v_utc and not exists (select 1 from pg_catalog.pg_timezone_names z where z.name = p_time_zone) then
    perform sambatan_private.invalid('time_zone', 'unknown');
  end if;
  v_local := p_after at time zone coalesce(p_time_zone, 'UTC');
  -- With the same UTC offset three hours either side, no clock change is near; otherwise
  -- local time can run backwards (a repeated hour), so look a little behind it.
  v_calm := v_utc or ((p_after - interval '3 hours') at time zone p_time_zone) - ((p_after - interval '3 hours') at time zone 'UTC')
                   = ((p_after + interval '3 hours') at time zone p_time_zone) - ((p_after + interval '3 hours') at time zone 'UTC');
  v_from := case when v_calm then date_trunc('minute', v_local) + interval '1 minute'
                 else date_trunc('minute', v_local) - interval '2 hours' end;
  for i in 0..366 * 5 loop
    v_day := v_from::date + i;
    continue when not sambatan_jobs.cron_day_matches(v_day, v_cron.r_months, v_cron.r_doms, v_cron.r_dows,
                                                     v_cron.r_dom_any, v_cron.r_dow_any);
    foreach v_hour in array v_cron.r_hours loop
      foreach v_minute in array v_cron.r_minutes loop
        v_at := v_day + make_interval(hours => v_hour, mins => v_minute);
        continue when v_at < v_from;
        if v_utc then
          return v_at at time zone 'UTC';
        end if;
        -- Past every occurrence the best run found could be beaten by: done.
        if v_best is not null and v_at > (v_best at time zone p_time_zone) + interval '3 hours' then
          return v_best;
        end if;
        -- Away from a clock change a local time occurs once and later ones come later:
        -- the first such run after p_after is the answer.
        v_guess := v_at at time zone p_time_zone;
        if v_best is null and v_guess > p_after and (v_guess at time zone p_time_zone) = v_at
           and ((v_guess - interval '3 hours') at time zone p_time_zone) - ((v_guess - interval '3 hours') at time zone 'UTC')
             = ((v_guess + interval '3 hours') at time zone p_time_zone) - ((v_guess + interval '3 hours') at time zone 'UTC') then
          return v_guess;
        end if;
        for v_run in
          select o.run from sambatan_jobs.local_occurrences(v_at, p_time_zone, v_cron.r_fixed_time) o
           where o.run > p_after
        loop
          v_best := least(v_best, v_run);
        end loop;
      end loop;
    end loop;
  end loop;
  return v_best;
end
$$;

-- The instants at which the local time p_at occurs in p_time_zone, in order: one
-- usually, two in a repeated hour (only the first for a fixed-time job), none in a
-- gap (then, for a fixed-time job, the first instant after the gap).
create function sambatan_jobs.local_occurrences(p_at timestamp, p_time_zone text, p_fixed_time boolean)
returns table (run timestamptz)
language plpgsql stable
set search_path = ''
as $$
declare
  v_runs timestamptz[];
  v_guess timestamptz := p_at at time zone p_time_zone;
begin
  -- Each zone offset around p_at (offsets change by at most 2 hours) gives a candidate.
  v_runs := array(
    select distinct u from (
      select ((p_at + d) at time zone p_time_zone) - d as u
        from unnest(array[interval '-2 hours', interval '-1 hour', interval '-30 minutes', interval '0',
                          interval '30 minutes', interval '1 hour', interval '2 hours']) d) c
     where (u at time zone p_time_zone) = p_at
     order by u);
  if cardinality(v_runs) = 0 then
    if p_fixed_time then
      return query
        select min(x) from generate_series(v_guess - interval '3 hours', v_guess + interval '3 hours', interval '1 minute') x
         where (x at time zone p_time_zone) > p_at;
    end if;
    return;
  end if;
  if p_fixed_time then
    v_runs := v_runs[1:1];
  end if;
  return query select unnest(v_runs);
end
$$;

-- Minutes between two consecutive runs (the legacy interval_minutes).
create function sambatan_jobs.cron_interval_minutes(p_schedule text, p_after timestamptz, p_time_zone text default 'UTC')
returns integer
language sql stable
set search_path = ''
as $$
  select (extract(epoch from sambatan_jobs.cron_next(p_schedule, n, p_time_zone) - n) / 60)::integer
    from (select sambatan_jobs.cron_next(p_schedule, p_after, p_time_zone) as n) s
$$;

-- The next p_count runs after p_after, as ISO timestamps (the status shows five).
create function sambatan_jobs.next_runs(p_schedule text, p_after timestamptz, p_time_zone text, p_count integer)
returns jsonb
language plpgsql stable
set search_path = ''
as $$
declare
  v_runs jsonb := '[]'::jsonb;
  v_at timestamptz := p_after;
begin
  for i in 1..p_count loop
    v_at := sambatan_jobs.cron_next(p_schedule, v_at, p_time_zone);
    exit when v_at is null;
    v_runs := v_runs || to_jsonb(sambatan_private.iso(v_at));
  end loop;
  return v_runs;
end
$$;

-- A schedule or zone an operator sets by hand (`update sambatan_jobs.scheduled_jobs
-- set schedule = …, time_zone = …`) is checked here and moves the next run with it.
create function sambatan_jobs.reschedule_on_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.next_run_at := sambatan_jobs.cron_next(new.schedule, pg_catalog.clock_timestamp(), new.time_zone);
  return new;
end
$$;

create trigger scheduled_jobs_reschedule
  before insert or update of schedule, time_zone on sambatan_jobs.scheduled_jobs
  for each row execute function sambatan_jobs.reschedule_on_change();

