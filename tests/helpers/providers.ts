// Local stand-ins for the Midtrans Snap and Xendit invoice APIs: real HTTP servers on
// 127.0.0.1 that hold every request to the provider's documented shape and auth, and
// answer as the provider does (Snap: 201 {token, redirect_url}, errors as
// {error_messages}; Xendit: 200 invoice, errors as {error_code, message}). The
// functions reach them only through SAMBATAN_MIDTRANS_API_URL / SAMBATAN_XENDIT_API_URL,
// exactly as they reach the real APIs. Also here: notifications as each provider
// sends them, signed (Midtrans) with an independent implementation (node:crypto).

import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
  status: number;
}

export interface StandIn {
  url: string;
  /** Every request received, accepted or not, in order. */
  requests: RecordedRequest[];
  /** The next `count` requests to a known route answer `status` without being acted on (an outage). */
  failNext(status: number, count?: number): void;
  close(): Promise<void>;
}

type Reply = { status: number; body: unknown };
type Route = (req: { headers: IncomingMessage["headers"]; body: unknown; now: Date }) => Reply;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8").on("data", (c) => (text += c)).on("end", () => resolve(text)).on("error", reject);
  });
}

/** Whether `header` is `Basic base64(key + ":")`, the scheme both providers document. */
export function isBasicAuth(header: string | undefined, key: string): boolean {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? "");
  return m !== null && Buffer.from(m[1], "base64").toString("utf8") === `${key}:`;
}

async function serve(
  routes: Record<string, Route>,
  errorBody: (status: number, message: string) => unknown,
): Promise<StandIn & { server: Server }> {
  const requests: RecordedRequest[] = [];
  let failures: { status: number; left: number } | undefined;
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const text = await readBody(req);
    let body: unknown;
    let reply: Reply;
    const route = routes[`${req.method} ${req.url?.split("?")[0]}`];
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    if (!route) reply = { status: 404, body: errorBody(404, "not found") };
    else if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) reply = { status: 415, body: errorBody(415, "Content-Type must be application/json") };
    else if (typeof body !== "object" || body === null || Array.isArray(body)) reply = { status: 400, body: errorBody(400, "body must be a JSON object") };
    else if (failures && failures.left > 0) {
      // An outage: the request is refused before the provider does anything with it.
      failures.left--;
      reply = { status: failures.status, body: errorBody(failures.status, "stand-in failure") };
    } else {
      reply = route({ headers: req.headers, body, now: new Date() });
    }
    requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, status: reply.status });
    res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext(status, count = 1) {
      failures = { status, left: count };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------
// Midtrans Snap (POST /snap/v1/transactions)

export interface SnapTransaction {
  token: string;
  orderId: string;
  grossAmount: number;
  /** order_time + expiry_duration, when custom_expiry was given. */
  expiresAt?: string;
}

const ORDER_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/;
const UNIT_MS: Record<string, number> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** order_time ("2016-12-07 11:54:12 +0700") as an instant, or undefined when it is not in that format. */
export function parseOrderTime(text: string): Date | undefined {
  const m = ORDER_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, sign, oh, om] = m;
  const offset = (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  return new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s) - offset);
}

/** What Snap would refuse in this body, in its own words; empty when the body is acceptable. */
function snapProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const td = body.transaction_details;
  if (!isObject(td)) return ["transaction_details is required"];
  if (typeof td.order_id !== "string" || td.order_id.length === 0) problems.push("transaction_details.order_id is required");
  else if (td.order_id.length > 50 || !/^[A-Za-z0-9\-_.~]+$/.test(td.order_id)) problems.push("transaction_details.order_id is invalid");
  if (td.gross_amount === undefined) problems.push("transaction_details.gross_amount is required");
  else if (typeof td.gross_amount !== "number" || !Number.isInteger(td.gross_amount) || td.gross_amount < 1) {
    problems.push("transaction_details.gross_amount must be a whole number of rupiah greater than 0");
  }
  if (body.custom_expiry !== undefined) {
    const ce = body.custom_expiry;
    if (!isObject(ce)) problems.push("custom_expiry must be an object");
    else {
      if (ce.order_time !== undefined && (typeof ce.order_time !== "string" || !parseOrderTime(ce.order_time))) {
        problems.push("custom_expiry.order_time must be yyyy-MM-dd HH:mm:ss Z");
      }
      if (typeof ce.expiry_duration !== "number" || !Number.isInteger(ce.expiry_duration) || ce.expiry_duration < 1) {
        problems.push("custom_expiry.expiry_duration must be a positive integer");
      }
      if (ce.unit !== undefined && (typeof ce.unit !== "string" || !UNIT_MS[ce.unit.replace(/s$/, "")])) {
        problems.push("custom_expiry.unit must be second, minute, hour or day");
      }
    }
  }
  return problems;
}

