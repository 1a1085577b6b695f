import { describe, expect, test } from "vitest";
import {
  cancelCampaignBody,
  cancelParticipationBody,
  extendCampaignBody,
  leaveWaitlistBody,
  myWaitlistQuery,
  waitlistEntry,
  waitlisted,
  createCampaignBody,
  getCampaignQuery,
  joinCampaignBody,
  joinCampaignHeaders,
  listCampaignsQuery,
  myParticipationsQuery,
  toggleProductBody,
} from "../../shared/schemas.ts";

const uuid = "0b6f6a0e-2c1f-4f3e-9a55-6a1d2f0c9b11";
const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();
const create = { product_id: uuid, title: "Batch Oktober", total_slots: 10, price_per_slot: 210000, deadline: inDays(3) };
const join = { campaign_id: uuid, quantity: 3, shipping_address: "Jl. Melati No. 15\nJakarta Selatan" };

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) => schema.safeParse(v).success;

describe("campaigns-create body", () => {
  test("accepts the documented shape, with offsets in the deadline", () => {
    expect(ok(createCampaignBody, create)).toBe(true);
    // Two days ahead, written in Western Indonesian Time.
    const wib = new Date(Date.now() + 2 * 86_400_000 + 7 * 3_600_000).toISOString().replace("Z", "+07:00");
    expect(ok(createCampaignBody, { ...create, deadline: wib })).toBe(true);
  });

  test.each([
    ["title empty", { title: "" }],
    ["title blank", { title: "   " }],
    ["title 201 characters", { title: "x".repeat(201) }],
    ["title with a control character", { title: "Batch\u0007" }],
    ["title with a newline", { title: "Batch\nOktober" }],
    ["total_slots 0", { total_slots: 0 }],
    ["total_slots 100001", { total_slots: 100001 }],
    ["total_slots fractional", { total_slots: 1.5 }],
    ["total_slots as a string", { total_slots: "10" }],
    ["price_per_slot 0", { price_per_slot: 0 }],
    ["price_per_slot negative", { price_per_slot: -1 }],
    ["price_per_slot above 10^12", { price_per_slot: 1_000_000_000_001 }],
    ["price_per_slot beyond safe integers", { price_per_slot: 2 ** 60 }],
    ["deadline in the past", { deadline: inDays(-1) }],
    ["deadline more than a year ahead", { deadline: inDays(367) }],
    ["deadline without a zone", { deadline: "2030-01-01T00:00:00" }],
    ["deadline not a date", { deadline: "tomorrow" }],
    ["product_id not a UUID", { product_id: "1" }],
    ["product_id SQL-looking", { product_id: "'; drop table products; --" }],
    ["an unknown field", { created_by: uuid }],
  ])("rejects %s", (_name, patch) => {
    expect(ok(createCampaignBody, { ...create, ...patch })).toBe(false);
  });

  test("limits count characters as PostgreSQL does (code points), not UTF-16 units", () => {
    expect(ok(createCampaignBody, { ...create, title: "😀".repeat(200) })).toBe(true);
    expect(ok(createCampaignBody, { ...create, title: "😀".repeat(201) })).toBe(false);
    expect(ok(createCampaignBody, { ...create, title: "x".repeat(200) })).toBe(true);
  });

  test("missing fields are rejected", () => {
    for (const key of Object.keys(create)) {
      const { [key as keyof typeof create]: _, ...rest } = create;
      expect(ok(createCampaignBody, rest), key).toBe(false);
    }
  });
});

