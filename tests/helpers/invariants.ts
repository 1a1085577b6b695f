// The invariants of QUALITY.md as one query: every row it returns is a violation.
// Shared by the db, pg and property tiers.

export const invariantViolationsSql = `
with exact as (
  -- A bucketed campaign's fill is its row plus the claims its slot buckets hold.
  select c.*, c.filled_slots + sambatan_private.bucket_claims(c.id) as filled
    from public.sambatan_campaigns c
), held as (
  -- Slots a campaign holds: its active participations, or for an expired campaign
  -- the ones refunded when it expired (filled_slots keeps how far it got; a paid
  -- participation cancelled earlier was refunded too, but released its slots then).
  select campaign_id,
         sum(quantity) filter (where status in ('pending_payment', 'paid', 'confirmed')) as active_q,
         sum(quantity) filter (where status = 'refunded' and cancelled_at is null) as refunded_q
    from public.sambatan_participants
   group by campaign_id
)
select 'filled_slots_mismatch' as violation, c.id::text as subject
  from exact c left join held h on h.campaign_id = c.id
 where c.filled <> case when c.status in ('expired', 'cancelled') then coalesce(h.refunded_q, 0)
                              else coalesce(h.active_q, 0) end
union all
select 'oversold', c.id::text from exact c
 where c.filled > c.total_slots or c.filled_slots < 0
union all
select 'locked_iff_full', c.id::text from exact c
 where c.status in ('active', 'locked') and (c.status = 'locked') <> (c.filled = c.total_slots)
union all
-- Buckets hold free slots of active campaigns only, never the last one.
select 'bucket_escrow', c.id::text from public.sambatan_campaigns c
 where (select coalesce(sum(b.slots), 0) from sambatan_private.slot_buckets b where b.campaign_id = c.id) > 0
   and (c.status <> 'active' or c.filled_slots
        + (select sum(b.slots) from sambatan_private.slot_buckets b where b.campaign_id = c.id) >= c.total_slots)
union all
select 'fulfilled_with_unconfirmed', p.id::text
  from public.sambatan_participants p join public.sambatan_campaigns c on c.id = p.campaign_id
 where c.status = 'fulfilled'
   -- (a paid participation cancelled while the campaign was open is refunded: that is fine)
   and (p.status in ('pending_payment', 'paid') or (p.status = 'refunded' and p.cancelled_at is null))
union all
select 'expired_with_active', p.id::text
  from public.sambatan_participants p join public.sambatan_campaigns c on c.id = p.campaign_id
 where c.status in ('expired', 'cancelled') and p.status in ('pending_payment', 'paid', 'confirmed')
union all
select 'confirmed_before_fulfilment', p.id::text
  from public.sambatan_participants p join public.sambatan_campaigns c on c.id = p.campaign_id
 where p.status = 'confirmed' and c.status <> 'fulfilled'
union all
-- A flat price charges quantity x price; with tiers the claim's audit event (joined, or
-- waitlist_offered) splits the slots over the campaign's own tiers and adds up to it.
select 'amount_mismatch', p.id::text
  from public.sambatan_participants p join public.sambatan_campaigns c on c.id = p.campaign_id
 where case when c.price_tiers is null then p.amount <> p.quantity::bigint * c.price_per_slot
       else not exists (
         select 1 from public.sambatan_audit_logs a
          where a.participation_id = p.id and a.event in ('joined', 'waitlist_offered')
            and (select sum((t->>'slots')::bigint * (t->>'price_per_slot')::bigint) from jsonb_array_elements(a.metadata->'tiers') t) = p.amount
            and (select sum((t->>'slots')::int) from jsonb_array_elements(a.metadata->'tiers') t) = p.quantity
            and not exists (select 1 from jsonb_array_elements(a.metadata->'tiers') t
                             where not c.price_tiers @> jsonb_build_array(t - 'slots'))) end
union all
select 'charged_and_refunded', p.id::text from public.sambatan_participants p
 where p.confirmed_at is not null and p.refunded_at is not null
union all
select 'two_active_participations', campaign_id::text || '/' || user_id::text
  from public.sambatan_participants
 where status in ('pending_payment', 'paid', 'confirmed')
 group by campaign_id, user_id having count(*) > 1
union all
select 'terminal_timestamp_missing', c.id::text from public.sambatan_campaigns c
 where (c.status = 'fulfilled' and c.fulfilled_at is null) or (c.status = 'expired' and c.expired_at is null)
    or (c.status = 'cancelled' and c.cancelled_at is null)
union all
-- The waiting list: one waiting entry per buyer per campaign; an offered entry has its
-- own participation (same campaign, buyer and quantity), never shared; nothing waits
-- on a campaign that ended; a buyer never waits while holding slots of the campaign
-- (a waiting entry would otherwise be offered a second participation).
select 'two_waiting_entries', campaign_id::text || '/' || user_id::text
  from public.sambatan_waitlist_entries where status = 'waiting'
 group by campaign_id, user_id having count(*) > 1
union all
select 'offered_without_participation', w.id::text
  from public.sambatan_waitlist_entries w left join public.sambatan_participants p on p.id = w.participation_id
 where (w.status = 'offered') <> (w.participation_id is not null)
    or (w.participation_id is not null and (p.id is null or p.campaign_id <> w.campaign_id
        or p.user_id <> w.user_id or p.quantity <> w.quantity))
union all
select 'offered_twice', w.participation_id::text from public.sambatan_waitlist_entries w
 where w.participation_id is not null group by w.participation_id having count(*) > 1
union all
select 'waiting_on_ended_campaign', w.id::text
  from public.sambatan_waitlist_entries w join public.sambatan_campaigns c on c.id = w.campaign_id
 where w.status = 'waiting' and c.status in ('fulfilled', 'expired', 'cancelled')
union all
select 'waiting_while_holding_slots', w.id::text
  from public.sambatan_waitlist_entries w join public.sambatan_participants p
    on p.campaign_id = w.campaign_id and p.user_id = w.user_id and p.status in ('pending_payment', 'paid', 'confirmed')
 where w.status = 'waiting'
union all
-- With a window nothing is confirmed unpaid, and nothing unpaid outlives its window
-- by more than a lifecycle run (checked by the callers that run one).
select 'confirmed_unpaid_with_window', p.id::text
  from public.sambatan_participants p join public.sambatan_campaigns c on c.id = p.campaign_id
 where c.payment_window_minutes is not null and p.status in ('paid', 'confirmed') and p.paid_at is null
union all
select 'paid_amount_differs', p.id::text from public.sambatan_participants p
 where p.paid_amount is not null and p.paid_amount <> p.amount
union all
-- Nobody is both kept and refunded: a confirmed participation owes no refund but a
-- late payment's (money that arrived after it was already settled another way).
select 'confirmed_and_refunded', r.id::text
  from public.refunds r join public.sambatan_participants p on p.id = r.participation_id
 where p.status = 'confirmed' and r.reason <> 'late_payment'
union all
select 'refund_of_another_campaign', r.id::text
  from public.refunds r join public.sambatan_participants p on p.id = r.participation_id
 where r.campaign_id <> p.campaign_id or r.user_id <> p.user_id
union all
-- The money invariant, per campaign: money received (paid amounts, plus late
-- payments, which are only ever refunded) minus refunds owed equals what it holds:
-- the paid amounts of its paid and confirmed participations. Once settled that is
-- what a fulfilled campaign keeps (only confirmed remain) and 0 for any other.
select 'money_mismatch', c.id::text
  from public.sambatan_campaigns c
  left join (select campaign_id, sum(paid_amount) as paid,
                    sum(paid_amount) filter (where status in ('paid', 'confirmed')) as kept
               from public.sambatan_participants group by campaign_id) pa on pa.campaign_id = c.id
  left join (select campaign_id, sum(amount) as owed, sum(amount) filter (where reason = 'late_payment') as late
               from public.refunds group by campaign_id) rf on rf.campaign_id = c.id
 where coalesce(pa.paid, 0) + coalesce(rf.late, 0) - coalesce(rf.owed, 0)
       <> coalesce(pa.kept, 0)
union all
-- Every paid participation that was not kept is owed back exactly what it paid.
select 'paid_not_refunded', p.id::text from public.sambatan_participants p
 where p.paid_amount is not null and p.status in ('cancelled', 'refunded')
   and (select coalesce(sum(r.amount), 0) from public.refunds r
         where r.participation_id = p.id and r.reason <> 'late_payment') <> p.paid_amount
`;

/** Money ledger: amounts by participant status must add up to the amount ever joined. */
// (paid counts with pending: reserved, not yet settled.)
export const ledgerSql = `
select coalesce(sum(amount), 0)::bigint as joined,
       coalesce(sum(amount) filter (where status in ('pending_payment', 'paid')), 0)::bigint as pending,
       coalesce(sum(amount) filter (where status = 'confirmed'), 0)::bigint as confirmed,
       coalesce(sum(amount) filter (where status = 'refunded'), 0)::bigint as refunded,
       coalesce(sum(amount) filter (where status = 'cancelled'), 0)::bigint as cancelled
  from public.sambatan_participants
`;
