// The one table where error codes, SQLSTATEs, HTTP statuses and messages meet.
// Domain errors are raised in SQL with their own SQLSTATE (class SB), the machine
// code as MESSAGE and a JSON object as DETAIL; everything else (HTTP layer,
// standard SQLSTATEs, transport failures) is mapped here too, so every answer
// carries one of these codes.

export type Lang = "id" | "en";

interface ErrorSpec {
  status: number;
  /** Our own SQLSTATE for domain errors raised by the RPCs. */
  sqlstate?: string;
  message: Record<Lang, string>;
}

export const ERRORS = {
  VALIDATION_FAILED: {
    status: 400,
    sqlstate: "SB003",
    message: { id: "Permintaan tidak valid.", en: "The request is invalid." },
  },
  UNAUTHENTICATED: {
    status: 401,
    sqlstate: "SB001",
    message: {
      id: "Kredensial tidak ada, tidak valid, atau sudah kedaluwarsa.",
      en: "Credentials are missing, invalid or expired.",
    },
  },
  FORBIDDEN: {
    status: 403,
    sqlstate: "SB002",
    message: { id: "Anda tidak memiliki izin untuk tindakan ini.", en: "You are not allowed to do this." },
  },
  NOT_FOUND: {
    status: 404,
    message: { id: "Alamat tidak ditemukan.", en: "No such route." },
  },
  PRODUCT_NOT_FOUND: {
    status: 404,
    sqlstate: "SB010",
    message: { id: "Produk tidak ditemukan.", en: "Product not found." },
  },
  CAMPAIGN_NOT_FOUND: {
    status: 404,
    sqlstate: "SB011",
    message: { id: "Sambatan tidak ditemukan.", en: "Campaign not found." },
  },
  PARTICIPATION_NOT_FOUND: {
    status: 404,
    sqlstate: "SB012",
    message: { id: "Partisipasi tidak ditemukan.", en: "Participation not found." },
  },
  JOB_NOT_FOUND: {
    status: 404,
    sqlstate: "SB013",
    message: { id: "Job terjadwal tidak ditemukan.", en: "Scheduled job not found." },
  },
  REFUND_NOT_FOUND: {
    status: 404,
    sqlstate: "SB014",
    message: { id: "Pengembalian dana tidak ditemukan.", en: "Refund not found." },
  },
  WAITLIST_ENTRY_NOT_FOUND: {
    status: 404,
    sqlstate: "SB015",
    message: { id: "Antrean tunggu tidak ditemukan.", en: "Waiting list entry not found." },
  },
  WEBHOOK_ENDPOINT_NOT_FOUND: {
    status: 404,
    sqlstate: "SB017",
    message: { id: "Endpoint webhook tidak ditemukan.", en: "Webhook endpoint not found." },
  },
  WEBHOOK_DELIVERY_NOT_FOUND: {
    status: 404,
    sqlstate: "SB018",
    message: { id: "Pengiriman webhook tidak ditemukan.", en: "Webhook delivery not found." },
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    message: { id: "Metode HTTP tidak diizinkan.", en: "HTTP method not allowed." },
  },
  PRODUCT_NOT_ENABLED: {
    status: 409,
    sqlstate: "SB020",
    message: { id: "Sambatan belum diaktifkan untuk produk ini.", en: "Group buying is not enabled for this product." },
  },
  CAMPAIGN_FULL: {
    status: 409,
    sqlstate: "SB021",
    message: { id: "Slot sambatan sudah penuh.", en: "The campaign is full." },
  },
  CAMPAIGN_CLOSED: {
    status: 409,
    sqlstate: "SB022",
    message: { id: "Sambatan sudah ditutup.", en: "The campaign is closed." },
  },
  ALREADY_JOINED: {
    status: 409,
    sqlstate: "SB023",
    message: {
      id: "Anda sudah bergabung dengan sambatan ini.",
      en: "You already have an active participation in this campaign.",
    },
  },
  PARTICIPATION_FINAL: {
    status: 409,
    sqlstate: "SB024",
    message: {
      id: "Partisipasi ini sudah final dan tidak dapat dibatalkan.",
      en: "This participation is final and cannot be cancelled.",
    },
  },
  IDEMPOTENCY_IN_FLIGHT: {
    status: 409,
    sqlstate: "SB025",
    message: {
      id: "Permintaan dengan Idempotency-Key yang sama sedang diproses.",
      en: "A request with the same Idempotency-Key is being processed.",
    },
  },
  JOB_ALREADY_RUNNING: {
    status: 409,
    sqlstate: "SB026",
    message: { id: "Job sedang berjalan.", en: "The job is already running." },
  },
  JOB_PAUSED: {
    status: 409,
    sqlstate: "SB027",
    message: { id: "Job sedang dijeda.", en: "The job is paused." },
  },
  EXECUTION_NOT_DEAD: {
    status: 409,
    sqlstate: "SB070",
    message: {
      id: "Eksekusi ini tidak mati (dead) atau sudah dijalankan ulang.",
      en: "This execution is not dead, or was requeued already.",
    },
  },
  JOB_TIMED_OUT: {
    status: 409,
    sqlstate: "SB071",
    message: { id: "Job melewati batas waktunya.", en: "The job run passed its time limit." },
  },
  PAYMENT_EXPIRED: {
    status: 409,
    sqlstate: "SB028",
    message: {
      id: "Batas waktu pembayaran sudah lewat.",
      en: "The payment window has passed.",
    },
  },
  PAYMENT_NOT_REQUIRED: {
    status: 409,
    sqlstate: "SB029",
    message: {
      id: "Sambatan ini tidak memerlukan pembayaran di muka.",
      en: "This campaign takes no payment up front.",
    },
  },
  REFUND_FINAL: {
    status: 409,
    sqlstate: "SB060",
    message: {
      id: "Pengembalian dana ini sudah selesai.",
      en: "This refund is already completed.",
    },
  },
  WAITLIST_ENTRY_FINAL: {
    status: 409,
    sqlstate: "SB061",
    message: {
      id: "Antrean tunggu ini sudah tidak menunggu lagi.",
      en: "This waiting list entry is no longer waiting.",
    },
  },
  CAMPAIGN_ALREADY_EXTENDED: {
    status: 409,
    sqlstate: "SB062",
    message: {
      id: "Batas waktu sambatan ini sudah pernah diperpanjang.",
      en: "This campaign's deadline was already extended once.",
    },
  },
  DEADLINE_PASSED: {
    status: 410,
    sqlstate: "SB030",
    message: { id: "Batas waktu sambatan sudah lewat.", en: "The campaign deadline has passed." },
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    message: { id: "Isi permintaan melebihi 64 KiB.", en: "The request body exceeds 64 KiB." },
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: { id: "Isi permintaan harus application/json.", en: "The request body must be application/json." },
  },
  SLOTS_INSUFFICIENT: {
    status: 422,
    sqlstate: "SB040",
    message: { id: "Slot yang tersedia tidak mencukupi.", en: "Not enough slots are available." },
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    sqlstate: "SB041",
    message: {
      id: "Idempotency-Key ini sudah dipakai untuk permintaan yang berbeda.",
      en: "This Idempotency-Key was already used for a different request.",
    },
  },
  BUYER_LIMIT_EXCEEDED: {
    status: 422,
    sqlstate: "SB042",
    message: {
      id: "Jumlah slot melebihi batas per pembeli untuk sambatan ini.",
      en: "The quantity exceeds this campaign's limit per buyer.",
    },
  },
  RATE_LIMITED: {
    status: 429,
    sqlstate: "SB050",
    message: { id: "Terlalu banyak permintaan. Coba lagi nanti.", en: "Too many requests. Try again later." },
  },
  INTERNAL: {
    status: 500,
    message: {
      id: "Terjadi kesalahan internal. Sebutkan request id ini saat melapor.",
      en: "Internal error. Quote this request id when reporting it.",
    },
  },
  PAYMENT_PROVIDER_ERROR: {
    status: 502,
    message: {
      id: "Penyedia pembayaran sedang tidak dapat dihubungi. Coba lagi sebentar lagi.",
      en: "The payment provider could not be reached or refused the request. Try again shortly.",
    },
  },
  UNAVAILABLE: {
    status: 503,
    message: {
      id: "Layanan sedang sibuk atau tidak tersedia. Coba lagi sebentar lagi.",
      en: "The service is busy or unavailable. Try again shortly.",
    },
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export type Details = Record<string, unknown>;

/** Seconds a client should wait before retrying an UNAVAILABLE answer. */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;

/** A failure with a code from the table; everything the HTTP layer answers with. */
export class DomainError extends Error {
  override readonly name = "DomainError";
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    readonly details: Details = {},
    options?: { cause?: unknown },
  ) {
    super(code, options);
    this.status = ERRORS[code].status;
  }

  /** Seconds for the Retry-After header, for the codes that promise one. */
  get retryAfterSeconds(): number | undefined {
    if (this.code === "RATE_LIMITED") {
      const s = Number(this.details.retry_after_seconds);
      return Number.isFinite(s) && s > 0 ? Math.ceil(s) : 60;
    }
    if (this.code === "UNAVAILABLE") return DEFAULT_RETRY_AFTER_SECONDS;
    return undefined;
  }
}

const BY_SQLSTATE: ReadonlyMap<string, ErrorCode> = new Map(
  Object.entries(ERRORS).flatMap(([code, spec]) =>
    "sqlstate" in spec ? [[spec.sqlstate, code as ErrorCode] as const] : []
  ),
);

export function codeForSqlstate(sqlstate: string): ErrorCode | undefined {
  return BY_SQLSTATE.get(sqlstate);
}

export function messageFor(code: ErrorCode, lang: Lang): string {
  return ERRORS[code].message[lang];
}

// Standard SQLSTATEs with a meaning for clients. Anything else is INTERNAL.
const UNAVAILABLE_SQLSTATES = new Set([
  "55P03", // lock_not_available: lock_timeout expired
  "57014", // query_canceled: statement_timeout
  "40P01", // deadlock_detected
  "40001", // serialization_failure
  "53300", // too_many_connections
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
]);
const VALIDATION_SQLSTATES = new Set(["22P02", "22003", "22007", "22008", "23514", "23502", "22001", "22023"]);
const ONE_ACTIVE_INDEX = "sambatan_participants_one_active";

// Transport failures of postgres.js / Node / Deno, and PostgREST's own
// "cannot reach the database" codes.
const UNAVAILABLE_TRANSPORT = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "PGRST000",
  "PGRST001",
  "PGRST002",
  "PGRST003",
]);

