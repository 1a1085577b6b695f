// `npm start` starts Deno at once and asks dev/check-install.mjs only when the stack
// did not start: a working install then adds nothing to the stack's own answer and
// exit code, and a start that works never waits for a Node process first.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const run = (command: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(command, args, { cwd: root, encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000 });

test("the start script runs the stack first and the install check only after it failed", () => {
  const { scripts } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  expect(scripts.prestart).toBeUndefined();
  expect(scripts.start).toMatch(/^deno run -A dev\/serve\.ts \|\| node dev\/check-install\.mjs --failed=\$\?$/);
});

test("a stack that refuses to start keeps its own message and exit code through npm start", () => {
  const npm = run("npm", ["start", "--silent"], { PORT: "not-a-port" });
  expect(npm.status).toBe(1);
  expect(npm.stderr).toContain("[sambatan] PORT must be a port number");
  expect(npm.stderr).not.toContain("node_modules");
  expect(npm.stdout).not.toContain("local stack is ready");
});

test("after a failed start, a sound install answers with the stack's exit code and says nothing", () => {
  for (const code of [1, 2, 130]) {
    const check = run("node", ["dev/check-install.mjs", `--failed=${code}`], { npm_lifecycle_event: "start" });
    expect(check.status).toBe(code);
    expect(check.stdout + check.stderr).toBe("");
  }
  const plain = run("node", ["dev/check-install.mjs"]);
  expect(plain.status).toBe(0);
});