export interface MidtransStandIn extends StandIn {
  serverKey: string;
  transactions: Map<string, SnapTransaction>;
}

export async function startMidtrans(serverKey = `SB-Mid-server-${randomBytes(12).toString("base64url")}`): Promise<MidtransStandIn> {
  const transactions = new Map<string, SnapTransaction>();
  let url = "";
  const errorBody = (_status: number, message: string) => ({ error_messages: [message] });
  const standIn = await serve({
    "POST /snap/v1/transactions": ({ headers, body, now }) => {
      if (!isBasicAuth(headers.authorization, serverKey)) {
        return { status: 401, body: errorBody(401, "Access denied due to unauthorized transaction, please check client or server key") };
      }
      if (!/application\/json/i.test(headers.accept ?? "")) return { status: 406, body: errorBody(406, "Accept header must be application/json") };
      const b = body as Record<string, unknown>;
      const problems = snapProblems(b);
      if (problems.length) return { status: 400, body: { error_messages: problems } };
      const td = b.transaction_details as { order_id: string; gross_amount: number };
      if ([...transactions.values()].some((t) => t.orderId === td.order_id)) {
        return { status: 400, body: errorBody(400, "transaction_details.order_id sudah digunakan") };
      }
      const ce = b.custom_expiry as { order_time?: string; expiry_duration: number; unit?: string } | undefined;
      const start = ce?.order_time ? parseOrderTime(ce.order_time)! : now;
      const expiresAt = ce ? new Date(start.getTime() + ce.expiry_duration * UNIT_MS[(ce.unit ?? "minute").replace(/s$/, "")]).toISOString() : undefined;
      const token = randomUUID();
      transactions.set(token, { token, orderId: td.order_id, grossAmount: td.gross_amount, expiresAt });
      return { status: 201, body: { token, redirect_url: `${url}/snap/v4/redirection/${token}` } };
    },
  }, errorBody);
  url = standIn.url;
  return Object.assign(standIn, { serverKey, transactions });
}

/** Midtrans' status_code for each transaction_status, as its notifications carry them. */
export const MIDTRANS_STATUS_CODES: Record<string, string> = {
  capture: "200",
  settlement: "200",
  pending: "201",
  deny: "202",
  cancel: "200",
  expire: "407",
  refund: "200",
  failure: "202",
};

export interface MidtransNotificationFields {
  order_id: string;
  transaction_status: string;
  /** Rupiah; sent as Midtrans does, a string with two decimals. */
  gross_amount: number | string;
  fraud_status?: string;
  payment_type?: string;
  transaction_id?: string;
  status_code?: string;
}

/** A notification body as Midtrans posts it, signed with `serverKey` (a bank transfer unless told otherwise). */
export function midtransNotification(serverKey: string, f: MidtransNotificationFields): Record<string, unknown> {
  const gross = typeof f.gross_amount === "number" ? `${f.gross_amount}.00` : f.gross_amount;
  const statusCode = f.status_code ?? MIDTRANS_STATUS_CODES[f.transaction_status] ?? "200";
  const card = f.payment_type === "credit_card";
  return {
    transaction_time: "2026-12-03 10:15:26",
    transaction_status: f.transaction_status,
    transaction_id: f.transaction_id ?? randomUUID(),
    status_message: "midtrans payment notification",
    status_code: statusCode,
    signature_key: createHash("sha512").update(f.order_id + statusCode + gross + serverKey).digest("hex"),
    ...(f.transaction_status === "settlement" ? { settlement_time: "2026-12-03 10:16:02" } : {}),
    payment_type: f.payment_type ?? "bank_transfer",
    order_id: f.order_id,
    merchant_id: "G141532850",
    gross_amount: gross,
    fraud_status: f.fraud_status ?? "accept",
    currency: "IDR",
    ...(card
      ? { masked_card: "48111111-1114", bank: "bni", card_type: "credit", approval_code: "1578569243927", eci: "05" }
      : { va_numbers: [{ va_number: "9888800001234567", bank: "bca" }], expiry_time: "2026-12-04 10:15:26" }),
  };
}

// ---------------------------------------------------------------------------
// Xendit invoices (POST /v2/invoices)

export interface XenditInvoice {
  id: string;
  externalId: string;
  amount: number;
  expiryDate: string;
}

const XENDIT_CURRENCIES = new Set(["IDR", "PHP", "THB", "VND", "MYR", "USD"]);
const MAX_INVOICE_DURATION = 31_536_000;

