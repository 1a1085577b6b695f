// Figures 4 and 5: the lifecycle sweep at 1k, 10k and 100k due campaigns (alone,
// then with 10× campaigns that are not due), and list_campaigns keyset pages at the
// first page and deep in tables of 10k and 1M campaigns.
//
// Data is bulk-loaded with set-based SQL as the superuser with triggers off
// (session_replication_role = replica: no foreign-key checks and no triggers per row),
// so the loader itself keeps the invariants: filled_slots = Σ quantity, locked exactly
// when full, active ones past their deadline and not full; and it writes min_slots,
// which a trigger defaults otherwise.

import { actAs, actAsSql } from '../../dev/db/act-as.mjs';
import { processCpuMs } from '../lib/cpu.mjs';
import { brief, pgbench, pool } from '../lib/pgbench.mjs';
import { percentile, progress, ratio } from '../lib/util.mjs';

const AS_SERVICE = actAs({ role: 'service_role' });

async function truncateAll(sql) {
  await sql.unsafe('truncate public.sambatan_audit_logs, public.sambatan_participants, public.sambatan_campaigns cascade');
}

/**
 * N due campaigns with 10 participants of one slot each: even ones full and locked
 * (fulfilled by the sweep), odd ones half full and past their deadline (expired and
 * refunded by the sweep).
 */
async function loadDue(sql, productId, n) {
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx`
      with c as (
        insert into public.sambatan_campaigns
          (product_id, title, total_slots, min_slots, filled_slots, price_per_slot, deadline, status,
           created_at, updated_at, locked_at)
        select ${productId}, 'Bench due ' || i,
               case when i % 2 = 0 then 10 else 20 end, case when i % 2 = 0 then 10 else 20 end, 10, 1000,
               case when i % 2 = 0 then now() + interval '3 days' + i * interval '1 ms'
                    else now() - interval '1 hour' - i * interval '1 ms' end,
               (case when i % 2 = 0 then 'locked' else 'active' end)::public.sambatan_status,
               now() - interval '40 days' + i * interval '10 ms', now(),
               case when i % 2 = 0 then now() end
          from generate_series(1, ${n}::int) i
        returning id, created_at
      )
      insert into public.sambatan_participants (campaign_id, user_id, quantity, amount, shipping_address, created_at, updated_at)
      select c.id, gen_random_uuid(), 1, 1000, 'Jl. Bench 1', c.created_at, c.created_at
        from c cross join generate_series(1, 10)`;
  });
}

/** Open campaigns, not due for days: the sweep must walk past them for free. */
async function loadOpen(sql, productId, n, createdFrom = "now() - interval '20 days'") {
  await sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    await tx.unsafe(
      `insert into public.sambatan_campaigns
         (product_id, title, total_slots, min_slots, filled_slots, price_per_slot, deadline, status, created_at, updated_at)
       select $1, 'Bench open ' || i, 10, 10, 0, 1000, now() + interval '7 days' + i * interval '1 ms', 'active',
              ${createdFrom} + i * interval '1 ms', now()
         from generate_series(1, $2::int) i`,
      [productId, n],
    );
  });
}

async function analyze(sql) {
  await sql.unsafe('analyze public.sambatan_campaigns, public.sambatan_participants, public.sambatan_audit_logs');
}

/**
 * Calls run_sambatan_lifecycle(batch) as the service role, one transaction per batch,
 * until `more` is false, on one connection whose backend CPU time is measured too.
 */
