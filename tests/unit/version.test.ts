import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { VERSION } from "../../shared/version.ts";

test("health reports package.json's version", () => {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  expect(VERSION).toBe(pkg.version);
});
