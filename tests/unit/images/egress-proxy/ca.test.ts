import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../../../launcher/cli.js';
import { loadCa } from '../../../../images/egress-proxy/ca.js';
import { LeafCertCache } from '../../../../images/egress-proxy/leaf-certs.js';

function io() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (text: string) => (out.stdout += text) },
      stderr: { write: (text: string) => (out.stderr += text) },
      env: {},
      cwd: process.cwd(),
    },
  };
}

describe('claude-bottle ca init', () => {
  it('creates ca.crt and a 0600 ca.key, and refuses to overwrite the key', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'cb-ca-')), 'ca');
    const first = io();
    assert.equal(await runCli(['ca', 'init', dir], first.io), 0);
    assert.equal((await stat(join(dir, 'ca.key'))).mode & 0o777, 0o600);
    const cert = new X509Certificate(await readFile(join(dir, 'ca.crt')));
    assert.ok(cert.ca);
    const second = io();
    assert.equal(await runCli(['ca', 'init', dir], second.io), 73);
    assert.match(second.out.stderr, /ALREADY_EXISTS.*refusing to overwrite/);
  });

  it('mints leaves for names and IP addresses that chain to the CA', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cb-ca-'));
    assert.equal(await runCli(['ca', 'init', dir], io().io), 0);
    const cache = new LeafCertCache(await loadCa(dir));
    assert.equal(cache.contextFor('api.github.com'), cache.contextFor('API.github.com'));
    await cache.contextFor('api.github.com');
    await cache.contextFor('127.0.0.1');
  });
});
