import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CLAUDE_CODE_ALLOWED_TOOLS,
  claudeCodeMcpConfig,
  codexConfigToml,
} from '../../../mcp/host-config.js';

describe('host configuration', () => {
  it('builds the Claude Code --mcp-config object', () => {
    assert.deepEqual(claudeCodeMcpConfig({ url: 'http://supervise:8080/mcp', token: 'abc123' }), {
      mcpServers: {
        supervise: {
          type: 'http',
          url: 'http://supervise:8080/mcp',
          headers: { Authorization: 'Bearer abc123' },
          timeout: 1800000,
        },
      },
    });
    assert.equal(CLAUDE_CODE_ALLOWED_TOOLS, 'mcp__supervise');
  });

  it('builds the Codex [mcp_servers.supervise] block', () => {
    assert.equal(
      codexConfigToml({ url: 'http://supervise:8080/mcp', bearerTokenEnvVar: 'SUPERVISE_TOKEN' }),
      [
        '[mcp_servers.supervise]',
        'url = "http://supervise:8080/mcp"',
        'bearer_token_env_var = "SUPERVISE_TOKEN"',
        'startup_timeout_sec = 30',
        'tool_timeout_sec = 1800',
        '',
      ].join('\n'),
    );
  });

  it('refuses bad input', () => {
    assert.throws(() => claudeCodeMcpConfig({ url: 'supervise:8080', token: 't' }), /http/);
    assert.throws(() => claudeCodeMcpConfig({ url: 'http://s/mcp', token: '' }), /token/);
    assert.throws(
      () => codexConfigToml({ url: 'http://s/mcp', bearerTokenEnvVar: 'A"\n[x]' }),
      /environment variable/,
    );
  });
});
