// Figures 1 and 2: joins per second on ONE hot campaign at 1, 8 and 32 clients,
// against the physical limit (one row updated by pgbench) and against the legacy
// three-round-trip flow, all measured in the same rounds; and the same hot campaign
// with slot buckets (figure 1c), in the same rounds too. Plus, when the ratio at 8
// clients is below 0.8, the profile that says what bounds it.

import { actAsSql, sqlExpression } from '../../dev/db/act-as.mjs';
import { brief, pgbench, pool } from '../lib/pgbench.mjs';
import { progress, ratio, sleep } from '../lib/util.mjs';

// What PostgREST runs first in every request transaction: the caller's role and
// claims, transaction-local. Each script run is a new buyer: n counts per client.
const BUYER = `md5(:client_id || '-' || :n || '-' || :tag)::uuid`;
const AS_BUYER = `${actAsSql({ role: 'authenticated', claims: sqlExpression(`'{"role":"authenticated","sub":"' || ${BUYER} || '"}'`) })};`;
const AS_SERVICE = `${actAsSql({ role: 'service_role' })};`;
const AS_ANON = `${actAsSql({ role: 'anon' })};`;

export const SCRIPTS = {
  // The physical limit: one hot row, one statement, autocommit.
  physical: `update bench.t set n = n + 1 where id = 1;\n`,
  // The same hot-row update inside PostgREST's transaction shape (begin, claims,
  // statement, commit: the row stays locked across the client's COMMIT round trip).
  wrapped: `\\set n :n + 1\nbegin;\n${AS_BUYER}\nupdate bench.t set n = n + 1 where id = 1;\ncommit;\n`,
  join: `\\set n :n + 1\nbegin;\n${AS_BUYER}\nselect public.join_campaign(p_campaign_id => :cid, p_quantity => 1, p_shipping_address => 'Jl. Bench 1');\ncommit;\n`,
  // The legacy join: three PostgREST requests with the service-role key, each its own transaction.
  legacy: [
    '\\set n :n + 1',
    'begin;', AS_SERVICE, 'select * from bench_seed.sambatan_campaigns where id = :cid;', 'commit;',
    'begin;', AS_SERVICE, 'select bench_seed.reserve_sambatan_slots(p_campaign_id => :cid, p_slot_count => 1);', 'commit;',
    'begin;', AS_SERVICE,
    `insert into bench_seed.sambatan_participants (campaign_id, user_id, quantity, amount, shipping_address) values (:cid, ${BUYER}, 1, 1000, 'Jl. Bench 1') returning *;`,
    'commit;', '',
  ].join('\n'),
  // Profile only: joins spread over one campaign per client (no hot row).
  spread: `\\set n :n + 1\nbegin;\n${AS_BUYER}\nselect public.join_campaign(p_campaign_id => md5(:cpre || :client_id)::uuid, p_quantity => 1, p_shipping_address => 'Jl. Bench 1');\ncommit;\n`,
  list: `begin;\n${AS_ANON}\nselect public.list_campaigns(p_limit => 20);\ncommit;\n`,
};

const runTag = Math.random().toString(36).slice(2, 8);
let tagSeq = 0;
export const tag = () => `${runTag}${++tagSeq}`;

/** Slot buckets of the bucketed hot campaign (figure 1c). */
export const BENCH_BUCKETS = 16;

/** A campaign with the most slots a campaign may have, closing tomorrow; `buckets` > 1 as create_campaign makes it. */
export async function hotCampaign(sql, productId, schema = 'public', title = 'Bench hot campaign', buckets = 1) {
  const [c] = await sql.unsafe(
    // min_slots is written out: the legacy copy of the table has the column but not our trigger.
    `insert into ${schema}.sambatan_campaigns (product_id, title, total_slots, min_slots, price_per_slot, deadline${buckets > 1 ? ', slot_buckets' : ''})
     values ($1, $2, 100000, 100000, 1000, now() + interval '1 day'${buckets > 1 ? `, ${buckets}` : ''}) returning id`,
    [productId, title],
  );
  if (buckets > 1) {
    await sql`insert into sambatan_private.slot_buckets (campaign_id, bucket) select ${c.id}, k from generate_series(0, ${buckets - 1}) k`;
  }
  return c.id;
}

/**
 * filled_slots (with the claims its slot buckets hold) against the participants that
 * hold them; zero oversell means held = filled ≤ total.
 */
