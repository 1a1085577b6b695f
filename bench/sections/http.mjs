// Figure 3: the HTTP path. The local stack (dev/serve.ts on Deno) on the benchmark
// database under autocannon, for campaign-join (every request a different buyer,
// with its own signed token) and campaigns-list (publishable key), as ratios to the
// same calls made directly with pgbench at the same concurrency, measured just before;
// and payment-webhook (signed Midtrans settlements, each paying a different
// participation) for its p99 against the 50 ms a provider's retry policy allows, beside
// the stack's cheapest endpoint (health) at the same concurrency as the baseline.

import { createHash, randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { brief, pgbench } from '../lib/pgbench.mjs';
import { DENO, PUBLISHABLE_KEY, startServer, tokenSigner } from '../lib/stack.mjs';
import { progress, ratio } from '../lib/util.mjs';
import { hotCampaign, SCRIPTS, slotCheck, tag } from './join.mjs';

function cannon(opts) {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

function summarize(result) {
  const total = result.requests.total;
  const ok = result['2xx'] ?? 0;
  const statuses = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, s.count]));
  return {
    requests: total,
    seconds: result.duration,
    rps: total / result.duration,
    okPerSecond: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: (result.errors ?? 0) + (result.timeouts ?? 0) + (result.non2xx ?? 0),
    transportErrors: (result.errors ?? 0) + (result.timeouts ?? 0),
    statuses,
  };
}

export async function httpSection(ctx) {
  const { db, cfg, tmp, productId } = ctx;
  const connections = cfg.httpConnections;
  const out = { connections };

  // Enough campaigns that every list page is full.
  await db.sql`
    insert into public.sambatan_campaigns (product_id, title, total_slots, price_per_slot, deadline, created_at)
    select ${productId}, 'Bench list ' || i, 10, 1000, now() + interval '7 days', now() - i * interval '1 second'
      from generate_series(1, 1000) i`;

  progress('starting the local stack (deno run -A dev/serve.ts) on the benchmark database');
  const stack = await startServer({
    command: DENO,
    args: ['run', '-A', 'dev/serve.ts'],
    env: {
      DATABASE_URL: db.url,
      SAMBATAN_DATA_DIR: 'memory://',
      SAMBATAN_PAYMENT_PROVIDER: 'midtrans',
      SAMBATAN_MIDTRANS_SERVER_KEY: MIDTRANS_KEY,
      // Never called: the webhook does not reach the provider.
      SAMBATAN_MIDTRANS_API_URL: 'http://127.0.0.1:9',
    },
  });
  try {
    // The direct figures, measured now rather than minutes ago: the machine's load drifts.
    const directCid = await hotCampaign(db.sql, productId, 'public', 'Bench direct');
    out.directJoin = brief(await pgbench(db, tmp, { name: 'join', script: SCRIPTS.join, clients: connections, seconds: cfg.httpSeconds, vars: { cid: directCid, tag: tag() } }));
    out.directList = brief(await pgbench(db, tmp, { name: 'list', script: SCRIPTS.list, clients: connections, seconds: cfg.httpSeconds }));
    progress(`  direct: join ${out.directJoin.tps.toFixed(0)}/s, list ${out.directList.tps.toFixed(0)}/s at ${connections} clients`);

    // One token per request: a buyer joins a campaign once (ALREADY_JOINED otherwise).
    // Sized from the direct rate, which HTTP will not exceed; `amount` ends the run when they are used.
    const sign = await tokenSigner(stack.url);
    const n = Math.max(cfg.minTokens, Math.min(cfg.maxTokens, Math.round(out.directJoin.tps * cfg.httpSeconds)));
    const tokens = [];
    for (let i = 0; i < n; i++) tokens.push(await sign(randomUUID()));
    const cid = await hotCampaign(db.sql, productId, 'public', 'Bench HTTP');
    const body = JSON.stringify({ campaign_id: cid, quantity: 1, shipping_address: 'Jl. Bench 1' });
    let next = 0;
    const join = await cannon({
      url: stack.url,
      connections,
      amount: n,
      requests: [{
        method: 'POST',
        path: '/functions/v1/campaign-join',
        setupRequest: (req) => ({
          ...req,
          headers: {
            'content-type': 'application/json',
            apikey: PUBLISHABLE_KEY,
            authorization: `Bearer ${tokens[next++ % tokens.length]}`,
          },
          body,
        }),
      }],
    });
    out.join = summarize(join);
    out.joinCheck = await slotCheck(db.sql, cid);
    out.joinCheck.acknowledged = join['2xx'] ?? 0;
    progress(`  HTTP campaign-join: ${out.join.rps.toFixed(0)} req/s, p99 ${out.join.p99} ms, ${out.join.errors} errors`);

    const list = await cannon({
      url: `${stack.url}/functions/v1/campaigns-list`,
      connections,
      duration: cfg.httpSeconds,
      headers: { apikey: PUBLISHABLE_KEY },
    });
    out.list = summarize(list);
    progress(`  HTTP campaigns-list: ${out.list.rps.toFixed(0)} req/s, p99 ${out.list.p99} ms, ${out.list.errors} errors`);

    Object.assign(out, await webhookFigures(db, cfg, stack, productId, connections));

    out.joinVsDirect = ratio(out.join.okPerSecond, out.directJoin.tps);
    out.listVsDirect = ratio(out.list.okPerSecond, out.directList.tps);
    out.stackErrors = stack.logs.filter((l) => /"level":"error"/.test(l)).slice(-5);
  } finally {
    await stack.stop();
  }
  return out;
}

