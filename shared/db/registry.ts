// Which database the functions use. Deployed functions get the supabase-js adapter
// built from configuration; the local stack and tests hand theirs in with
// provideDb(), so PGlite and postgres.js never enter the deployed import graph.

import type { Config } from "../config.ts";
import type { Db } from "./port.ts";
import { supabaseDb } from "./supabase.ts";

let provided: Db | undefined;
let fallback: Db | undefined;

export function provideDb(db: Db | undefined): void {
  provided = db;
}

export function resolveDb(config: Config): Db {
  if (provided) return provided;
  return (fallback ??= supabaseDb({
    url: config.supabaseUrl,
    publishableKey: defaultKey(config.publishableKeys, "SUPABASE_PUBLISHABLE_KEYS"),
    secretKey: config.secretKeys.default ?? Object.values(config.secretKeys)[0],
  }));
}

function defaultKey(keys: Record<string, string>, name: string): string {
  const key = keys.default ?? Object.values(keys)[0];
  if (!key) throw new Error(`${name} has no key: the supabase-js adapter needs one`);
  return key;
}