async function sweep(sql, batch, pgStatStatements) {
  const conn = await sql.reserve();
  // Buffer traffic of the sweep's own statements: reads are blocks that were not in shared_buffers.
  const io = async () => {
    if (!pgStatStatements) return null;
    const [r] = await conn`
      select coalesce(sum(shared_blks_hit), 0)::float8 as hit, coalesce(sum(shared_blks_read), 0)::float8 as read,
             coalesce(sum(wal_bytes), 0)::float8 as wal
        from pg_stat_statements
       where toplevel and query like 'select public.run_sambatan_lifecycle%'
         and dbid = (select oid from pg_database where datname = current_database())`;
    return r;
  };
  try {
    const [{ pid }] = await conn`select pg_backend_pid() as pid`;
    const io0 = await io();
    const batchMs = [];
    const totals = { fulfilled: 0, expired: 0, confirmed: 0, refunded: 0 };
    const cpu0 = processCpuMs(pid);
    const t0 = performance.now();
    for (;;) {
      const t = performance.now();
      await conn`begin`;
      let r;
      try {
        await conn.unsafe(AS_SERVICE.text, AS_SERVICE.values);
        [{ r }] = await conn`select public.run_sambatan_lifecycle(${batch}::int) as r`;
        await conn`commit`;
      } catch (err) {
        await conn`rollback`.catch(() => {});
        throw err;
      }
      batchMs.push(performance.now() - t);
      for (const k of Object.keys(totals)) totals[k] += Number(r[k] ?? 0);
      if (!r.more) break;
      if (batchMs.length > 100_000) throw new Error('the lifecycle sweep does not finish');
    }
    const totalMs = performance.now() - t0;
    const cpu1 = processCpuMs(pid);
    const io1 = await io();
    const q = Math.max(1, Math.floor(batchMs.length / 4));
    const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
    return {
      totalMs,
      cpuMs: cpu0 != null && cpu1 != null ? cpu1 - cpu0 : null,
      blocksRead: io0 && io1 ? io1.read - io0.read : null,
      blocksHit: io0 && io1 ? io1.hit - io0.hit : null,
      walBytes: io0 && io1 ? io1.wal - io0.wal : null,
      batches: batchMs.length,
      batchP50: percentile(batchMs, 50),
      batchP99: percentile(batchMs, 99),
      // Last quarter of the batches against the first: above 1 means each batch costs more as the sweep proceeds.
      drift: batchMs.length >= 4 ? ratio(mean(batchMs.slice(-q)), mean(batchMs.slice(0, q))) : null,
      ...totals,
    };
  } finally {
    conn.release();
  }
}

async function verifySweep(sql) {
  const [r] = await sql`
    select (select count(*) from public.sambatan_campaigns c
             where c.status = 'locked' or (c.status = 'active' and c.deadline <= now()))::int as due_left,
           (select count(*) from public.sambatan_participants p join public.sambatan_campaigns c on c.id = p.campaign_id
             where (c.status = 'fulfilled' and p.status <> 'confirmed')
                or (c.status = 'expired' and p.status <> 'refunded')
                or (c.status in ('active', 'locked') and p.status not in ('pending_payment', 'cancelled')))::int as wrong_participants,
           (select count(*) from public.sambatan_campaigns c
             where c.filled_slots > c.total_slots or c.filled_slots < 0)::int as oversold,
           (select count(*) from public.sambatan_campaigns)::int as campaigns`;
  return { ...r, ok: r.due_left === 0 && r.wrong_participants === 0 && r.oversold === 0 };
}

function perCampaign(m, n) {
  const per = (x) => (x == null ? null : x / n);
  return {
    msPerCampaign: per(m.totalMs),
    cpuMsPerCampaign: per(m.cpuMs),
    readsPerCampaign: per(m.blocksRead),
    blocksPerCampaign: m.blocksRead == null ? null : per(m.blocksRead + m.blocksHit),
    walKbPerCampaign: m.walBytes == null ? null : per(m.walBytes / 1024),
  };
}

