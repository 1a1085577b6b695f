// Words and formats: Indonesian by default, English on request; times always in WIB
// (Asia/Jakarta) and money in whole rupiah, whatever the browser's own settings.

const STRINGS = {
  id: {
    appName: "Konsol Sambatan",
    skip: "Lewati ke isi utama",
    nav: "Navigasi utama",
    dashboard: "Ringkasan",
    campaigns: "Kampanye",
    payments: "Pembayaran",
    scheduler: "Penjadwal",
    webhooks: "Webhook",
    language: "Bahasa",
    signOut: "Keluar",
    signIn: "Masuk",
    signInTitle: "Masuk sebagai pengelola",
    email: "Email",
    password: "Kata sandi",
    signInPassword: "Masuk dengan kata sandi",
    magicLink: "Kirim tautan masuk",
    magicSent: "Tautan masuk telah dikirim ke {email}.",
    orMagic: "Atau masuk tanpa kata sandi",
    devSignIn: "Masuk pengembangan",
    devSignInNote: "Hanya untuk stack lokal: mencetak token pengelola demo dengan kunci penandatangan pengembangan. Tidak pernah tersedia di Supabase.",
    devSignInButton: "Masuk sebagai pengelola demo (lokal)",
    emailNeedsSupabase: "Masuk dengan email memakai Supabase Auth dan tidak tersedia di stack lokal.",
    notManager: "Akun ini tidak memiliki izin pengelola (sambatan.manage).",
    signedInAs: "Masuk sebagai {email}",
    loading: "Memuat…",
    refresh: "Muat ulang",
    loadMore: "Muat lebih banyak",
    none: "Tidak ada data.",
    error: "Terjadi kesalahan",
    saved: "Tersimpan.",
    cancel: "Batal",
    close: "Tutup",
    save: "Simpan",
    actions: "Tindakan",
    status: "Status",
    all: "Semua",
    filter: "Saring",
    product: "Produk (ID)",
    title: "Judul",
    totalSlots: "Jumlah slot",
    pricePerSlot: "Harga per slot (Rp)",
    deadline: "Tenggat (WIB)",
    paymentWindow: "Batas bayar (menit, opsional)",
    createCampaign: "Buat kampanye",
    created: "Kampanye \"{title}\" dibuat.",
    progress: "Progres",
    slots: "{filled} dari {total} slot",
    campaignProgress: "{title}: {filled} dari {total} slot terisi",
    open: "Buka",
    liveNote: "Progres diperbarui otomatis ({how}).",
    liveRealtime: "Realtime",
    livePolling: "setiap {seconds} detik",
    campaign: "Kampanye",
    participants: "Peserta",
    waitlist: "Daftar tunggu",
    audit: "Jejak audit",
    notAvailable: "Belum tersedia di server ini (endpoint {slug} tidak ada).",
    buyer: "Pembeli",
    quantity: "Jumlah",
    amount: "Nominal",
    dueAt: "Jatuh tempo bayar",
    paidAt: "Dibayar",
    joinedAt: "Bergabung",
    markPaid: "Tandai lunas",
    reference: "Referensi (no. transfer, kuitansi)",
    cancelParticipation: "Batalkan peserta",
    reason: "Alasan",
    cancelCampaign: "Batalkan kampanye",
    extendCampaign: "Perpanjang tenggat",
    newDeadline: "Tenggat baru (WIB)",
    event: "Peristiwa",
    actor: "Pelaku",
    time: "Waktu",
    details: "Rincian",
    pendingPayments: "Menunggu pembayaran",
    refunds: "Pengembalian dana",
    completeRefund: "Selesaikan pengembalian",
    refundSucceeded: "Berhasil dibayar",
    refundFailed: "Gagal",
    refundReason: "Sebab",
    outcome: "Hasil",
    jobs: "Tugas terjadwal",
    job: "Tugas",
    schedule: "Jadwal",
    nextRuns: "Jalan berikutnya",
    lastRun: "Terakhir jalan",
    enabled: "Aktif",
    paused: "Dijeda",
    running: "Sedang berjalan",
    pause: "Jeda",
    resume: "Lanjutkan",
    runNow: "Jalankan sekarang",
    history: "Riwayat eksekusi",
    chartTitle: "Durasi dan kegagalan {count} eksekusi terakhir",
    chartSummary: "{count} eksekusi, {failed} gagal, durasi terlama {max}",
    duration: "Durasi",
    trigger: "Pemicu",
    attempt: "Percobaan",
    message: "Pesan",
    started: "Mulai",
    triggered: "Tugas {job} dijalankan: {status}.",
    pausedDone: "Tugas {job} dijeda.",
    resumedDone: "Tugas {job} dilanjutkan.",
    paidDone: "Pembayaran dicatat lunas.",
    refundDone: "Pengembalian dana dicatat.",
    cancelledDone: "Dibatalkan.",
    extendedDone: "Tenggat diperpanjang.",
    campaignsByStatus: "Kampanye per status",
    fillRate: "Tingkat keterisian (aktif + terkunci)",
    closingSoon: "Tenggat dalam 24 jam",
    amounts: "Nominal",
    generatedAt: "Dihitung {time}",
    total: "Total",
    deliveries: "Pengiriman",
    redeliver: "Kirim ulang",
    settings: "Pengaturan tugas",
    st: {
      active: "Aktif", locked: "Terkunci", fulfilled: "Terpenuhi", expired: "Kedaluwarsa", cancelled: "Dibatalkan",
      pending_payment: "Menunggu bayar", paid: "Lunas", confirmed: "Terkonfirmasi", refunded: "Dikembalikan",
      pending: "Tertunda", succeeded: "Berhasil", failed: "Gagal", running: "Berjalan", skipped: "Dilewati", dead: "Mati (perlu diulang)",
      cron: "Cron", manual: "Manual", retry: "Ulang", refunds_pending: "Pengembalian tertunda", total: "Total",
    },
  },
  en: {
    appName: "Sambatan console",
    skip: "Skip to main content",
    nav: "Main navigation",
    dashboard: "Dashboard",
    campaigns: "Campaigns",
    payments: "Payments",
    scheduler: "Scheduler",
    webhooks: "Webhooks",
    language: "Language",
    signOut: "Sign out",
    signIn: "Sign in",
    signInTitle: "Sign in as a manager",
    email: "Email",
    password: "Password",
    signInPassword: "Sign in with password",
    magicLink: "Send a sign-in link",
    magicSent: "A sign-in link was sent to {email}.",
    orMagic: "Or sign in without a password",
    devSignIn: "Development sign-in",
    devSignInNote: "Local stack only: mints a demo manager's token with the development signing key. Never offered on Supabase.",
    devSignInButton: "Sign in as the demo manager (local)",
    emailNeedsSupabase: "Email sign-in uses Supabase Auth and is not offered by the local stack.",
    notManager: "This account lacks the manager permission (sambatan.manage).",
    signedInAs: "Signed in as {email}",
    loading: "Loading…",
    refresh: "Reload",
    loadMore: "Load more",
    none: "Nothing here.",
    error: "Something went wrong",
    saved: "Saved.",
    cancel: "Cancel",
    close: "Close",
    save: "Save",
    actions: "Actions",
    status: "Status",
    all: "All",
    filter: "Filter",
    product: "Product (ID)",
    title: "Title",
    totalSlots: "Slots",
    pricePerSlot: "Price per slot (Rp)",
    deadline: "Deadline (WIB)",
    paymentWindow: "Payment window (minutes, optional)",
    createCampaign: "Create campaign",
    created: "Campaign \"{title}\" created.",
    progress: "Progress",
    slots: "{filled} of {total} slots",
    campaignProgress: "{title}: {filled} of {total} slots filled",
    open: "Open",
    liveNote: "Progress updates by itself ({how}).",
    liveRealtime: "Realtime",
    livePolling: "every {seconds} seconds",
    campaign: "Campaign",
    participants: "Participants",
    waitlist: "Waiting list",
    audit: "Audit trail",
    notAvailable: "Not offered by this server yet (no {slug} endpoint).",
    buyer: "Buyer",
    quantity: "Quantity",
    amount: "Amount",
    dueAt: "Payment due",
    paidAt: "Paid",
    joinedAt: "Joined",
    markPaid: "Mark paid",
    reference: "Reference (transfer no., receipt)",
    cancelParticipation: "Cancel participant",
    reason: "Reason",
    cancelCampaign: "Cancel campaign",
    extendCampaign: "Extend deadline",
    newDeadline: "New deadline (WIB)",
    event: "Event",
    actor: "Actor",
    time: "Time",
    details: "Details",
    pendingPayments: "Awaiting payment",
    refunds: "Refunds",
    completeRefund: "Complete refund",
    refundSucceeded: "Paid out",
    refundFailed: "Failed",
    refundReason: "Reason",
    outcome: "Outcome",
    jobs: "Scheduled jobs",
    job: "Job",
    schedule: "Schedule",
    nextRuns: "Next runs",
    lastRun: "Last run",
    enabled: "Enabled",
    paused: "Paused",
    running: "Running",
    pause: "Pause",
    resume: "Resume",
    runNow: "Run now",
    history: "Execution history",
    chartTitle: "Duration and failures of the last {count} executions",
    chartSummary: "{count} executions, {failed} failed, longest {max}",
    duration: "Duration",
    trigger: "Trigger",
    attempt: "Attempt",
    message: "Message",
    started: "Started",
    triggered: "Job {job} ran: {status}.",
    pausedDone: "Job {job} paused.",
    resumedDone: "Job {job} resumed.",
    paidDone: "Payment recorded as paid.",
    refundDone: "Refund recorded.",
    cancelledDone: "Cancelled.",
    extendedDone: "Deadline extended.",
    campaignsByStatus: "Campaigns by status",
    fillRate: "Fill rate (active + locked)",
    closingSoon: "Deadlines within 24 h",
    amounts: "Amounts",
    generatedAt: "Computed {time}",
    total: "Total",
    deliveries: "Deliveries",
    redeliver: "Redeliver",
    settings: "Job settings",
    st: {
      active: "Active", locked: "Locked", fulfilled: "Fulfilled", expired: "Expired", cancelled: "Cancelled",
      pending_payment: "Awaiting payment", paid: "Paid", confirmed: "Confirmed", refunded: "Refunded",
      pending: "Pending", succeeded: "Succeeded", failed: "Failed", running: "Running", skipped: "Skipped", dead: "Dead (needs a requeue)",
      cron: "Cron", manual: "Manual", retry: "Retry", refunds_pending: "Refunds owed", total: "Total",
    },
  },
};

