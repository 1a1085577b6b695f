// The local HTTP stack (dev/serve.ts under Deno) for the HTTP benchmarks and the
// embedded start, and user tokens signed with the development key the way Supabase
// Auth signs them, so every request of a load test can be a different buyer.

import { spawn } from 'node:child_process';
import { webcrypto as crypto } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../../dev/pg-cluster.mjs';
import { ROOT } from './database.mjs';
import { sleep } from './util.mjs';

export const DENO = path.join(ROOT, 'node_modules', '.bin', 'deno');
export const PUBLISHABLE_KEY = 'sb_publishable_ACJWlzQHlZjBrEguHvfOxg_3BJgxAaH';

/** The environment without anything that would point the stack at another database or other keys. */
export function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !k.startsWith('SUPABASE_') && !k.startsWith('SAMBATAN_') && k !== 'DATABASE_URL') env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/**
 * Spawns a server command and resolves once GET /functions/v1/health answers 200.
 * Resolves { url, port, child, readyMs, logs, stop() }; readyMs counts from spawn.
 */
export async function startServer({ command, args, env = {}, timeoutMs = 180_000 }) {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(command, args, {
    cwd: ROOT,
    env: cleanEnv({ PORT: String(port), HOST: '127.0.0.1', SAMBATAN_TICK_SECONDS: '0', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so stop() also ends the runtime a wrapper (npm) started.
    detached: true,
  });
  // The stack logs one line per request; under load that output must be drained.
  const logs = [];
  const keep = (d) => {
    for (const line of String(d).split('\n')) {
      if (!line) continue;
      logs.push(line);
      if (logs.length > 200) logs.shift();
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  const done = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))));
  const url = `http://127.0.0.1:${port}`;
  const server = {
    url,
    port,
    child,
    logs,
    readyMs: null,
    async stop() {
      if (exited) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }, 10_000);
      await done;
      clearTimeout(timer);
    },
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !exited) {
    const res = await fetch(`${url}/functions/v1/health`).catch(() => undefined);
    if (res) {
      await res.body?.cancel();
      if (res.status === 200) {
        server.readyMs = performance.now() - t0;
        return server;
      }
    }
    await sleep(20);
  }
  await server.stop();
  throw new Error(`${[command, ...args].join(' ')} did not answer health with 200${exited ? ` (exited ${exited.code ?? exited.signal})` : ''}:\n${logs.slice(-30).join('\n')}`);
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** Signs Supabase-Auth-shaped access tokens with the first key of supabase/signing_keys.json. */
export async function tokenSigner(baseUrl) {
  const keys = JSON.parse(fs.readFileSync(path.join(ROOT, 'supabase', 'signing_keys.json'), 'utf8'));
  const jwk = Array.isArray(keys) ? keys[0] : keys;
  // The CLI writes key_ops ["sign","verify"], which WebCrypto refuses on a private key.
  const { key_ops: _ops, use: _use, alg: _alg, kid, ext: _ext, ...material } = jwk;
  const key = await crypto.subtle.importKey('jwk', material, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const header = b64url(JSON.stringify({ alg: 'ES256', kid, typ: 'JWT' }));
  return async (sub) => {
    const now = Math.floor(Date.now() / 1000);
    const payload = b64url(JSON.stringify({
      iss: `${baseUrl}/auth/v1`,
      aud: 'authenticated',
      sub,
      exp: now + 3600,
      iat: now,
      role: 'authenticated',
      aal: 'aal1',
      session_id: crypto.randomUUID(),
      is_anonymous: false,
      app_metadata: { provider: 'email', providers: ['email'] },
      user_metadata: {},
    }));
    const input = `${header}.${payload}`;
    const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, Buffer.from(input));
    return `${input}.${b64url(sig)}`;
  };
}