export async function lifecycleSection(ctx) {
  const { db, cfg, productId } = ctx;
  const sql = db.sql;
  const [{ batch_size: batch, time_budget_seconds: budget }] = await sql`
    select batch_size, time_budget_seconds from sambatan_jobs.scheduled_jobs where name = 'sambatan.lifecycle'`;
  const out = { batch, budgetSeconds: budget, scales: [] };
  for (const n of cfg.lifecycleScales) {
    await truncateAll(sql);
    progress(`lifecycle: loading ${n} due campaigns with 10 participants each`);
    await loadDue(sql, productId, n);
    await analyze(sql);
    const alone = await sweep(sql, batch, db.pgStatStatements);
    const aloneCheck = await verifySweep(sql);
    progress(`  swept ${n} due campaigns alone: ${(alone.totalMs / n).toFixed(3)} ms per campaign, ${alone.cpuMs == null ? '?' : (alone.cpuMs / n).toFixed(3)} ms CPU (${alone.batches} batches)`);

    progress(`lifecycle: adding ${10 * n} open campaigns and ${n} more due ones`);
    await loadOpen(sql, productId, 10 * n);
    await loadDue(sql, productId, n);
    await analyze(sql);
    const [{ campaigns: tableSize }] = await sql`select count(*)::int as campaigns from public.sambatan_campaigns`;
    const crowded = await sweep(sql, batch, db.pgStatStatements);
    const crowdedCheck = await verifySweep(sql);
    progress(`  swept ${n} due campaigns among ${tableSize} campaigns: ${(crowded.totalMs / n).toFixed(3)} ms per campaign, ${crowded.cpuMs == null ? '?' : (crowded.cpuMs / n).toFixed(3)} ms CPU`);
    out.scales.push({
      due: n,
      alone: { ...alone, ...perCampaign(alone, n), check: aloneCheck },
      crowded: { ...crowded, ...perCampaign(crowded, n), tableSize, check: crowdedCheck },
    });
  }
  const base = out.scales[0].alone;
  for (const s of out.scales) {
    for (const m of [s.alone, s.crowded]) {
      m.vsSmallest = ratio(m.msPerCampaign, base.msPerCampaign);
      m.cpuVsSmallest = ratio(m.cpuMsPerCampaign, base.cpuMsPerCampaign);
    }
    s.crowded.vsAlone = ratio(s.crowded.msPerCampaign, s.alone.msPerCampaign);
  }
  return out;
}

// ---------------------------------------------------------------------------

const AS_ANON = `${actAsSql({ role: 'anon' })};`;
const LIST_SCRIPTS = {
  first: `begin;\n${AS_ANON}\nselect public.list_campaigns(p_limit => 20);\ncommit;\n`,
  deep: `begin;\n${AS_ANON}\nselect public.list_campaigns(p_limit => 20, p_cursor => :cursor);\ncommit;\n`,
  // The floor: the same page read straight from the table as anon, as a PostgREST
  // table GET would (json of 20 rows through RLS), without the RPC around it.
  plainFirst: `begin;\n${AS_ANON}\nselect coalesce(json_agg(p), '[]') from (select c.* from public.sambatan_campaigns c order by c.created_at desc, c.id desc limit 20) p;\ncommit;\n`,
  plainDeep: `begin;\n${AS_ANON}\nselect coalesce(json_agg(p), '[]') from (select c.* from public.sambatan_campaigns c where (c.created_at, c.id) < (:at::timestamptz, :id::uuid) order by c.created_at desc, c.id desc limit 20) p;\ncommit;\n`,
  // The same page with list_campaigns' JSON (same keys, same timestamp format) built
  // inline in the query instead of through sambatan_private.campaign_json / sambatan_private.iso per row.
  inlineDeep: `begin;\n${AS_ANON}\nselect coalesce(jsonb_agg(${inlineCampaignJson('p')}), '[]') from (select c.* from public.sambatan_campaigns c where (c.created_at, c.id) < (:at::timestamptz, :id::uuid) order by c.created_at desc, c.id desc limit 20) p;\ncommit;\n`,
};

