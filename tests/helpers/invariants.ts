// The invariants of QUALITY.md as one query: every row it returns is a violation.
// Shared by the db, pg and property tiers.

export const invariantViolationsSql = `
with held as (
  -- Slots a campaign holds: its active participations, or for an expired campaign
  -- the ones refunded when it expired (filled_slots keeps how far it got).
  select campaign_id,
         sum(quantity) filter (where status in ('pending_payment', 'confirmed')) as active_q,
         sum(quantity) filter (where status = 'refunded') as refunded_q
    from public.sambatan_participants
   group by campaign_id
)
select 'filled_slots_mismatch' as violation, c.id::text as subject
  from public.sambatan_campaigns c left join held h on h.campaign_id = c.id
 where c.filled_slots <> case when c.status in ('expired', 'cancelled') then coalesce(h.refunded_q, 0)
                              else coalesce(h.active_q, 0) end
union all
select 'oversold', c.id::text from public.sambatan_campaigns c
 where c.filled_slots > c.total_slots or c.filled_slots < 0
union all
select 'locked_iff_full', c.id::text from public.sambatan_campaigns c
 where c.status in ('active', 'locked') and (c.status = 'locked') <> (c.filled_slots = c.total_slots)
union all
select 'fulfilled_with_unconfirmed', p.id::text
  from public.sambatan_participants p join public.sambatan_campaigns c on c.id = p.campaign_id
 where c.status = 'fulfilled' and p.status in ('pending_payment', 'refunded')
union all
select 'expired_with_active', p.id::text
  from public.sambatan_participants p join public.sambatan_campaigns c on c.id = p.campaign_id
 where c.status in ('expired', 'cancelled') and p.status in ('pending_payment', 'confirmed')
union all
select 'confirmed_before_fulfilment', p.id::text
  from public.sambatan_participants p join public.sambatan_campaigns c on c.id = p.campaign_id
 where p.status = 'confirmed' and c.status <> 'fulfilled'
union all
select 'amount_mismatch', p.id::text
  from public.sambatan_participants p join public.sambatan_campaigns c on c.id = p.campaign_id
 where p.amount <> p.quantity::bigint * c.price_per_slot
union all
select 'charged_and_refunded', p.id::text from public.sambatan_participants p
 where p.confirmed_at is not null and p.refunded_at is not null
union all
select 'two_active_participations', campaign_id::text || '/' || user_id::text
  from public.sambatan_participants
 where status in ('pending_payment', 'confirmed')
 group by campaign_id, user_id having count(*) > 1
union all
select 'terminal_timestamp_missing', c.id::text from public.sambatan_campaigns c
 where (c.status = 'fulfilled' and c.fulfilled_at is null) or (c.status = 'expired' and c.expired_at is null)
`;

/** Money ledger: amounts by participant status must add up to the amount ever joined. */
export const ledgerSql = `
select coalesce(sum(amount), 0)::bigint as joined,
       coalesce(sum(amount) filter (where status = 'pending_payment'), 0)::bigint as pending,
       coalesce(sum(amount) filter (where status = 'confirmed'), 0)::bigint as confirmed,
       coalesce(sum(amount) filter (where status = 'refunded'), 0)::bigint as refunded,
       coalesce(sum(amount) filter (where status = 'cancelled'), 0)::bigint as cancelled
  from public.sambatan_participants
`;