/** Parses a DETAIL / `details` string that holds a JSON object; anything else is no details. */
function parseDetails(raw: unknown): Details {
  if (raw && typeof raw === "object" && !Array.isArray(raw)) return raw as Details;
  if (typeof raw !== "string" || !raw.startsWith("{")) return {};
  try {
    const parsed = JSON.parse(raw);
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

function field(err: unknown, name: string): unknown {
  return err && typeof err === "object" ? (err as Record<string, unknown>)[name] : undefined;
}

/**
 * Maps an error from any database path to a DomainError: postgres.js and PGlite
 * errors (`code`, `detail`, `constraint`), PostgREST error JSON (`code`,
 * `message`, `details`, `hint`) and transport failures alike. Unknown errors
 * become INTERNAL with the original kept as `cause` for the log, never for the client.
 */
export function fromDatabaseError(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  const code = String(field(err, "code") ?? "");
  const detail = field(err, "detail") ?? field(err, "details");

  const domain = codeForSqlstate(code);
  if (domain) return new DomainError(domain, parseDetails(detail), { cause: err });

  if (code === "23505") {
    const text = `${field(err, "constraint") ?? field(err, "constraint_name") ?? ""} ${field(err, "message") ?? ""} ${
      typeof detail === "string" ? detail : ""
    }`;
    if (text.includes(ONE_ACTIVE_INDEX)) return new DomainError("ALREADY_JOINED", {}, { cause: err });
  }
  if (VALIDATION_SQLSTATES.has(code)) return new DomainError("VALIDATION_FAILED", { reason: "invalid_value" }, { cause: err });
  if (code === "42501") return new DomainError("FORBIDDEN", {}, { cause: err });
  if (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith("08") || UNAVAILABLE_TRANSPORT.has(code)) {
    return new DomainError("UNAVAILABLE", {}, { cause: err });
  }
  return new DomainError("INTERNAL", {}, { cause: err });
}
