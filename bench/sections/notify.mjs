// Figure 7: what notifications cost a join. Hot-campaign joins at 8 clients in four
// states, interleaved in alternating order: the outbox trigger disabled (the floor);
// enabled with no endpoint (what a project without webhooks pays: one probe of an
// empty index per event); an endpoint subscribed to the join's events (each join
// also writes its outbox rows); and the same endpoint with its receiver dead, 10,000
// deliveries due at the start and a deliverer claiming them, failing against the
// closed port and recording each failure (with the production backoff) for the run.

import { brief, pgbench, pool } from '../lib/pgbench.mjs';
import { progress, ratio, sleep } from '../lib/util.mjs';
import { hotCampaign, SCRIPTS, slotCheck, tag } from './join.mjs';

const DEAD_URL = 'http://127.0.0.1:9/hooks';
const CLIENTS = 8;

/** Claims due deliveries, POSTs each to the dead receiver and records the failure, until stopped. */
function deadReceiverDeliverer(sql) {
  let stopped = false;
  let attempts = 0;
  const done = (async () => {
    while (!stopped) {
      const claimed = await sql`select r_delivery_id, r_attempt, r_url, r_headers, r_body, r_timeout_ms from sambatan_private.claim_deliveries(20)`;
      // Nothing due: look again shortly (the real deliverer looks once a minute).
      if (claimed.length === 0) await sleep(100);
      await Promise.all(claimed.map(async (d) => {
        const started = performance.now();
        let error = null;
        let code = null;
        try {
          const res = await fetch(d.r_url, { method: 'POST', headers: d.r_headers, body: d.r_body, signal: AbortSignal.timeout(d.r_timeout_ms) });
          code = res.status;
          await res.body?.cancel();
        } catch (err) {
          error = `request failed: ${err?.cause?.code ?? err?.message ?? err}`;
        }
        await sql`select sambatan_private.record_delivery(${d.r_delivery_id}, ${d.r_attempt}, ${code}, ${error}, ${Math.round(performance.now() - started)}, 'function')`;
        attempts++;
      }));
    }
  })();
  return { stop: async () => { stopped = true; await done; return attempts; } };
}

async function pendingEvents(sql, endpointId, n) {
  await sql`
    with ev as (
      insert into public.notification_events (type, payload)
      select 'participation.joined', jsonb_build_object('type', 'participation.joined', 'data', jsonb_build_object('i', i))
        from generate_series(1, ${n}) i
      returning id
    )
    insert into public.webhook_deliveries (event_id, endpoint_id, event_type, status, attempts)
    select ev.id, ${endpointId}, 'participation.joined', 'retrying', 1 from ev`;
}

export async function notifySection(ctx) {
  const { db, cfg, tmp, productId } = ctx;
  const sql = db.sql;
  // At least two rounds even in a smoke run: the alternating order cancels the drift of
  // tables growing under the later states.
  const rounds = Math.max(cfg.rounds, 2);
  const out = { clients: CLIENTS, rounds, seconds: cfg.seconds, pending: cfg.notifyPending };
  const runs = { off: [], unsubscribed: [], subscribed: [], dead: [] };
  const campaigns = {};
  for (const kind of Object.keys(runs)) campaigns[kind] = await hotCampaign(sql, productId, 'public', `Bench notify ${kind}`);
  let attempts = 0;
  let pending = 0;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['off', 'unsubscribed', 'subscribed', 'dead'] : ['dead', 'subscribed', 'unsubscribed', 'off'];
    for (const kind of order) {
      await sql`delete from public.webhook_endpoints`;
      await sql.unsafe(`alter table public.sambatan_audit_logs ${kind === 'off' ? 'disable' : 'enable'} trigger sambatan_audit_logs_outbox`);
      let deliverer = null;
      if (kind === 'subscribed' || kind === 'dead') {
        const [e] = await sql`
          insert into public.webhook_endpoints (url, event_types) values (${DEAD_URL}, ${['participation.joined', 'campaign.locked']}) returning id`;
        await sql`insert into sambatan_private.webhook_secrets (endpoint_id, secret) values (${e.id}, 'whsec_' || encode(extensions.gen_random_bytes(32), 'base64'))`;
        if (kind === 'dead') {
          await pendingEvents(sql, e.id, cfg.notifyPending);
          deliverer = deadReceiverDeliverer(sql);
        }
      }
      const m = await pgbench(db, tmp, { name: `notify-${kind}`, script: SCRIPTS.join, clients: CLIENTS, seconds: cfg.seconds, vars: { cid: campaigns[kind], tag: tag() } });
      if (deliverer) {
        attempts += await deliverer.stop();
        [{ pending }] = await sql`select count(*)::int as pending from public.webhook_deliveries where status in ('pending', 'retrying')`;
      }
      runs[kind].push(m);
      progress(`  joins, ${kind.padEnd(12)} ${m.tps.toFixed(0)} tx/s, p99 ${m.p99?.toFixed(2)} ms`);
    }
  }
  await sql.unsafe('alter table public.sambatan_audit_logs enable trigger sambatan_audit_logs_outbox');
  await sql`delete from public.webhook_endpoints`;
  for (const kind of Object.keys(runs)) out[kind] = brief(pool(runs[kind]));
  out.deliveryAttempts = attempts;
  out.pendingAtEnd = pending;
  out.checks = await Promise.all(Object.values(campaigns).map((cid) => slotCheck(sql, cid)));
  out.unsubscribedVsOff = ratio(out.unsubscribed.tps, out.off.tps);
  out.subscribedVsUnsubscribed = ratio(out.subscribed.tps, out.unsubscribed.tps);
  out.deadVsSubscribed = ratio(out.dead.tps, out.subscribed.tps);
  out.deadVsUnsubscribed = ratio(out.dead.tps, out.unsubscribed.tps);
  return out;
}
