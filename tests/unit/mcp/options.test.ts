import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../../../launcher/cli.js';
import { resolveServeOptions } from '../../../mcp/options.js';

describe('mcp flags', () => {
  it('resolves the sidecar command line', () => {
    assert.deepEqual(
      resolveServeOptions(
        {
          state: '/run/claude-bottle/state',
          http: '0.0.0.0:8080',
          'token-file': '/run/claude-bottle/mcp-token',
          'allowed-host': ['supervise'],
        },
        '/',
      ),
      {
        stateDir: '/run/claude-bottle/state',
        maxWaitSeconds: 1200,
        transport: {
          kind: 'http',
          host: '0.0.0.0',
          port: 8080,
          allowedHosts: ['supervise'],
          tokenFile: '/run/claude-bottle/mcp-token',
        },
      },
    );
    assert.deepEqual(resolveServeOptions({ state: 's', stdio: true, 'max-wait': '5' }, '/x'), {
      stateDir: '/x/s',
      maxWaitSeconds: 5,
      transport: { kind: 'stdio' },
    });
  });

  const refused: [Record<string, unknown>, RegExp][] = [
    [{ stdio: true }, /--state DIR is required/],
    [{ state: 's' }, /choose a transport/],
    [{ state: 's', stdio: true, http: '127.0.0.1:1' }, /not both/],
    [{ state: 's', http: '127.0.0.1:1' }, /--token-file/],
    [{ state: 's', http: '0.0.0.0:1', 'token-file': 't' }, /--allowed-host/],
    [{ state: 's', stdio: true, 'token-file': 't' }, /apply to --http only/],
    [{ state: 's', stdio: true, 'max-wait': '0' }, /--max-wait/],
    [{ state: 's', stdio: true, 'max-wait': '1.5' }, /--max-wait/],
    [{ state: 's', http: 'nope', 'token-file': 't' }, /HOST:PORT/],
  ];
  for (const [values, expected] of refused) {
    it(`refuses ${JSON.stringify(values)}`, () => {
      assert.throws(() => resolveServeOptions(values, '/'), expected);
    });
  }

  it('prints truthful help through the CLI and refuses a missing state dir', async () => {
    let out = '';
    let err = '';
    const io = {
      stdout: { write: (t: string) => (out += t) },
      stderr: { write: (t: string) => (err += t) },
      env: {},
      cwd: '/',
    };
    assert.equal(await runCli(['mcp', '--help'], io), 0);
    assert.match(
      out,
      /--state DIR[\s\S]*--stdio[\s\S]*--http HOST:PORT[\s\S]*--token-file[\s\S]*--max-wait/,
    );
    assert.equal(await runCli(['mcp', '--state', '/nonexistent/x', '--stdio'], io), 78);
    assert.match(err, /error\[STATE_INVALID\]/);
  });
});