export async function slotCheck(sql, campaignId, schema = 'public') {
  const buckets = schema === 'public'
    ? '+ sambatan_private.bucket_claims(c.id)'
    : '';
  const [r] = await sql.unsafe(
    `select c.total_slots, c.filled_slots ${buckets} as filled_slots,
            coalesce(sum(p.quantity) filter (where p.status in ('pending_payment', 'confirmed')), 0)::int as held,
            count(p.id)::int as participants
       from ${schema}.sambatan_campaigns c left join ${schema}.sambatan_participants p on p.campaign_id = c.id
      where c.id = $1 group by c.id, c.filled_slots, c.total_slots`,
    [campaignId],
  );
  return { ...r, ok: r.filled_slots === r.held && r.filled_slots <= r.total_slots };
}

export async function joinSection(ctx) {
  const { db, cfg, tmp, productId } = ctx;
  const out = { rounds: cfg.rounds, seconds: cfg.seconds, byClients: [] };
  for (const clients of cfg.clients) {
    const cid = await hotCampaign(db.sql, productId);
    const legacyCid = await hotCampaign(db.sql, productId, 'bench_seed');
    const bucketCid = await hotCampaign(db.sql, productId, 'public', 'Bench hot campaign, slot buckets', BENCH_BUCKETS);
    const runs = { physical: [], wrapped: [], join: [], joinBuckets: [], legacy: [] };
    const campaignOf = { join: cid, joinBuckets: bucketCid, legacy: legacyCid };
    for (let round = 0; round < cfg.rounds; round++) {
      // Alternate the order so drift from other load on the machine hits every side alike.
      const order = round % 2 === 0
        ? ['physical', 'join', 'joinBuckets', 'legacy', 'wrapped']
        : ['wrapped', 'legacy', 'joinBuckets', 'join', 'physical'];
      for (const kind of order) {
        const vars = campaignOf[kind] ? { cid: campaignOf[kind], tag: tag() } : { tag: tag() };
        const script = SCRIPTS[kind === 'joinBuckets' ? 'join' : kind];
        const m = await pgbench(db, tmp, { name: kind, script, clients, seconds: cfg.seconds, vars });
        runs[kind].push(m);
        progress(`  ${kind.padEnd(8)} ${String(clients).padStart(2)} clients: ${m.tps.toFixed(0)} tx/s, p99 ${m.p99?.toFixed(2)} ms`);
      }
    }
    const pooled = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, pool(v)]));
    // The lowest and highest ratio of single rounds: how far this machine's noise moves a
    // pooled ratio (each round measures both sides back to back).
    const rangeOfRounds = (a, b) => {
      const xs = runs[a].map((m, i) => ratio(m.tps, runs[b][i].tps)).filter((x) => x != null);
      return xs.length ? [Math.min(...xs), Math.max(...xs)] : null;
    };
    const check = await slotCheck(db.sql, cid);
    const legacyCheck = await slotCheck(db.sql, legacyCid, 'bench_seed');
    const bucketCheck = await slotCheck(db.sql, bucketCid);
    out.byClients.push({
      clients,
      physical: brief(pooled.physical),
      wrapped: brief(pooled.wrapped),
      join: brief(pooled.join),
      legacy: brief(pooled.legacy),
      joinBuckets: brief(pooled.joinBuckets),
      buckets: BENCH_BUCKETS,
      joinVsPhysical: ratio(pooled.join.tps, pooled.physical.tps),
      joinVsWrapped: ratio(pooled.join.tps, pooled.wrapped.tps),
      joinVsLegacy: ratio(pooled.join.tps, pooled.legacy.tps),
      bucketsVsJoin: ratio(pooled.joinBuckets.tps, pooled.join.tps),
      bucketsVsPhysical: ratio(pooled.joinBuckets.tps, pooled.physical.tps),
      bucketsVsWrapped: ratio(pooled.joinBuckets.tps, pooled.wrapped.tps),
      bucketsVsLegacy: ratio(pooled.joinBuckets.tps, pooled.legacy.tps),
      roundRange: {
        joinVsWrapped: rangeOfRounds('join', 'wrapped'),
        joinVsLegacy: rangeOfRounds('join', 'legacy'),
        bucketsVsJoin: rangeOfRounds('joinBuckets', 'join'),
        bucketsVsLegacy: rangeOfRounds('joinBuckets', 'legacy'),
      },
      bucketCheck: { ...bucketCheck, acknowledged: pooled.joinBuckets.count },
      check: { ...check, acknowledged: pooled.join.count },
      legacyCheck: { ...legacyCheck, acknowledged: pooled.legacy.count },
    });
    progress(`join at ${clients} clients: ${(pooled.join.tps).toFixed(0)}/s = ${ratio(pooled.join.tps, pooled.physical.tps)?.toFixed(3)} of the physical limit, ${ratio(pooled.join.tps, pooled.legacy.tps)?.toFixed(2)}× the legacy flow; oversell check ${check.ok ? 'ok' : 'FAILED'}; with ${BENCH_BUCKETS} slot buckets ${(pooled.joinBuckets.tps).toFixed(0)}/s = ${ratio(pooled.joinBuckets.tps, pooled.join.tps)?.toFixed(2)}× one row, oversell check ${bucketCheck.ok ? 'ok' : 'FAILED'}`);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Profile: what bounds joins on one hot campaign.

