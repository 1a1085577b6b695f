// Proof that a notification comes from the payment provider, checked before any of
// it reaches the database. WebCrypto only, so it runs unchanged on Deno and Node.

const encoder = new TextEncoder();

async function digest(algorithm: "SHA-256" | "SHA-512", text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(algorithm, encoder.encode(text)));
}

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * Whether `a` and `b` are the same string, in time that depends on neither: both are
 * hashed to 32 bytes first, so even their lengths are not revealed by the comparison.
 */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([digest("SHA-256", a), digest("SHA-256", b)]);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

/** Midtrans' signature_key: SHA-512 hex of order_id + status_code + gross_amount + server key, as sent (strings). */
export async function midtransSignature(orderId: string, statusCode: string, grossAmount: string, serverKey: string): Promise<string> {
  return hex(await digest("SHA-512", orderId + statusCode + grossAmount + serverKey));
}

const asString = (v: unknown) => (typeof v === "string" ? v : undefined);

/**
 * Whether a Midtrans notification body carries a signature_key made with `serverKey`
 * over its own order_id, status_code and gross_amount. A body without any of them,
 * or with a number where Midtrans sends a string, proves nothing.
 */
export async function verifyMidtransNotification(body: unknown, serverKey: string): Promise<boolean> {
  if (!body || typeof body !== "object" || Array.isArray(body)) return false;
  const b = body as Record<string, unknown>;
  const [orderId, statusCode, grossAmount, signature] = [b.order_id, b.status_code, b.gross_amount, b.signature_key].map(asString);
  if (!orderId || !statusCode || !grossAmount || !signature) return false;
  const expected = await midtransSignature(orderId, statusCode, grossAmount, serverKey);
  return constantTimeEqual(signature.toLowerCase(), expected);
}

/** Whether the x-callback-token header Xendit sent equals the account's callback verification token. */
export async function verifyXenditCallbackToken(header: string | null, callbackToken: string): Promise<boolean> {
  if (!header) return false;
  return constantTimeEqual(header, callbackToken);
}
