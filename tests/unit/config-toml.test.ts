// supabase/config.toml is what `supabase functions deploy` and `db push` read: it
// must parse, and every function it names must exist and authenticate by itself.
import { existsSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { functionSlugs } from "../../dev/stack/functions.ts";
import { configuredFunctions, fromSupabaseDir, supabaseConfig } from "../helpers/config-toml.ts";

describe("supabase/config.toml", () => {
  test("parses as TOML", () => {
    expect(supabaseConfig().project_id).toBe("sambatan");
  });

  test("every [functions.<slug>] entrypoint exists, its import map too, and verify_jwt is false", () => {
    const functions = configuredFunctions();
    expect(functions.size).toBeGreaterThan(0);
    for (const [slug, settings] of functions) {
      expect(settings.entrypoint, slug).toBe(`../functions/${slug}/index.ts`);
      expect(existsSync(fromSupabaseDir(settings.entrypoint!)), `${slug}: ${settings.entrypoint}`).toBe(true);
      expect(existsSync(fromSupabaseDir(settings.import_map!)), `${slug}: ${settings.import_map}`).toBe(true);
      // The gateway cannot verify asymmetric JWTs or new API keys; each function does.
      expect(settings.verify_jwt, slug).toBe(false);
      expect(settings.enabled, slug).toBe(true);
    }
  });

  test("names every folder of functions/, and nothing else", async () => {
    expect([...configuredFunctions().keys()].sort()).toEqual(await functionSlugs());
  });

  test("the signing key and seed files it names exist", () => {
    const config = supabaseConfig();
    expect(existsSync(fromSupabaseDir(config.auth.signing_keys_path))).toBe(true);
    for (const path of config.db.seed.sql_paths) expect(existsSync(fromSupabaseDir(path)), path).toBe(true);
  });
});
