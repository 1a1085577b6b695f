// Installing into a Supabase project that already runs an app: `supabase db push`
// of our migrations into a database that holds an app's own functions (granted to
// anon and authenticated, with Supabase's default privileges on public), a schema
// named `private`, and objects with the common names an app is likely to have.
// The push must succeed and leave every one of them exactly as it was.

import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import { connect, databaseUrl, type Sql } from "../helpers/pg.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const NAME = `sambatan_app_${process.pid}`;
let admin: Sql;
let app: Sql;

const APP_SQL = `
  -- As on Supabase: functions created in public are granted to the API roles by default.
  alter default privileges in schema public grant execute on functions to anon, authenticated, service_role;
  alter default privileges in schema public grant select on tables to anon, authenticated, service_role;

  create schema private;
  create table private.app_secrets (id int primary key, value text);
  insert into private.app_secrets values (1, 'kept');
  create function private.app_helper() returns text language sql as $$ select 'app helper' $$;

  create function public.health() returns text language sql as $$ select 'app health' $$;
  create function public.metrics() returns int language sql as $$ select 42 $$;
  create function public.start_job(p text) returns text language sql as $$ select 'app job ' || p $$;
  create function public.app_rpc() returns text language sql as $$ select 'app rpc' $$;
  create table public.scheduled_jobs (id int primary key, what text);
  insert into public.scheduled_jobs values (1, 'nightly export');
  create table public.job_executions (id int primary key);
`;

/** What an app relies on: grants on its functions and schemas, and its objects' bodies. */
async function appState(sql: Sql) {
  const grants = await sql`
    select p.oid::regprocedure::text as fn, r as role, has_function_privilege(r, p.oid, 'execute') as can
      from pg_proc p cross join unnest(array['anon', 'authenticated', 'service_role']) r
     where p.oid::regprocedure::text in
       ('health()', 'metrics()', 'start_job(text)', 'app_rpc()', 'private.app_helper()')
     order by 1, 2`;
  const schema = await sql`
    select r as role, has_schema_privilege(r, 'private', 'usage') as usage
      from unnest(array['anon', 'authenticated', 'service_role']) r order by 1`;
  const [answers] = await sql`
    select public.health() as health, public.metrics() as metrics, public.start_job('x') as job,
           public.app_rpc() as rpc, private.app_helper() as helper,
           (select value from private.app_secrets where id = 1) as secret,
           (select what from public.scheduled_jobs where id = 1) as scheduled`;
  return { grants, schema, answers };
}

beforeAll(async () => {
  admin = connect({ max: 1 });
  await admin.unsafe(`drop database if exists ${NAME} with (force)`);
  await admin.unsafe(`create database ${NAME}`);
  app = connect({ max: 2, database: NAME });
  await app.unsafe(fs.readFileSync(path.join(ROOT, "dev", "sql", "bootstrap.sql"), "utf8"));
  await app.unsafe(APP_SQL);
}, 60_000);

afterAll(async () => {
  await app?.end();
  await admin?.unsafe(`drop database if exists ${NAME} with (force)`);
  await admin?.end();
});

test("supabase db push into a project with an app leaves the app's functions, grants and `private` schema untouched", async () => {
  const before = await appState(app);
  expect(before.grants.every((g) => g.can)).toBe(true);

  const url = new URL(databaseUrl());
  url.pathname = `/${NAME}`;
  url.searchParams.set("sslmode", "disable");
  const { stdout, stderr } = await promisify(execFile)(
    path.join(ROOT, "node_modules", ".bin", "supabase"),
    ["db", "push", `--remote=${url}`, "--yes"],
    { cwd: ROOT, env: { ...process.env, PGOPTIONS: "-c client_min_messages=warning" } },
  );
  expect(`${stdout}${stderr}`).toMatch(/Applying migration 20261201000100_sambatan_private\.sql/);

  expect(await appState(app)).toEqual(before);

  // Ours arrived beside them, under our own names, with our own grants.
  const ours = await app`
    select has_function_privilege('anon', 'public.sambatan_health()', 'execute') as health,
           has_function_privilege('anon', 'public.list_campaigns(public.sambatan_status, uuid, integer, text)', 'execute') as list,
           has_function_privilege('anon', 'public.join_campaign(uuid, integer, text, text, text)', 'execute') as anon_join,
           has_function_privilege('authenticated', 'public.join_campaign(uuid, integer, text, text, text)', 'execute') as join,
           has_function_privilege('authenticated', 'public.run_sambatan_lifecycle(integer)', 'execute') as user_lifecycle,
           has_schema_privilege('authenticated', 'sambatan_private', 'usage') as private_usage,
           (select count(*)::int from sambatan_jobs.scheduled_jobs) as jobs`;
  expect(ours[0]).toEqual({
    health: true, list: true, anon_join: false, join: true, user_lifecycle: false, private_usage: false, jobs: 6,
  });
}, 120_000);
