// The operator console in headless Chromium (Debian's, driven by playwright-core) against
// the local stack on a fresh PostgreSQL database: sign in, create a campaign, watch a
// buyer's join from another client move its bar, mark a payment paid, pause and run a
// job and see its history row; the DOM and the database must agree. Screenshots of
// every page are written to .tmp/console-screenshots/.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { CHROMIUM } from "../../dev/pg-cluster.mjs";
import { exportConsole } from "../../dev/console-export.mjs";
import { consoleFiles } from "../../dev/console-files.mjs";
import { DEMO_USERS } from "../../dev/stack/keys.ts";
import * as schema from "../../shared/schemas.ts";
import { type PgStack, stackOnFreshDatabase } from "../e2e/harness.ts";
import { invoke, SEED_PRODUCTS } from "../e2e/stack.ts";
import * as statuses from "../../console/js/statuses.js";

const SHOTS = new URL("../../.tmp/console-screenshots/", import.meta.url).pathname;
const WAIT = { timeout: 30_000 };

let env: PgStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const title = `Kopi Gayo Batch ${randomUUID().slice(0, 6)}`;
let campaignId: string;
const fullTitle = `Teh Antre ${randomUUID().slice(0, 6)}`;
let fullId: string;

const consoleUrl = (hash = "") => `${env.stack.url}/console/${hash}`;
const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
async function go(hash: string, heading: string | RegExp) {
  await page.goto(consoleUrl(hash));
  await page.getByRole("heading", { level: 1, name: heading }).waitFor(WAIT);
  await page.locator("main:not([aria-busy])").waitFor(WAIT);
}
const statusLine = () => page.locator("#status");

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  env = await stackOnFreshDatabase({ env: { SAMBATAN_CONSOLE_POLL_MS: "500" } });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: "id-ID", timezoneId: "Europe/London" });
  page.on("pageerror", (err) => pageErrors.push(err.message));
  // Chromium logs every 4xx answer as a console error; the refused run now is one on purpose.
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && pageErrors.push(m.text()));
});

afterAll(async () => {
  // Kept beside the screenshots: what the stack said while the browser drove it.
  if (env) writeFileSync(join(SHOTS, "stack.log"), `${env.stack.logs.join("\n")}\n`);
  await browser?.close();
  await env?.stop();
});

