import { expect, test } from "vitest";
import { preferredLang } from "../../shared/lang.ts";

test.each([
  [null, "id"],
  ["", "id"],
  ["en", "en"],
  ["en-US,en;q=0.9", "en"],
  ["id-ID,id;q=0.9,en;q=0.8", "id"],
  ["fr-FR,en;q=0.5", "en"],
  ["de", "id"],
  ["en;q=0.3,id;q=0.7", "id"],
  ["en;q=0", "id"],
  ["*", "id"],
])("Accept-Language %j answers in %s", (header, lang) => {
  expect(preferredLang(header)).toBe(lang);
});