export const LANGS = ["id", "en"];
const KEY = "sambatan.console.lang";
let lang = LANGS.includes(localStorage.getItem(KEY)) ? localStorage.getItem(KEY) : "id";

export const currentLang = () => lang;
export function setLang(next) {
  lang = LANGS.includes(next) ? next : "id";
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang;
}
document.documentElement.lang = lang;

/** The phrase `key` in the current language, with {name} placeholders filled in. */
export function t(key, vars = {}) {
  const phrase = key.split(".").reduce((o, k) => o?.[k], STRINGS[lang]) ?? key.split(".").reduce((o, k) => o?.[k], STRINGS.id) ?? key;
  return String(phrase).replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}
export const statusLabel = (status) => t(`st.${status}`) === `st.${status}` ? status : t(`st.${status}`);

export const TIME_ZONE = "Asia/Jakarta";
// Formats are always id-ID for money (the rupiah's own), the chosen language for words.
const rupiahFormat = new Intl.NumberFormat("id-ID", { style: "currency", currency: "IDR", maximumFractionDigits: 0, minimumFractionDigits: 0 });
const numberFormat = new Intl.NumberFormat("id-ID", { maximumFractionDigits: 0 });

/** Whole rupiah (the API's integers), as "Rp 1.250.000". */
export const rupiah = (amount) => (amount === null || amount === undefined ? "—" : rupiahFormat.format(amount));
export const number = (n) => numberFormat.format(n);
export const percent = (fraction) => `${new Intl.NumberFormat("id-ID", { maximumFractionDigits: 1 }).format(fraction * 100)}%`;

/** An ISO instant in WIB, "3 Des 2026 14.05 WIB" (the API's instants are UTC). */
export function wib(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  const text = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", {
    timeZone: TIME_ZONE, day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  }).format(d);
  return `${text} WIB`;
}

/** Milliseconds as "850 ms" or "2,4 s". */
export function duration(ms) {
  if (ms === null || ms === undefined) return "—";
  return ms < 1000 ? `${numberFormat.format(ms)} ms` : `${new Intl.NumberFormat("id-ID", { maximumFractionDigits: 1 }).format(ms / 1000)} s`;
}

/** A `datetime-local` value (wall time in WIB, which has no daylight saving: UTC+7) as ISO with its offset. */
export function wibInputToIso(value) {
  return value ? `${value.length === 16 ? `${value}:00` : value}+07:00` : null;
}
/** An instant as a `datetime-local` value in WIB. */
export function isoToWibInput(iso) {
  const d = new Date(new Date(iso).getTime() + 7 * 3600_000);
  return d.toISOString().slice(0, 16);
}
