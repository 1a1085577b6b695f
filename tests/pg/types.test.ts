// The committed database types are what the Supabase CLI generates from the migrations now.
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { generate, TYPES_FILE } from "../../dev/gen-types.mjs";
import { databaseUrl } from "../helpers/pg.ts";

test("shared/database.types.ts is not stale (regenerate with `node dev/gen-types.mjs`)", () => {
  const fresh: string = generate(databaseUrl());
  expect(fresh).toContain('"join_campaign": {');
  expect(readFileSync(TYPES_FILE, "utf8")).toBe(fresh);
}, 60_000);