const STATEMENTS_SQL = `
  select s.toplevel, s.calls::bigint as calls, s.total_exec_time / s.calls * 1000 as us_per_call,
         regexp_replace(s.query, '\\s+', ' ', 'g') as query
    from pg_stat_statements s
   where s.dbid = (select oid from pg_database where datname = current_database())
     and s.calls >= $1
   order by s.total_exec_time desc
   limit 14`;

/**
 * Samples what every join backend is doing while pgbench runs (10 ms period). Also
 * counts the ticks at which some backend sat idle in transaction right after its
 * join_campaign returned: it holds the campaign row and waits for its client's COMMIT.
 */
async function sampleWaits(sql, until) {
  const counts = new Map();
  let samples = 0;
  let ticks = 0;
  let heldIdleTicks = 0;
  let stop = false;
  until.then(() => (stop = true), () => (stop = true));
  await sleep(500); // past connection set-up
  while (!stop) {
    const rows = await sql`
      select state, wait_event_type, wait_event, query ~ 'join_campaign' as after_join
        from pg_stat_activity
       where datname = current_database() and usename = 'authenticator' and pid <> pg_backend_pid()`;
    let heldIdle = false;
    for (const r of rows) {
      let key;
      if (r.state === 'idle in transaction' && r.after_join) {
        key = 'idle in transaction after the join returned: holds the row, waits for the client\'s COMMIT';
        heldIdle = true;
      } else if (r.state === 'idle in transaction') key = 'idle in transaction before the join: waits for the client\'s next statement';
      else if (r.state === 'idle') key = 'idle between transactions';
      else if (r.wait_event_type === 'Lock') key = `waiting for a lock (${r.wait_event}): queued on the hot campaign row`;
      else if (r.wait_event_type) key = `waiting: ${r.wait_event_type}/${r.wait_event}`;
      else key = 'running on CPU';
      counts.set(key, (counts.get(key) ?? 0) + 1);
      samples++;
    }
    ticks++;
    if (heldIdle) heldIdleTicks++;
    await sleep(10);
  }
  const states = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([state, n]) => ({ state, share: n / samples }));
  return { states, heldIdleShare: ticks ? heldIdleTicks / ticks : null };
}

function shortQuery(q) {
  return q.length > 120 ? `${q.slice(0, 117)}...` : q;
}

