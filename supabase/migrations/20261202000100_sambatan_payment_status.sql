-- A participation that has been paid but whose campaign is not fulfilled yet. A new
-- enum value cannot be used in the transaction that adds it, so it has its own file.
alter type public.sambatan_participant_status add value if not exists 'paid' after 'pending_payment';
