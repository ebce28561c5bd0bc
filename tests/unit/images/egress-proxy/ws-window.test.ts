import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DlpEngine } from '../../../../images/egress-proxy/dlp/engine.js';
import { MessageWindow } from '../../../../images/egress-proxy/ws-window.js';

const engine = new DlpEngine([]);
const token = `ghp_${'a1B2'.repeat(9)}`;
const scan = (text: string) => engine.scan(text, true);

describe('MessageWindow', () => {
  it('hands the scanner the tail of earlier payloads followed by the new one', () => {
    const window = new MessageWindow(8);
    const seen: string[] = [];
    const record = (text: string) => (seen.push(text), []);
    window.scan(Buffer.from('abc'), record);
    window.scan(Buffer.from('defghijkl'), record);
    window.scan(Buffer.from('m'), record);
    assert.deepEqual(seen, ['abc', 'abcdefghijkl', 'efghijklm']);
  });

  it('reads bytes as latin1, one char per byte', () => {
    const window = new MessageWindow(4);
    let seen = '';
    window.scan(Buffer.from([0xff, 0x00, 0x80]), (text) => ((seen = text), []));
    assert.deepEqual(
      [...seen].map((c) => c.charCodeAt(0)),
      [0xff, 0x00, 0x80],
    );
  });

  it('finds a token split across two payloads', () => {
    const window = new MessageWindow(engine.overlap);
    assert.deepEqual(window.scan(Buffer.from(`first ${token.slice(0, 15)}`), scan), []);
    const hits = window.scan(Buffer.from(`${token.slice(15)} second`), scan);
    assert.deepEqual(
      hits.map((hit) => [hit.detector, hit.value]),
      [['github-token', token]],
    );
  });

  it('does not glue a token it already reported to letters that start the next payload', () => {
    const window = new MessageWindow(engine.overlap);
    assert.equal(window.scan(Buffer.from(`use ${token}`), scan)[0]?.value, token);
    assert.deepEqual(window.scan(Buffer.from('sent after it'), scan), []);
  });

  it('still sees a split token that follows an earlier hit in the same payload', () => {
    const other = `ghp_${'Zz9y'.repeat(9)}`;
    const window = new MessageWindow(engine.overlap);
    window.scan(Buffer.from(`${token} then ${other.slice(0, 10)}`), scan);
    const hits = window.scan(Buffer.from(`${other.slice(10)}.`), scan);
    assert.deepEqual(
      hits.map((hit) => hit.value),
      [other],
    );
  });
});
