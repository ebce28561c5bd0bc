import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyseTokenAllow } from '../../../../supervisor/analysis/token.js';

const codes = (payload: Parameters<typeof analyseTokenAllow>[0]) =>
  analyseTokenAllow(payload).map((f) => `${f.level}:${f.code}`);

describe('analyseTokenAllow', () => {
  it('describes where the held value would go', () => {
    const [held] = analyseTokenAllow({
      host: 'api.github.com',
      method: 'POST',
      path: '/graphql',
      detector: 'github-token',
    });
    assert.equal(held!.level, 'info');
    assert.match(held!.reason, /github-token value with POST api\.github\.com\/graphql/);
  });

  it('a token at home is info only; going elsewhere is a caution', () => {
    const home = { host: 'api.github.com', method: 'GET', path: '/', detector: 'github-token' };
    assert.deepEqual(codes(home), ['info:held-request']);
    assert.deepEqual(codes({ ...home, host: 'paste.example.test' }), [
      'info:held-request',
      'caution:token-elsewhere',
    ]);
  });

  it('key material and private addresses are cautions', () => {
    const key = { host: 'x.example.test', method: 'PUT', path: '/k', detector: 'private-key' };
    assert.deepEqual(codes(key), ['info:held-request', 'caution:key-material']);
    assert.ok(codes({ ...key, host: '10.0.0.5' }).includes('caution:token-to-address'));
  });

  it('quotes hostile text safely', () => {
    const [held] = analyseTokenAllow({
      host: 'x.test',
      method: 'GET',
      path: '/a\u202eb\x1b[2J',
      detector: 'jwt',
    });
    // eslint-disable-next-line no-control-regex
    assert.ok(!/[\x1b\u202e]/.test(held!.reason));
  });
});