describe("campaigns-create: the campaign rules", () => {
  const tiers = [{ up_to_slot: 3, price_per_slot: 150000 }, { up_to_slot: 10, price_per_slot: 210000 }];
  const issuesOf = (v: unknown) => createCampaignBody.safeParse(v).error?.issues.map((i) => i.path.join(".")) ?? [];

  test("accepts min_slots, price_tiers and max_slots_per_buyer, each optional and nullable", () => {
    expect(ok(createCampaignBody, { ...create, min_slots: 4, price_tiers: tiers, max_slots_per_buyer: 2 })).toBe(true);
    expect(ok(createCampaignBody, { ...create, min_slots: 10, price_tiers: [{ up_to_slot: 10, price_per_slot: 1 }] })).toBe(true);
    expect(ok(createCampaignBody, { ...create, min_slots: null, price_tiers: null, max_slots_per_buyer: null })).toBe(true);
  });

  test("price_per_slot may be left out only with price_tiers (the first tier's price is taken)", () => {
    const { price_per_slot: _, ...flatless } = create;
    expect(ok(createCampaignBody, { ...flatless, price_tiers: tiers })).toBe(true);
    expect(issuesOf(flatless)).toEqual(["price_per_slot"]);
    expect(issuesOf({ ...flatless, price_per_slot: null })).toEqual(["price_per_slot"]);
  });

  test.each([
    ["min_slots 0", { min_slots: 0 }, "min_slots"],
    ["min_slots above total_slots", { min_slots: 11 }, "min_slots"],
    ["min_slots fractional", { min_slots: 2.5 }, "min_slots"],
    ["min_slots a string", { min_slots: "4" }, "min_slots"],
    ["max_slots_per_buyer 0", { max_slots_per_buyer: 0 }, "max_slots_per_buyer"],
    ["max_slots_per_buyer 100001", { max_slots_per_buyer: 100001 }, "max_slots_per_buyer"],
    ["max_slots_per_buyer a boolean", { max_slots_per_buyer: true }, "max_slots_per_buyer"],
    ["price_tiers empty", { price_tiers: [] }, "price_tiers"],
    ["price_tiers an object", { price_tiers: { up_to_slot: 10, price_per_slot: 1 } }, "price_tiers"],
    ["price_tiers not ending at total_slots", { price_tiers: [{ up_to_slot: 3, price_per_slot: 1 }, { up_to_slot: 9, price_per_slot: 2 }] }, "price_tiers.1.up_to_slot"],
    ["price_tiers past total_slots", { price_tiers: [{ up_to_slot: 11, price_per_slot: 1 }] }, "price_tiers.0.up_to_slot"],
    ["price_tiers descending", { price_tiers: [{ up_to_slot: 5, price_per_slot: 1 }, { up_to_slot: 3, price_per_slot: 1 }, { up_to_slot: 10, price_per_slot: 1 }] }, "price_tiers.1.up_to_slot"],
    ["price_tiers with a repeated bound", { price_tiers: [{ up_to_slot: 10, price_per_slot: 1 }, { up_to_slot: 10, price_per_slot: 2 }] }, "price_tiers.1.up_to_slot"],
    ["a tier price 0", { price_tiers: [{ up_to_slot: 10, price_per_slot: 0 }] }, "price_tiers.0.price_per_slot"],
    ["a tier price above 10^12", { price_tiers: [{ up_to_slot: 10, price_per_slot: 1_000_000_000_001 }] }, "price_tiers.0.price_per_slot"],
    ["a tier bound 0", { price_tiers: [{ up_to_slot: 0, price_per_slot: 1 }, { up_to_slot: 10, price_per_slot: 1 }] }, "price_tiers.0.up_to_slot"],
    ["a tier with an unknown field", { price_tiers: [{ up_to_slot: 10, price_per_slot: 1, label: "early" }] }, "price_tiers.0"],
    ["a tier missing its price", { price_tiers: [{ up_to_slot: 10 }] }, "price_tiers.0.price_per_slot"],
    ["21 tiers", { total_slots: 21, price_tiers: Array.from({ length: 21 }, (_, i) => ({ up_to_slot: i + 1, price_per_slot: 1 })) }, "price_tiers"],
  ])("rejects %s, naming the field", (_name, patch, path) => {
    expect(issuesOf({ ...create, ...patch })).toContain(path);
  });
});

describe("waiting list and organiser bodies", () => {
  test("campaign-join takes waitlist as a boolean only", () => {
    expect(ok(joinCampaignBody, { ...join, waitlist: true })).toBe(true);
    expect(ok(joinCampaignBody, { ...join, waitlist: false })).toBe(true);
    for (const bad of ["true", 1, null, {}]) expect(ok(joinCampaignBody, { ...join, waitlist: bad }), JSON.stringify(bad)).toBe(false);
  });

  test("waitlist-leave takes one entry id; my-waitlist the entry statuses, limit and cursor", () => {
    expect(ok(leaveWaitlistBody, { entry_id: uuid })).toBe(true);
    expect(ok(leaveWaitlistBody, { entry_id: "1" })).toBe(false);
    expect(ok(leaveWaitlistBody, { entry_id: uuid, campaign_id: uuid })).toBe(false);
    expect(myWaitlistQuery.parse({})).toEqual({ limit: 20 });
    for (const status of ["waiting", "offered", "left", "closed"]) expect(ok(myWaitlistQuery, { status }), status).toBe(true);
    for (const status of ["pending_payment", "WAITING", ""]) expect(ok(myWaitlistQuery, { status }), status).toBe(false);
  });

  test("campaign-cancel needs a reason of 1 to 500 characters, lines allowed", () => {
    expect(ok(cancelCampaignBody, { campaign_id: uuid, reason: "Pemasok batal\nDana dikembalikan" })).toBe(true);
    expect(ok(cancelCampaignBody, { campaign_id: uuid, reason: "r".repeat(500) })).toBe(true);
    for (const reason of ["", "  ", "r".repeat(501), "a\u0007b", 5, null, undefined]) {
      expect(ok(cancelCampaignBody, { campaign_id: uuid, reason }), JSON.stringify(reason)).toBe(false);
    }
  });

  test("campaign-extend needs a future deadline with a zone, at most a year and 30 days ahead", () => {
    expect(ok(extendCampaignBody, { campaign_id: uuid, deadline: inDays(10) })).toBe(true);
    expect(ok(extendCampaignBody, { campaign_id: uuid, deadline: inDays(390) })).toBe(true);
    for (const deadline of [inDays(-1), inDays(400), "2030-01-01T00:00:00", "besok", 1830000000, null]) {
      expect(ok(extendCampaignBody, { campaign_id: uuid, deadline }), JSON.stringify(deadline)).toBe(false);
    }
  });

  test("the answers: a waitlist entry, and campaign-join's 202 body", () => {
    const at = new Date().toISOString();
    const entry = {
      id: uuid, campaign_id: uuid, user_id: uuid, quantity: 2, shipping_address: "Jl. Melati", note: null, position: 1,
      status: "waiting", participation_id: null, created_at: at, updated_at: at,
    };
    expect(waitlistEntry.parse(entry)).toEqual(entry);
    expect(ok(waitlistEntry, { ...entry, status: "pending" })).toBe(false);
    const answer = { waitlist_entry: { id: uuid, campaign_id: uuid, quantity: 2, position: 3, status: "waiting", created_at: at } };
    expect(waitlisted.parse(answer)).toEqual(answer);
    expect(ok(waitlisted, { ...answer, replayed: false })).toBe(false);
  });
});