const MIDTRANS_KEY = 'SB-Mid-server-bench';

/** A Midtrans settlement for one participation, signed as Midtrans signs it. */
function settlement(orderId, amount) {
  const gross = `${amount}.00`;
  return JSON.stringify({
    transaction_time: '2026-12-03 10:15:26', settlement_time: '2026-12-03 10:16:02',
    transaction_status: 'settlement', transaction_id: randomUUID(), status_code: '200',
    signature_key: createHash('sha512').update(orderId + '200' + gross + MIDTRANS_KEY).digest('hex'),
    payment_type: 'bank_transfer', order_id: orderId, gross_amount: gross, fraud_status: 'accept', currency: 'IDR',
  });
}

async function webhookFigures(db, cfg, stack, productId, connections) {
  const n = Math.max(cfg.minTokens, Math.min(cfg.maxTokens, 20 * cfg.httpSeconds * connections));
  // n reservations waiting for payment, loaded set-based (the ledger stays exact: filled = held).
  const [{ id: cid }] = await db.sql`
    insert into public.sambatan_campaigns (product_id, title, total_slots, filled_slots, price_per_slot, deadline, payment_window_minutes)
    values (${productId}, 'Bench webhook', ${n + 1}, ${n}, 1000, now() + interval '7 days', 600) returning id`;
  const ids = (await db.sql`
    insert into public.sambatan_participants (campaign_id, user_id, quantity, amount, shipping_address, payment_due_at)
    select ${cid}, gen_random_uuid(), 1, 1000, 'Jl. Bench 1', now() + interval '10 hours' from generate_series(1, ${n})
    returning id`).map((r) => r.id);
  const bodies = ids.map((id) => settlement(id, 1000));
  let next = 0;
  const hook = await cannon({
    url: stack.url,
    connections,
    amount: n,
    requests: [{
      method: 'POST',
      path: '/functions/v1/payment-webhook?provider=midtrans',
      setupRequest: (req) => ({ ...req, headers: { 'content-type': 'application/json' }, body: bodies[next++ % bodies.length] }),
    }],
  });
  const health = await cannon({ url: `${stack.url}/functions/v1/health`, connections, amount: n });
  const [paid] = await db.sql`
    select count(*) filter (where status = 'paid')::int as paid, count(*)::int as total
      from public.sambatan_participants where campaign_id = ${cid}`;
  const webhook = summarize(hook);
  progress(`  HTTP payment-webhook: ${webhook.rps.toFixed(0)} req/s, p99 ${webhook.p99} ms; ${paid.paid} of ${paid.total} paid`);
  return {
    webhook,
    health: summarize(health),
    webhookPaid: { ...paid, acknowledged: hook['2xx'] ?? 0 },
    webhookVsHealthP99: ratio(webhook.p99, summarize(health).p99),
  };
}

