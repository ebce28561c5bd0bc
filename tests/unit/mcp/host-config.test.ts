import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CLAUDE_CODE_ALLOWED_TOOLS,
  CODEX_PROVIDER_ID,
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
        'check_for_update_on_startup = false',
        '',
        '[analytics]',
        'enabled = false',
        '',
        '[features]',
        'plugins = false',
        '',
        '[mcp_servers.supervise]',
        'url = "http://supervise:8080/mcp"',
        'bearer_token_env_var = "SUPERVISE_TOKEN"',
        'startup_timeout_sec = 30',
        'tool_timeout_sec = 1800',
        '',
      ].join('\n'),
    );
  });

  it('puts a gateway model_provider before every table', () => {
    const toml = codexConfigToml({
      url: 'http://supervise:8080/mcp',
      bearerTokenEnvVar: 'SUPERVISE_TOKEN',
      modelProvider: { baseUrl: 'https://gw.example/v1', envKey: 'OPENAI_API_KEY' },
    });
    assert.equal(
      toml,
      [
        'check_for_update_on_startup = false',
        'model_provider = "claude-bottle"',
        '',
        '[analytics]',
        'enabled = false',
        '',
        '[features]',
        'plugins = false',
        '',
        '[model_providers.claude-bottle]',
        'name = "claude-bottle"',
        'base_url = "https://gw.example/v1"',
        'env_key = "OPENAI_API_KEY"',
        'wire_api = "responses"',
        '',
        '[mcp_servers.supervise]',
        'url = "http://supervise:8080/mcp"',
        'bearer_token_env_var = "SUPERVISE_TOKEN"',
        'startup_timeout_sec = 30',
        'tool_timeout_sec = 1800',
        '',
      ].join('\n'),
    );
    // Codex ignores config overrides of its built-in provider ids.
    assert.ok(!['openai', 'ollama', 'lmstudio'].includes(CODEX_PROVIDER_ID));
  });

  it('adds the agent prompt as developer_instructions, a root key in one escaped string', () => {
    const toml = codexConfigToml({
      url: 'http://supervise:8080/mcp',
      bearerTokenEnvVar: 'SUPERVISE_TOKEN',
      developerInstructions: 'Line "one"\n[evil]\nkey = 1\\ \x7f end',
    });
    const line = toml.split('\n').find((l) => l.startsWith('developer_instructions = '));
    assert.equal(
      line,
      'developer_instructions = "Line \\"one\\"\\n[evil]\\nkey = 1\\\\ \\u007F end"',
    );
    // Before the first table, so it is Codex's root key and not a table's.
    assert.ok(toml.indexOf(line) < toml.indexOf('\n['));
    assert.ok(!/^\[evil\]/m.test(toml));
    assert.ok(
      !codexConfigToml({
        url: 'http://s/mcp',
        bearerTokenEnvVar: 'T',
        developerInstructions: ' \n',
      }).includes('developer_instructions'),
    );
  });

  it('signs a ChatGPT login in through a provider of its own: no key variable, no compression', () => {
    const text = codexConfigToml({
      url: 'http://supervise:8080/mcp',
      bearerTokenEnvVar: 'T',
      modelProvider: {
        baseUrl: 'https://chatgpt.test/backend-api/codex',
        chatgptBaseUrl: 'https://chatgpt.test/backend-api/',
      },
    });
    const [root] = text.split('\n[');
    assert.match(root!, /^chatgpt_base_url = "https:\/\/chatgpt\.test\/backend-api\/"$/m);
    assert.match(root!, /^cli_auth_credentials_store = "file"$/m);
    assert.match(
      text,
      /\[features\]\nplugins = false\nenable_request_compression = false\napps = false\n/,
    );
    assert.match(text, /\[model_providers\.claude-bottle\][^[]*requires_openai_auth = true/);
    assert.doesNotMatch(text, /env_key/);
    assert.throws(
      () =>
        codexConfigToml({
          url: 'http://s/mcp',
          bearerTokenEnvVar: 'T',
          modelProvider: { baseUrl: 'https://x.test/codex', chatgptBaseUrl: 'not a url' },
        }),
      /chatgpt_base_url "not a url" is not a URL/,
    );
  });

  it('refuses a bad model provider', () => {
    const base = { url: 'http://s/mcp', bearerTokenEnvVar: 'T' };
    assert.throws(
      () => codexConfigToml({ ...base, modelProvider: { baseUrl: 'gw', envKey: 'K' } }),
      /base_url "gw" is not a URL/,
    );
    assert.throws(
      () =>
        codexConfigToml({ ...base, modelProvider: { baseUrl: 'https://g', envKey: 'K"\n[x]' } }),
      /environment variable/,
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
