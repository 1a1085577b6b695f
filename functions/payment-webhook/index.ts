// POST payment-webhook?provider=midtrans|xendit: the providers' payment notifications.
// The auth rule is the provider's own proof (checked before the body is even
// validated: a forged call is 401 and writes nothing); the notification is then
// stored once and applied as the service role, and the answer goes back at once,
// because providers retry slow and non-2xx answers.
import { ENDPOINTS } from "../../shared/endpoints.ts";
import { defineEndpoint } from "../../shared/http.ts";
import { normalise, recordNotification } from "../../shared/payments/webhook.ts";

export default defineEndpoint({
  ...ENDPOINTS["payment-webhook"],
  env: () => Deno.env.toObject(),
  handler: async ({ body, query, rpc }) => {
    const { result } = await recordNotification(rpc, normalise(query.provider, body));
    return { body: { received: true, result } };
  },
});