describe("campaign-join body and headers", () => {
  test("accepts a multi-line address, a note, and a null note", () => {
    expect(ok(joinCampaignBody, join)).toBe(true);
    expect(ok(joinCampaignBody, { ...join, note: "Tolong dibungkus rapi" })).toBe(true);
    expect(ok(joinCampaignBody, { ...join, note: null })).toBe(true);
  });

  test.each([
    ["quantity 0", { quantity: 0 }],
    ["quantity negative", { quantity: -3 }],
    ["quantity fractional", { quantity: 1.5 }],
    ["quantity huge", { quantity: 1e9 }],
    ["quantity a string", { quantity: "3" }],
    ["address empty", { shipping_address: "" }],
    ["address 501 characters", { shipping_address: "a".repeat(501) }],
    ["address with NUL", { shipping_address: "Jl.\u0000Melati" }],
    ["note 501 characters", { note: "n".repeat(501) }],
    ["user_id in the body", { user_id: uuid }],
  ])("rejects %s", (_name, patch) => {
    expect(ok(joinCampaignBody, { ...join, ...patch })).toBe(false);
  });

  test("Idempotency-Key is 1–255 printable characters", () => {
    expect(ok(joinCampaignHeaders, {})).toBe(true);
    expect(ok(joinCampaignHeaders, { "idempotency-key": "k".repeat(255) })).toBe(true);
    expect(ok(joinCampaignHeaders, { "idempotency-key": "k".repeat(256) })).toBe(false);
    expect(ok(joinCampaignHeaders, { "idempotency-key": "" })).toBe(false);
  });
});

describe("query strings", () => {
  test("limit defaults to 20 and is parsed strictly", () => {
    expect(listCampaignsQuery.parse({})).toEqual({ limit: 20 });
    expect(listCampaignsQuery.parse({ limit: "1" }).limit).toBe(1);
    expect(listCampaignsQuery.parse({ limit: "100" }).limit).toBe(100);
    for (const bad of ["0", "101", "1.5", "abc", "", "-1", "1e2", " 5", "0x10", "99999"]) {
      expect(ok(listCampaignsQuery, { limit: bad }), JSON.stringify(bad)).toBe(false);
    }
  });

  test("status filters are the documented enums", () => {
    expect(ok(listCampaignsQuery, { status: "locked" })).toBe(true);
    expect(ok(listCampaignsQuery, { status: "pending_payment" })).toBe(false);
    expect(ok(myParticipationsQuery, { status: "pending_payment" })).toBe(true);
    expect(ok(myParticipationsQuery, { status: "locked" })).toBe(false);
  });

  test("cursors are opaque base64url tokens; unknown parameters are refused", () => {
    expect(ok(listCampaignsQuery, { cursor: "WyIyMDI2Il0" })).toBe(true);
    expect(ok(listCampaignsQuery, { cursor: "a b" })).toBe(false);
    expect(ok(listCampaignsQuery, { cursor: "" })).toBe(false);
    expect(ok(listCampaignsQuery, { page: "2" })).toBe(false);
    expect(ok(getCampaignQuery, { id: uuid })).toBe(true);
    expect(ok(getCampaignQuery, { id: "nope" })).toBe(false);
    expect(ok(getCampaignQuery, {})).toBe(false);
  });
});

describe("other bodies", () => {
  test("participation-cancel: id and an optional reason up to 500", () => {
    expect(ok(cancelParticipationBody, { participation_id: uuid })).toBe(true);
    expect(ok(cancelParticipationBody, { participation_id: uuid, reason: "r".repeat(500) })).toBe(true);
    expect(ok(cancelParticipationBody, { participation_id: uuid, reason: "r".repeat(501) })).toBe(false);
  });

  test("product-sambatan-toggle: enabled must be a boolean; defaults are optional and bounded", () => {
    expect(ok(toggleProductBody, { product_id: uuid, enabled: true })).toBe(true);
    expect(ok(toggleProductBody, { product_id: uuid, enabled: "true" })).toBe(false);
    expect(ok(toggleProductBody, { product_id: uuid, enabled: false, total_slots: 20, price_per_slot: 5, deadline: inDays(5) })).toBe(true);
    expect(ok(toggleProductBody, { product_id: uuid, enabled: true, total_slots: 0 })).toBe(false);
  });
});
