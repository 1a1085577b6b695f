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

-- The first minute strictly after p_after (UTC, as pg_cron) that the schedule matches.
-- Day of month and day of week combine as in cron: either matches when both are restricted.
create function sambatan_jobs.cron_next(p_schedule text, p_after timestamptz) returns timestamptz
language plpgsql immutable
set search_path = ''
as $$
declare
  v_fields text[] := regexp_split_to_array(btrim(p_schedule), '\s+');
  v_minutes integer[];
  v_hours integer[];
  v_doms integer[];
  v_months integer[];
  v_dows integer[];
  v_dom_any boolean;
  v_dow_any boolean;
  v_start timestamp := date_trunc('minute', p_after at time zone 'UTC') + interval '1 minute';
  v_day date;
  v_hour integer;
  v_minute integer;
  v_at timestamp;
begin
  if array_length(v_fields, 1) <> 5 then
    perform sambatan_private.invalid('schedule', 'five_fields');
  end if;
  v_minutes := sambatan_jobs.cron_field(v_fields[1], 0, 59);
  v_hours := sambatan_jobs.cron_field(v_fields[2], 0, 23);
  v_doms := sambatan_jobs.cron_field(v_fields[3], 1, 31);
  v_months := sambatan_jobs.cron_field(v_fields[4], 1, 12);
  -- Day of week 0-7, where 7 is Sunday again (so 1-7 is Monday to Sunday).
  v_dows := array(select distinct d % 7 from unnest(sambatan_jobs.cron_field(v_fields[5], 0, 7)) d order by 1);
  v_dom_any := v_fields[3] = '*';
  v_dow_any := v_fields[5] = '*';
  for i in 0..366 * 5 loop
    v_day := v_start::date + i;
    continue when not (extract(month from v_day)::integer = any (v_months));
    continue when not (
      case
        when v_dom_any and v_dow_any then true
        when v_dom_any then extract(dow from v_day)::integer = any (v_dows)
        when v_dow_any then extract(day from v_day)::integer = any (v_doms)
        else extract(day from v_day)::integer = any (v_doms) or extract(dow from v_day)::integer = any (v_dows)
      end);
    foreach v_hour in array v_hours loop
      foreach v_minute in array v_minutes loop
        v_at := v_day + make_interval(hours => v_hour, mins => v_minute);
        if v_at >= v_start then
          return v_at at time zone 'UTC';
        end if;
      end loop;
    end loop;
  end loop;
  return null;
end
$$;

-- Minutes between two consecutive runs (the legacy interval_minutes).
create function sambatan_jobs.cron_interval_minutes(p_schedule text, p_after timestamptz) returns integer
language sql immutable
set search_path = ''
as $$
  select (extract(epoch from sambatan_jobs.cron_next(p_schedule, n) - n) / 60)::integer
    from (select sambatan_jobs.cron_next(p_schedule, p_after) as n) s
$$;