describe("operator console", () => {
  test("the sign-in page offers the local development sign-in, says it is local only, and signs a manager in", async () => {
    await go("", "Masuk sebagai pengelola");
    await expect(page.locator("#dev-note").textContent()).resolves.toContain("Hanya untuk stack lokal");
    expect(await page.locator("#nav").isHidden()).toBe(true);
    await shot("01-sign-in");
    await page.getByRole("button", { name: "Masuk sebagai pengelola demo (lokal)" }).click();
    await page.getByRole("heading", { level: 1, name: "Ringkasan" }).waitFor(WAIT);
    await expect(page.locator("#who").textContent()).resolves.toContain(DEMO_USERS.manager.email);
    // Landmarks: one banner, one labelled navigation, one main; the language is Indonesian.
    expect(await page.locator("header[role=banner], nav[aria-label='Navigasi utama'], main#main").count()).toBe(3);
    expect(await page.locator("html").getAttribute("lang")).toBe("id");
    await page.locator("#amount-pending dd").waitFor(WAIT);
    expect(await page.locator("#amount-pending dd").textContent()).toMatch(/^Rp\s?0$/);
    await shot("02-dashboard");
  });

  test("a manager creates a campaign from the form; the row is in the database as theirs", async () => {
    await go("#/campaigns", "Kampanye");
    const form = page.locator("#create-campaign");
    await form.getByLabel("Produk (ID)").fill(SEED_PRODUCTS.kopiGayo);
    await form.getByLabel("Judul").fill(title);
    await form.getByLabel("Jumlah slot").fill("5");
    await form.getByLabel("Harga per slot (Rp)").fill("125000");
    await form.getByLabel("Batas bayar (menit, opsional)").fill("30");
    await form.getByRole("button", { name: "Buat kampanye" }).click();
    await page.getByRole("heading", { level: 1, name: title }).waitFor(WAIT);
    campaignId = decodeURIComponent(new URL(page.url()).hash.split("/")[2]);
    const [row] = await env.db.sql`select title, total_slots, filled_slots, price_per_slot, created_by, payment_window_minutes, deadline
                                      from public.sambatan_campaigns where id = ${campaignId}`;
    expect(row).toMatchObject({ title, total_slots: 5, filled_slots: 0, created_by: DEMO_USERS.manager.sub, payment_window_minutes: 30 });
    expect(Number(row.price_per_slot)).toBe(125000);
    // The form's default deadline is a week ahead, read as WIB wall time.
    expect(new Date(row.deadline).getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect(await page.locator("#campaign-facts").textContent()).toContain("Rp 125.000".replace(" ", "\u00a0"));
  });

  test("a buyer's join from another client moves the campaign's bar without a reload, and is announced", async () => {
    await go("#/campaigns", "Kampanye");
    const bar = page.locator(`.progress[data-campaign-id="${campaignId}"]`);
    await bar.waitFor(WAIT);
    expect(await bar.locator("progress").getAttribute("aria-label")).toBe(`${title}: 0 dari 5 slot terisi`);
    expect(await bar.getAttribute("data-filled")).toBe("0");

    const buyer = env.stack.client(await env.stack.token(randomUUID()));
    const joined = await invoke(buyer, "campaign-join", { body: { campaign_id: campaignId, quantity: 2, shipping_address: "Jl. Kenanga No. 3\nBandung" } });
    expect(joined.status).toBe(201);

    await page.locator(`.progress[data-campaign-id="${campaignId}"][data-filled="2"]`).waitFor(WAIT);
    expect(await bar.locator("progress").evaluate((p: HTMLProgressElement) => [p.value, p.max])).toEqual([2, 5]);
    expect(await bar.locator("span").textContent()).toBe("2 dari 5 slot (40%)");
    await expect.poll(() => statusLine().textContent(), WAIT).toContain(`${title}: 2 dari 5 slot terisi`);
    const [row] = await env.db.sql`select filled_slots from public.sambatan_campaigns where id = ${campaignId}`;
    expect(row.filled_slots).toBe(2);
    await shot("03-campaigns");
  });

  test("the campaign page lists the participant with payment due in WIB; marking it paid is recorded and audited", async () => {
    await go(`#/campaigns/${campaignId}`, title);
    const table = page.locator("#participants-table");
    await table.getByText("Menunggu bayar").waitFor(WAIT);
    const [p] = await env.db.sql`select id, payment_due_at from public.sambatan_participants where campaign_id = ${campaignId}`;
    const due = new Intl.DateTimeFormat("id-ID", { timeZone: "Asia/Jakarta", hour: "2-digit", minute: "2-digit", hour12: false }).format(p.payment_due_at);
    expect(await table.textContent()).toContain(`${due}`);
    expect(await table.textContent()).toContain("WIB");
    expect(await table.textContent()).toContain("Rp\u00a0250.000");
    expect(await page.locator("#waitlist-title").count()).toBe(1);
    await shot("04-campaign");

    await table.getByRole("button", { name: /^Tandai lunas/ }).click();
    const dialog = page.getByRole("dialog", { name: "Tandai lunas" });
    await dialog.getByLabel("Referensi (no. transfer, kuitansi)").fill("TRF-BCA-7781");
    await dialog.getByRole("button", { name: "Tandai lunas" }).click();
    await table.locator(".badge.paid", { hasText: "Lunas" }).waitFor(WAIT);
    const [paid] = await env.db.sql`select status, payment_provider, payment_reference from public.sambatan_participants where id = ${p.id}`;
    expect(paid).toEqual({ status: "paid", payment_provider: "manual", payment_reference: "TRF-BCA-7781" });
    await page.locator("#audit-table").getByText("paid", { exact: true }).waitFor(WAIT);
    const events = (await env.db.sql`select event from public.sambatan_audit_logs where campaign_id = ${campaignId}`).map((r) => r.event as string);
    for (const e of events) expect(await page.locator("#audit-table").textContent()).toContain(e);
    await shot("05-campaign-paid");
  });

  test("the payments page shows what is owed and the refunds ledger", async () => {
    const other = env.stack.client(await env.stack.token(randomUUID()));
    const owed = await invoke(other, "campaign-join", { body: { campaign_id: campaignId, quantity: 1, shipping_address: "Jl. Mawar 9, Surabaya" } });
    expect(owed.status).toBe(201);
    await go("#/payments", "Pembayaran");
    await page.locator("#pending-table").getByText("Rp\u00a0125.000").waitFor(WAIT);
    expect(await page.locator("#refunds-table caption").textContent()).toBe("Pengembalian dana");
    await shot("06-payments");
  });

  test("a full campaign's waiting list shows the buyer who joined it with waitlist, in queue order", async () => {
    const manager = env.stack.client(await env.stack.token(randomUUID(), ["sambatan.manage"]));
    const created = await invoke(manager, "campaigns-create", { body: { product_id: SEED_PRODUCTS.kopiGayo, title: fullTitle, total_slots: 1, price_per_slot: 20000, deadline: new Date(Date.now() + 3 * 86_400_000).toISOString() } });
    expect(created.status).toBe(201);
    fullId = (created.body as { id: string }).id;
    expect((await invoke(env.stack.client(await env.stack.token(randomUUID())), "campaign-join", { body: { campaign_id: fullId, quantity: 1, shipping_address: "Jl. Dahlia 1, Medan" } })).status).toBe(201);
    const waiter = randomUUID();
    const waited = await invoke(env.stack.client(await env.stack.token(waiter)), "campaign-join", { body: { campaign_id: fullId, quantity: 1, shipping_address: "Jl. Dahlia 2, Medan", waitlist: true } });
    expect(waited.status).toBe(202);
    await go(`#/campaigns/${fullId}`, fullTitle);
    const row = page.locator("#waitlist-table tbody tr").first();
    await row.getByText("Menunggu").waitFor(WAIT);
    expect(await row.locator("th").textContent()).toBe("1");
    expect(await row.locator("code").getAttribute("title")).toBe(waiter);
    const [entry] = await env.db.sql`select user_id, status from public.sambatan_waitlist_entries where campaign_id = ${fullId}`;
    expect(entry).toEqual({ user_id: waiter, status: "waiting" });
    await shot("06b-campaign-waitlist");
  });

  test("a manager extends and then cancels a campaign from its page; the database records both", async () => {
    await go(`#/campaigns/${fullId}`, fullTitle);
    const [before] = await env.db.sql`select deadline from public.sambatan_campaigns where id = ${fullId}`;
    const later = new Date(new Date(before.deadline).getTime() + 7 * 3600_000 + 86_400_000).toISOString().slice(0, 16);
    await page.getByRole("button", { name: "Perpanjang tenggat" }).click();
    const extend = page.getByRole("dialog", { name: "Perpanjang tenggat" });
    await extend.getByLabel("Tenggat baru (WIB)").fill(later);
    await extend.getByRole("button", { name: "Perpanjang tenggat" }).click();
    await expect.poll(() => statusLine().textContent(), WAIT).toBe("Tenggat diperpanjang.");
    const [extended] = await env.db.sql`select deadline, extended_at from public.sambatan_campaigns where id = ${fullId}`;
    expect(extended.extended_at).not.toBeNull();
    expect(new Date(extended.deadline).getTime()).toBe(new Date(`${later}:00+07:00`).getTime());

    await page.getByRole("heading", { level: 1, name: fullTitle }).waitFor(WAIT);
    await page.getByRole("button", { name: "Batalkan kampanye" }).click();
    const cancel = page.getByRole("dialog", { name: "Batalkan kampanye" });
    await cancel.getByLabel("Alasan").fill("Pemasok batal kirim");
    await cancel.getByRole("button", { name: "Batalkan kampanye" }).click();
    await expect.poll(async () => (await env.db.sql`select status from public.sambatan_campaigns where id = ${fullId}`)[0].status, WAIT).toBe("cancelled");
    expect((await env.db.sql`select cancel_reason from public.sambatan_campaigns where id = ${fullId}`)[0].cancel_reason).toBe("Pemasok batal kirim");
    await page.locator("#campaign-facts .badge.cancelled").waitFor(WAIT);
    // Closed: the buttons are gone, and the waiting list shows the entry closed.
    expect(await page.getByRole("button", { name: "Batalkan kampanye" }).count()).toBe(0);
    await page.locator("#waitlist-table").getByText("Ditutup").waitFor(WAIT);
    await shot("06c-campaign-cancelled");
  });

  test("a webhook endpoint made on the page shows its secret once; a join's delivery is listed and redelivered", async () => {
    await go("#/webhooks", "Webhook");
    const form = page.locator("#create-webhook");
    await form.getByLabel("URL").fill("http://127.0.0.1:9/hooks");
    await form.getByLabel("Keterangan (opsional)").fill("Gudang");
    await form.getByRole("button", { name: "Tambah endpoint" }).click();
    const secret = await page.locator("#webhook-secret").textContent();
    expect(secret).toMatch(/^whsec_/);
    const [ep] = await env.db.sql`select id, url, description, event_types, active from public.webhook_endpoints where url = 'http://127.0.0.1:9/hooks'`;
    expect(ep).toMatchObject({ description: "Gudang", active: true });
    expect(ep.event_types).toContain("participation.joined");
    // The secret is in the database's private store, never in the endpoint's row or list.
    expect(JSON.stringify(ep)).not.toContain(secret);
    await page.locator("#endpoints-table").getByText("http://127.0.0.1:9/hooks").waitFor(WAIT);
    expect(await page.locator("#endpoints-table").textContent()).not.toContain(secret!);

    const buyer = env.stack.client(await env.stack.token(randomUUID()));
    expect((await invoke(buyer, "campaign-join", { body: { campaign_id: campaignId, quantity: 1, shipping_address: "Jl. Anggrek 4, Depok" } })).status).toBe(201);
    const [delivery] = await env.db.sql`select id from public.webhook_deliveries where endpoint_id = ${ep.id} order by id desc limit 1`;
    expect(delivery).toBeDefined();
    await page.reload();
    await page.locator("main:not([aria-busy])").waitFor(WAIT);
    // Once shown, the secret is not offered again.
    expect(await page.locator("#webhook-secret").count()).toBe(0);
    const deliveries = page.locator("#deliveries-table");
    await deliveries.getByText("participation.joined").first().waitFor(WAIT);
    await page.locator("select[name=event_type]").selectOption("participation.joined");
    await page.getByRole("search", { name: /Pengiriman/ }).getByRole("button", { name: "Saring" }).click();
    await deliveries.getByRole("button", { name: `Kirim ulang #${delivery.id}` }).click();
    await expect.poll(() => statusLine().textContent(), WAIT).toMatch(/pengiriman dijadwalkan ulang/);
    await shot("06d-webhooks");
  });

  test("pausing a job refuses run now (JOB_PAUSED); resumed, run now adds a manual execution to the history and its chart", async () => {
    const job = schema.LIFECYCLE_JOB;
    await go("#/scheduler", "Penjadwal");
    await page.getByRole("button", { name: `Jeda ${job}` }).click();
    await page.getByRole("button", { name: `Lanjutkan ${job}` }).waitFor(WAIT);
    expect((await env.db.sql`select enabled from sambatan_jobs.scheduled_jobs where name = ${job}`)[0].enabled).toBe(false);
    await expect.poll(() => statusLine().textContent(), WAIT).toBe(`Tugas ${job} dijeda.`);

    await page.getByRole("button", { name: `Jalankan sekarang ${job}` }).click();
    await page.getByRole("alert").getByText("JOB_PAUSED").waitFor(WAIT);
    const before = await env.db.sql`select count(*)::int as n from sambatan_jobs.job_executions where job = ${job}`;
    await page.getByRole("button", { name: `Lanjutkan ${job}` }).click();
    await page.getByRole("button", { name: `Jeda ${job}` }).waitFor(WAIT);
    expect((await env.db.sql`select enabled from sambatan_jobs.scheduled_jobs where name = ${job}`)[0].enabled).toBe(true);

    await page.getByRole("button", { name: `Jalankan sekarang ${job}` }).click();
    await expect.poll(() => statusLine().textContent(), WAIT).toBe(`Tugas ${job} dijalankan: Berhasil.`);
    const [run] = await env.db.sql`select id, status, triggered_by from sambatan_jobs.job_executions where job = ${job} order by id desc limit 1`;
    expect(run).toMatchObject({ status: "succeeded", triggered_by: "manual" });
    expect((await env.db.sql`select count(*)::int as n from sambatan_jobs.job_executions where job = ${job}`)[0].n).toBe(before[0].n + 1);
    const historyRow = page.locator("#history-table tbody tr").first();
    await historyRow.waitFor(WAIT);
    expect(await historyRow.locator("th").textContent()).toBe(String(run.id));
    expect(await historyRow.textContent()).toContain("Manual");
    expect(await page.locator(`#history-chart rect[data-execution-id="${run.id}"]`).getAttribute("data-status")).toBe("succeeded");
    expect(await page.locator("#history-chart").getAttribute("role")).toBe("img");
    await shot("07-scheduler");
  });

  test("a job setting changed on the scheduler page is stored; dead executions are listed with requeue", async () => {
    const job = schema.LIFECYCLE_JOB;
    await go("#/scheduler", "Penjadwal");
    const form = page.locator("#settings-form");
    await form.getByLabel("Tugas").selectOption(job);
    await form.getByLabel("Riwayat yang disimpan").selectOption("errors_only");
    await form.getByLabel("Percobaan maksimal").fill("4");
    await form.getByRole("button", { name: "Simpan pengaturan" }).click();
    await expect.poll(() => statusLine().textContent(), WAIT).toBe(`Pengaturan tugas ${job} disimpan.`);
    const [row] = await env.db.sql`select history, max_attempts from sambatan_jobs.scheduled_jobs where name = ${job}`;
    expect(row).toEqual({ history: "errors_only", max_attempts: 4 });
    expect(await page.locator("#settings-form select[name=history]").inputValue()).toBe("errors_only");
    expect(await page.locator("#dead-table caption").textContent()).toBe("Eksekusi mati");
    await shot("07b-scheduler-settings");
    // Back to what the later runs expect.
    await form.getByLabel("Riwayat yang disimpan").selectOption("all");
    await form.getByRole("button", { name: "Simpan pengaturan" }).click();
    await expect.poll(async () => (await env.db.sql`select history from sambatan_jobs.scheduled_jobs where name = ${job}`)[0].history, WAIT).toBe("all");
  });

  test("the English switch translates the pages; money stays id-ID rupiah and times WIB", async () => {
    await go("#/dashboard", "Ringkasan");
    await page.getByLabel("Bahasa").selectOption("en");
    await page.getByRole("heading", { level: 1, name: "Dashboard" }).waitFor(WAIT);
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    expect(await page.locator("#amount-paid dd").textContent()).toBe("Rp\u00a0250.000");
    await go("#/scheduler", "Scheduler");
    expect(await page.locator("#jobs-table").textContent()).toContain("WIB");
    await shot("08-scheduler-en");
    await page.getByLabel("Language").selectOption("id");
    await page.getByRole("heading", { level: 1, name: "Penjadwal" }).waitFor(WAIT);
  });

  test("every form control has a label, the skip link reaches main by keyboard, and every page fits a phone", async () => {
    for (const [hash, heading] of [["#/dashboard", "Ringkasan"], ["#/campaigns", "Kampanye"], [`#/campaigns/${campaignId}`, title], ["#/payments", "Pembayaran"], ["#/webhooks", "Webhook"], ["#/scheduler", "Penjadwal"]] as const) {
      await go(hash, heading);
      const unlabelled = await page.locator("input, select, textarea").evaluateAll((els) =>
        els.filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute("aria-label")).map((el) => el.outerHTML));
      expect(unlabelled, hash).toEqual([]);
      // Every button says what it does.
      const nameless = await page.locator("button").evaluateAll((els) => els.filter((b) => !(b.textContent ?? "").trim() && !b.getAttribute("aria-label")).length);
      expect(nameless, hash).toBe(0);
    }
    await page.reload();
    await page.locator("body[data-ready]").waitFor(WAIT);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.className)).toBe("skip");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
    expect(new URL(page.url()).hash).toBe("#/scheduler");

    await page.setViewportSize({ width: 390, height: 844 });
    for (const [hash, heading, name] of [["#/campaigns", "Kampanye", "09-phone-campaigns"], [`#/campaigns/${campaignId}`, title, "10-phone-campaign"], ["#/webhooks", "Webhook", "12-phone-webhooks"], ["#/scheduler", "Penjadwal", "11-phone-scheduler"]] as const) {
      await go(hash, heading);
      // Nothing wider than the screen: no sideways scrolling of the page itself.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), hash).toBe(true);
      await shot(name);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(pageErrors).toEqual([]);
  });
});

