import { describe, expect, test } from "vitest";
import {
  cancelParticipationBody,
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
