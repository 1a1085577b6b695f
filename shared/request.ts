// Reading a request's input: the JSON body (64 KiB, application/json only), the
// query string and headers, each validated by its zod schema into VALIDATION_FAILED
// with the issues in `details`.

import type { z } from "zod";
import { DomainError } from "./errors.ts";

export const MAX_BODY_BYTES = 64 * 1024;

export type InputLocation = "body" | "query" | "header";

function invalid(location: InputLocation, issues: { field: string; code: string; message: string }[]) {
  return new DomainError("VALIDATION_FAILED", { location, issues });
}

/** Validates `input` against `schema`; zod's issues become the error's details. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, location: InputLocation): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalid(
    location,
    result.error.issues.slice(0, 20).map((issue) => ({
      field: issue.path.map(String).join("."),
      code: issue.code,
      message: issue.message,
    })),
  );
}

function isJson(contentType: string | null): boolean {
  const media = contentType?.split(";")[0].trim().toLowerCase();
  return media === "application/json";
}

/**
 * The parsed JSON body, `{}` when there is none. Refuses other media types (415),
 * bodies over the limit by their Content-Length or by what actually arrives (413),
 * and text that is not UTF-8 JSON (400).
 */
export async function readJsonBody(req: Request, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) {
    throw new DomainError("PAYLOAD_TOO_LARGE", { limit_bytes: limit });
  }
  if (!req.body || declared === "0") return {};
  if (!isJson(req.headers.get("content-type"))) {
    // An empty body without a type is no body (supabase-js sends none for invoke() without one).
    const bytes = await readLimited(req.body, limit);
    if (bytes.byteLength === 0) return {};
    throw new DomainError("UNSUPPORTED_MEDIA_TYPE", { expected: "application/json" });
  }
  const bytes = await readLimited(req.body, limit);
  if (bytes.byteLength === 0) return {};
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw invalid("body", [{ field: "", code: "invalid_encoding", message: "the body is not UTF-8" }]);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw invalid("body", [{ field: "", code: "invalid_json", message: "the body is not valid JSON" }]);
  }
}

async function readLimited(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new DomainError("PAYLOAD_TOO_LARGE", { limit_bytes: limit });
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** The query string as a plain object; a parameter given twice is refused rather than guessed at. */
export function queryObject(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of url.searchParams) {
    if (Object.hasOwn(out, key)) {
      throw invalid("query", [{ field: key, code: "duplicate", message: "must appear at most once" }]);
    }
    out[key] = value;
  }
  return out;
}

/** Request headers as an object with lower-case names (the schemas pick what they need). */
export function headerObject(req: Request): Record<string, string> {
  return Object.fromEntries(req.headers);
}