function inlineCampaignJson(c) {
  // pgbench would read :MI and :SS in the format as its variables; chr(58) is ':' and folds to a constant.
  const iso = (col) => `to_char(${c}.${col} at time zone 'UTC', replace('YYYY-MM-DD"T"HH24#MI#SS.MS"Z"', '#', chr(58)))`;
  return `jsonb_build_object('id', ${c}.id, 'product_id', ${c}.product_id, 'title', ${c}.title, 'status', ${c}.status, ` +
    `'total_slots', ${c}.total_slots, 'filled_slots', ${c}.filled_slots, 'available_slots', ${c}.total_slots - ${c}.filled_slots, ` +
    `'progress_percent', ${c}.progress_percent, 'price_per_slot', ${c}.price_per_slot, 'deadline', ${iso('deadline')}, ` +
    `'created_by', ${c}.created_by, 'created_at', ${iso('created_at')}, 'updated_at', ${iso('updated_at')}, ` +
    `'locked_at', ${iso('locked_at')}, 'fulfilled_at', ${iso('fulfilled_at')}, 'expired_at', ${iso('expired_at')}, 'cancelled_at', ${iso('cancelled_at')})`;
}

export async function listSection(ctx) {
  const { db, cfg, tmp, productId } = ctx;
  const sql = db.sql;
  const out = { sizes: [] };
  await truncateAll(sql);
  let loaded = 0;
  for (const size of cfg.listSizes) {
    progress(`list: loading campaigns up to ${size}`);
    // Each load's created_at values are distinct and sit before the previous load's,
    // so the first page stays the same rows while the table grows beneath it.
    await loadOpen(sql, productId, size - loaded, `now() - interval '60 days' - ${size} * interval '1 second'`);
    loaded = size;
    await analyze(sql);
    // Page 1,000 starts after row 20,000; a smaller table gets its last full page.
    const position = Math.min(20 * 1000, size - 20);
    const [key] = await sql`
      select sambatan_private.encode_cursor(jsonb_build_array(c.created_at, c.id)) as cursor, c.created_at::text as at, c.id
        from public.sambatan_campaigns c order by c.created_at desc, c.id desc offset ${position - 1} limit 1`;
    const [page] = await sql.begin(async (tx) => {
      const as = actAs({ role: 'anon' });
      await tx.unsafe(as.text, as.values);
      return tx`select jsonb_array_length(public.list_campaigns(p_limit => 20, p_cursor => ${key.cursor}) -> 'items') as n`;
    });
    if (page.n !== 20) throw new Error(`list_campaigns at row ${position} answered ${page.n} items, not 20`);
    const vars = { cursor: key.cursor, at: key.at, id: key.id };
    // Two interleaved rounds in alternating order, so a burst of other load lands on every side.
    const kinds = ['first', 'deep', 'plainFirst', 'plainDeep', 'inlineDeep'];
    const runs = Object.fromEntries(kinds.map((k) => [k, []]));
    for (let round = 0; round < 2; round++) {
      for (const kind of round === 0 ? kinds : [...kinds].reverse()) {
        runs[kind].push(await pgbench(db, tmp, { name: `list-${kind}`, script: LIST_SCRIPTS[kind], clients: 1, seconds: Math.max(1, Math.round(cfg.listSeconds / 2)), vars }));
      }
    }
    const m = Object.fromEntries(kinds.map((k) => [k, brief(pool(runs[k]))]));
    out.sizes.push({
      campaigns: size,
      deepPosition: position,
      deepPage: Math.floor(position / 20) + 1,
      ...m,
      deepVsFirstP99: ratio(m.deep.p99, m.first.p99),
      rpcVsPlainFirstP50: ratio(m.first.p50, m.plainFirst.p50),
      rpcVsPlainDeepP50: ratio(m.deep.p50, m.plainDeep.p50),
      deepVsFirstP50: ratio(m.deep.p50, m.first.p50),
      inlineVsRpcDeepP50: ratio(m.inlineDeep.p50, m.deep.p50),
    });
    progress(`  ${size} campaigns: first page p99 ${m.first.p99.toFixed(2)} ms, page ${Math.floor(position / 20) + 1} p99 ${m.deep.p99.toFixed(2)} ms`);
  }
  const small = out.sizes[0];
  for (const s of out.sizes) {
    s.firstVsSmallestP99 = ratio(s.first.p99, small.first.p99);
    s.deepVsSmallestP99 = ratio(s.deep.p99, small.deep.p99);
    s.deepVsSmallestP50 = ratio(s.deep.p50, small.deep.p50);
  }
  return out;
}