describe("console files", () => {
  test("the enumerations the console filters by are the API's", () => {
    expect(statuses.CAMPAIGN_STATUSES).toEqual([...schema.CAMPAIGN_STATUSES]);
    expect(statuses.PARTICIPATION_STATUSES).toEqual([...schema.PARTICIPATION_STATUSES]);
    expect(statuses.REFUND_STATUSES).toEqual([...schema.REFUND_STATUSES]);
    expect(statuses.EXECUTION_STATUSES).toEqual([...schema.EXECUTION_STATUSES]);
    expect(statuses.WAITLIST_STATUSES).toEqual([...schema.WAITLIST_STATUSES]);
    expect(statuses.WEBHOOK_DELIVERY_STATUSES).toEqual([...schema.WEBHOOK_DELIVERY_STATUSES]);
    expect(statuses.NOTIFICATION_EVENT_TYPES).toEqual([...schema.NOTIFICATION_EVENT_TYPES]);
  });

  test("the stack serves only console/ files at /console, and offers the development sign-in by POST only", async () => {
    for (const path of ["../supabase/signing_keys.json", "%2e%2e/README.md", "js/../../package.json", "nope.js"]) {
      expect((await fetch(`${env.stack.url}/console/${path}`)).status, path).toBe(404);
    }
    expect((await fetch(`${env.stack.url}/console/dev-sign-in`)).status).toBe(405);
    const page = await fetch(`${env.stack.url}/console/`);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(await fetch(`${env.stack.url}/console/config.json`).then((r) => r.json())).toMatchObject({ realtime: false, devSignIn: true, pollMs: 500 });
  });

  test("the export writes static files for a host: Realtime on, no development sign-in, supabase-js as an ES module", () => {
    const out = mkdtempSync(join(tmpdir(), "console-export-"));
    try {
      const files = exportConsole(out, { supabaseUrl: "https://abcd.supabase.co/", publishableKey: "sb_publishable_x" });
      expect(files).toEqual([...consoleFiles(), "config.json", "vendor/supabase.js"].sort());
      expect(JSON.parse(readFileSync(join(out, "config.json"), "utf8"))).toEqual({ supabaseUrl: "https://abcd.supabase.co", publishableKey: "sb_publishable_x", realtime: true, devSignIn: false, pollMs: 5000 });
      expect(readFileSync(join(out, "vendor/supabase.js"), "utf8")).toMatch(/export const createClient = supabase\.createClient;/);
      expect(() => exportConsole(out, { supabaseUrl: "abcd", publishableKey: "k" })).toThrow(/SUPABASE_URL/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
