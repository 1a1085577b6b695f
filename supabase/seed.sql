-- Demo data for local runs (`npm start`, `supabase db reset`): a small catalogue.
-- "Rimba Embun" starts with sambatan disabled, as in the quick start: enable it
-- with product-sambatan-toggle, then open a campaign on it. Fixed ids keep the
-- README's examples copy-pasteable.

insert into public.products (id, name, base_price, sambatan_enabled, sambatan_total_slots, sambatan_price_per_slot)
values
  ('a0000000-0000-4000-8000-000000000001', 'Rimba Embun', 420000, false, null, null),
  ('a0000000-0000-4000-8000-000000000002', 'Kopi Gayo Wine 1 kg', 360000, true, 20, 180000),
  ('a0000000-0000-4000-8000-000000000003', 'Teh Kayu Aro Hitam', 95000, true, 50, 19000)
on conflict (id) do nothing;