export async function joinProfile(ctx, joinResult) {
  const { db, cfg, tmp, productId } = ctx;
  const clients = 8;
  const seconds = cfg.profileSeconds;
  const out = { clients, seconds };
  const at8 = joinResult.byClients.find((r) => r.clients === clients) ?? joinResult.byClients.at(-1);

  // 1. No hot row: one campaign per client. The difference to the hot run is what queuing on the row costs.
  const cpre = `spread-${tag()}-`;
  await db.sql.unsafe(
    `insert into public.sambatan_campaigns (id, product_id, title, total_slots, min_slots, price_per_slot, deadline)
     select md5($1 || k)::uuid, $2, 'Bench spread', 100000, 100000, 1000, now() + interval '1 day' from generate_series(0, $3 - 1) k`,
    [cpre, productId, clients],
  );
  out.spread = brief(await pgbench(db, tmp, { name: 'spread', script: SCRIPTS.spread, clients, seconds, vars: { cpre, tag: tag() } }));
  progress(`  profile: joins spread over ${clients} campaigns: ${out.spread.tps.toFixed(0)}/s`);

  // 2. Per-statement cost inside join_campaign, alone (1 client) and under contention (8 clients),
  //    with the 8-client run's backends sampled for what they wait on.
  if (db.pgStatStatements) {
    const pcid = await hotCampaign(db.sql, productId, 'public', 'Bench statements');
    await db.sql`select pg_stat_statements_reset()`;
    const one = await pgbench(db, tmp, { name: 'join', script: SCRIPTS.join, clients: 1, seconds, vars: { cid: pcid, tag: tag() } });
    const alone = await db.sql.unsafe(STATEMENTS_SQL, [Math.max(10, Math.floor(one.count / 2))]);
    await db.sql`select pg_stat_statements_reset()`;
    const bench = pgbench(db, tmp, { name: 'join', script: SCRIPTS.join, clients, seconds, vars: { cid: pcid, tag: tag() } });
    const waits = sampleWaits(db.sql, bench);
    const contended = await bench;
    const sampled = await waits;
    out.waits = sampled.states;
    out.heldIdleShare = sampled.heldIdleShare;
    const busy = await db.sql.unsafe(STATEMENTS_SQL, [Math.max(10, Math.floor(contended.count / 2))]);
    const byQuery = new Map(busy.map((r) => [r.query, r]));
    out.statements = alone.map((r) => ({
      query: shortQuery(r.query),
      toplevel: r.toplevel,
      callsPerJoin: r.calls / one.count,
      usAlone: r.us_per_call,
      usContended: byQuery.get(r.query)?.us_per_call ?? null,
    }));
    // The contended run's slowest statements that the 1-client run did not rank.
    for (const r of busy) {
      if (!alone.some((a) => a.query === r.query)) {
        out.statements.push({ query: shortQuery(r.query), toplevel: r.toplevel, callsPerJoin: r.calls / contended.count, usAlone: null, usContended: r.us_per_call });
      }
    }
    out.oneClient = brief(one);
    out.contended = brief(contended);
    progress(`  profile: statements and wait events sampled`);
  }

  // 3. Plans of the writes inside join_campaign, as the buyer, rolled back; and the row
  //    triggers that run on every UPDATE of a campaign (no WHEN clause), i.e. under the lock.
  out.explain = await explainJoinWrites(db.sql, await hotCampaign(db.sql, productId, 'public', 'Bench profile'));
  out.claimTriggers = (await db.sql`
    select t.tgname as name from pg_trigger t
     where t.tgrelid = 'public.sambatan_campaigns'::regclass and not t.tgisinternal
       and (t.tgtype & 16) <> 0 and t.tgqual is null order by 1`).map((r) => r.name);
  out.at8 = at8;
  return out;
}

async function explainJoinWrites(sql, campaignId) {
  const buyer = crypto.randomUUID();
  const plans = {};
  const statements = {
    'claim (UPDATE of the campaign row)': `
      update public.sambatan_campaigns c
         set filled_slots = c.filled_slots + 1,
             status = case when c.filled_slots + 1 = c.total_slots then 'locked'::public.sambatan_status else c.status end,
             locked_at = case when c.filled_slots + 1 = c.total_slots then now() else c.locked_at end,
             updated_at = now()
       where c.id = '${campaignId}' and c.status = 'active' and c.deadline > now() and c.filled_slots + 1 <= c.total_slots
      returning *`,
    'participant INSERT': `
      insert into public.sambatan_participants (campaign_id, user_id, quantity, amount, shipping_address, note, idempotency_key, created_at, updated_at)
      values ('${campaignId}', '${buyer}', 1, 1000, 'Jl. Bench 1', null, null, now(), now()) returning *`,
    'audit INSERT': `
      insert into public.sambatan_audit_logs (campaign_id, participation_id, event, actor, actor_role, metadata, created_at)
      values ('${campaignId}', null, 'joined', '${buyer}', 'authenticated', '{"quantity":1}', now())`,
  };
  for (const [name, text] of Object.entries(statements)) {
    try {
      await sql.begin(async (tx) => {
        const rows = await tx.unsafe(`explain (analyze, buffers, costs off, summary on) ${text}`);
        plans[name] = rows.map((r) => r['QUERY PLAN']).join('\n');
        throw new RollbackSignal();
      });
    } catch (err) {
      if (!(err instanceof RollbackSignal)) plans[name] = `(not explained: ${err.message})`;
    }
  }
  return plans;
}

class RollbackSignal extends Error {}
