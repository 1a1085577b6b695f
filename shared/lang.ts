// Response language from Accept-Language: English when preferred over
// Indonesian, Indonesian otherwise (the default for every client).

import type { Lang } from "./errors.ts";

export function preferredLang(header: string | null): Lang {
  if (!header) return "id";
  let best: { lang: Lang; q: number } | undefined;
  for (const part of header.split(",").slice(0, 20)) {
    const [tag, ...params] = part.trim().toLowerCase().split(";");
    const primary = tag.trim().split("-")[0];
    if (primary !== "en" && primary !== "id") continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    if (!best || q > best.q) best = { lang: primary, q };
  }
  return best?.lang ?? "id";
}