function invoiceProblems(b: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof b.external_id !== "string" || b.external_id.length === 0 || b.external_id.length > 255) problems.push('"external_id" is required and must be a string of at most 255 characters');
  if (typeof b.amount !== "number" || !(b.amount > 0)) problems.push('"amount" is required and must be a number greater than 0');
  if (b.invoice_duration !== undefined && (typeof b.invoice_duration !== "number" || !Number.isInteger(b.invoice_duration) || b.invoice_duration < 1 || b.invoice_duration > MAX_INVOICE_DURATION)) {
    problems.push(`"invoice_duration" must be an integer from 1 to ${MAX_INVOICE_DURATION}`);
  }
  if (b.currency !== undefined && (typeof b.currency !== "string" || !XENDIT_CURRENCIES.has(b.currency))) problems.push('"currency" must be one of IDR, PHP, THB, VND, MYR, USD');
  if (b.description !== undefined && (typeof b.description !== "string" || b.description.length > 1000)) problems.push('"description" must be a string of at most 1000 characters');
  return problems;
}

export interface XenditStandIn extends StandIn {
  secretKey: string;
  invoices: Map<string, XenditInvoice>;
}

export async function startXendit(secretKey = `xnd_development_${randomBytes(18).toString("hex")}`): Promise<XenditStandIn> {
  const invoices = new Map<string, XenditInvoice>();
  let url = "";
  const errorBody = (status: number, message: string) => ({ error_code: status === 404 ? "NOT_FOUND" : "API_VALIDATION_ERROR", message });
  const standIn = await serve({
    "POST /v2/invoices": ({ headers, body, now }) => {
      if (!isBasicAuth(headers.authorization, secretKey)) {
        return { status: 401, body: { error_code: "INVALID_API_KEY", message: "API key is not authorized for this API service" } };
      }
      const b = body as Record<string, unknown>;
      const problems = invoiceProblems(b);
      if (problems.length) return { status: 400, body: { error_code: "API_VALIDATION_ERROR", message: problems.join("; ") } };
      const id = randomBytes(12).toString("hex");
      const duration = (b.invoice_duration as number | undefined) ?? 86_400;
      const expiryDate = new Date(now.getTime() + duration * 1000).toISOString();
      invoices.set(id, { id, externalId: b.external_id as string, amount: b.amount as number, expiryDate });
      return {
        status: 200,
        body: {
          id,
          external_id: b.external_id,
          user_id: "5781d19b2e2385880609791c",
          status: "PENDING",
          merchant_name: "Sambatan Test Shop",
          merchant_profile_picture_url: "https://du8nwjtfkinx.cloudfront.net/xendit.png",
          amount: b.amount,
          description: b.description,
          expiry_date: expiryDate,
          invoice_url: `${url}/web/${id}`,
          available_banks: [{ bank_code: "BCA", collection_type: "POOL", transfer_amount: b.amount, bank_branch: "Virtual Account", account_holder_name: "SAMBATAN", identity_amount: 0 }],
          available_retail_outlets: [],
          available_ewallets: [{ ewallet_type: "OVO" }],
          available_qr_codes: [{ qr_code_type: "QRIS" }],
          available_direct_debits: [],
          available_paylaters: [],
          should_exclude_credit_card: false,
          should_send_email: false,
          created: now.toISOString(),
          updated: now.toISOString(),
          currency: b.currency ?? "IDR",
        },
      };
    },
  }, errorBody);
  url = standIn.url;
  return Object.assign(standIn, { secretKey, invoices });
}

export interface XenditCallbackFields {
  id: string;
  external_id: string;
  status: "PAID" | "SETTLED" | "EXPIRED" | "PENDING" | string;
  amount: number;
  paid_amount?: number;
}

/** An invoice callback body as Xendit posts it (with the payer's email, which we must not keep). */
export function xenditCallback(f: XenditCallbackFields): Record<string, unknown> {
  const paid = f.status === "PAID" || f.status === "SETTLED";
  return {
    id: f.id,
    external_id: f.external_id,
    user_id: "5781d19b2e2385880609791c",
    is_high: false,
    status: f.status,
    merchant_name: "Sambatan Test Shop",
    amount: f.amount,
    payer_email: "pembeli@example.com",
    description: "Sambatan: 1 slot",
    updated: "2026-12-03T03:16:02.404Z",
    created: "2026-12-03T03:15:26.404Z",
    currency: "IDR",
    ...(paid
      ? {
        payment_method: "BANK_TRANSFER",
        paid_amount: f.paid_amount ?? f.amount,
        bank_code: "BCA",
        paid_at: "2026-12-03T03:16:02.404Z",
        adjusted_received_amount: (f.paid_amount ?? f.amount) - 4000,
        fees_paid_amount: 0,
        payment_channel: "BCA",
        payment_destination: "9888800001234567",
      }
      : {}),
  };
}
