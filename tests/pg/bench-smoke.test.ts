// The benchmark still works: `node bench/run.mjs --smoke` against the pg tier's
// cluster (in a database of its own, dropped afterwards) produces numbers for every
// benchmark and sells no slot twice. It asserts nothing about speed: benchmarks are
// never timed tests, and bench/RESULTS.md is left alone.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { databaseUrl } from "../helpers/pg.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));

function runSmoke(out: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bench/run.mjs", "--smoke", `--url=${databaseUrl()}`, `--out=${out}`], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

test("the benchmark smoke run produces every figure and no oversell", async () => {
  const results = path.join(root, "bench", "RESULTS.md");
  const before = fs.existsSync(results) ? fs.readFileSync(results, "utf8") : null;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-smoke-"));
  const out = path.join(dir, "smoke.json");
  try {
    const { code, output } = await runSmoke(out);
    expect(code, output).toBe(0);
    const r = JSON.parse(fs.readFileSync(out, "utf8"));
    expect(r.problems).toEqual([]);

    for (const c of r.join.byClients) {
      for (const kind of ["physical", "wrapped", "join", "legacy"]) {
        expect(c[kind].tps).toBeGreaterThan(0);
        // CPU per transaction, read from /proc: the server's part and the whole machine's.
        expect(c[kind].serverUsPerTx).toBeGreaterThan(0);
        expect(c[kind].machineUsPerTx).toBeGreaterThan(0);
        expect(c[kind].machineBusyShare).toBeGreaterThan(0);
        expect(c[kind].machineBusyShare).toBeLessThanOrEqual(1);
      }
      expect(c.check.ok).toBe(true);
      expect(c.check.filled_slots).toBeLessThanOrEqual(c.check.total_slots);
      expect(c.check.participants).toBe(c.check.acknowledged);
    }
    expect(r.http.join.okPerSecond).toBeGreaterThan(0);
    expect(r.http.list.okPerSecond).toBeGreaterThan(0);
    expect(r.http.joinCheck.ok).toBe(true);
    expect(r.http.webhook.okPerSecond).toBeGreaterThan(0);
    // Every acknowledged settlement paid its reservation exactly once.
    expect(r.http.webhookPaid.paid).toBe(r.http.webhookPaid.acknowledged);
    expect(r.http.webhook.errors).toBe(0);
    for (const s of r.lifecycle.scales) {
      expect(s.alone.check.ok && s.crowded.check.ok).toBe(true);
      expect(s.crowded.msPerCampaign).toBeGreaterThan(0);
    }
    for (const s of r.list.sizes) expect(s.deep.p99).toBeGreaterThan(0);
    expect(r.start.coldMs).toBeGreaterThan(0);
    expect(r.start.warmMs).toBeGreaterThan(0);

    const after = fs.existsSync(results) ? fs.readFileSync(results, "utf8") : null;
    expect(after).toBe(before);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 300_000);
