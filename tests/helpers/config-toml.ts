// supabase/config.toml as the Supabase CLI reads it, parsed by a real TOML parser,
// so a syntax error fails here rather than at `supabase functions deploy`.
import { readFileSync } from "node:fs";
import { parse } from "smol-toml";

export const supabaseDir = new URL("../../supabase/", import.meta.url);

export interface FunctionSettings {
  enabled?: boolean;
  verify_jwt?: boolean;
  entrypoint?: string;
  import_map?: string;
}

export function supabaseConfig(): Record<string, any> {
  return parse(readFileSync(new URL("config.toml", supabaseDir), "utf8"));
}

/** The [functions.<slug>] sections, by slug. */
export function configuredFunctions(): Map<string, FunctionSettings> {
  return new Map(Object.entries((supabaseConfig().functions ?? {}) as Record<string, FunctionSettings>));
}

/** A path from config.toml, which the CLI resolves relative to supabase/. */
export const fromSupabaseDir = (path: string) => new URL(path, supabaseDir);
