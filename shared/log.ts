// One structured JSON line per request and per job execution. Never tokens, keys,
// bodies or addresses: users appear as a short hash of their id, errors by code
// (and, for 5xx, the server-side cause, which is not sent to the client). These
// lines are also where rejections are counted by code: the database never sees
// most of them (a 401 or a 400 stops before any RPC), and a counter kept in a
// function instance would vanish with it.

export interface RequestLog {
  request_id: string;
  function: string;
  method: string;
  status: number;
  duration_ms: number;
  auth?: string;
  user?: string;
  code?: string;
  error?: string;
}

/** One run of a scheduled job, as the function that drove it saw it end. */
export interface JobLog {
  /** The request that ran it (the cron hook's, or a manual trigger's). */
  request_id: string;
  job: string;
  execution_id: number;
  status: string;
  attempt: number;
  triggered_by: string;
  duration_ms: number;
  /** The execution's recorded error: a code, or the server-side cause (never request data). */
  error: string | null;
}

type Sink = (line: string) => void;

let sink: Sink = (line) => console.log(line);

/** Replaces where log lines go (tests capture them). */
export function setLogSink(next: Sink): void {
  sink = next;
}

export function logRequest(entry: RequestLog): void {
  const level = entry.status >= 500 ? "error" : entry.status >= 400 ? "warn" : "info";
  sink(JSON.stringify({ time: new Date().toISOString(), level, msg: "request", ...entry }));
}

export function logJob(entry: JobLog): void {
  const level = entry.status === "failed" ? "error" : entry.status === "succeeded" ? "info" : "warn";
  sink(JSON.stringify({ time: new Date().toISOString(), level, msg: "job", ...entry }));
}

const encoder = new TextEncoder();

/** A stable, non-reversible handle for a user id in logs (first 16 hex of SHA-256). */
export async function hashUserId(id: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(`sambatan:${id}`)));
  return Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The server-side description of an unexpected error, bounded in size. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      parts.push(`${e.name}${code ? ` ${code}` : ""}: ${e.message}`);
    } else if (typeof e === "object") {
      const { code, message } = e as { code?: unknown; message?: unknown };
      parts.push(`${code ?? "error"}: ${message ?? JSON.stringify(e)}`);
    } else {
      parts.push(String(e));
    }
  }
  return parts.join(" <- ").slice(0, 2000);
}
